from django.contrib import admin

from invoicing.models import Invoice, InvoiceLine, InvoiceNumberSequence


class ReadOnlyAdmin(admin.ModelAdmin):
    """Issued invoices are never edited: a mistake is fixed by voiding."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class InvoiceLineInline(admin.TabularInline):
    model = InvoiceLine
    extra = 0

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Invoice)
class InvoiceAdmin(ReadOnlyAdmin):
    list_display = ["number", "sales_order", "date", "kind", "status", "total"]
    list_filter = ["status", "kind"]
    search_fields = ["number", "sales_order__number"]
    inlines = [InvoiceLineInline]


@admin.register(InvoiceNumberSequence)
class InvoiceNumberSequenceAdmin(ReadOnlyAdmin):
    list_display = ["name", "last_value"]
