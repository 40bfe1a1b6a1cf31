from django.contrib import admin
from django.http import HttpResponseRedirect
from django.urls import reverse

from core.roles import is_manager
from projects.forms import CompanySettingsForm
from projects.models import Activity, Client, CompanySettings, Note, Project, SalesOrder, SalesOrderItem


@admin.register(CompanySettings)
class CompanySettingsAdmin(admin.ModelAdmin):
    """The one row of company settings: no list, no second row, nothing to delete; Managers and staff edit it."""

    form = CompanySettingsForm
    fieldsets = [
        (None, {"fields": ["name", "address", "tax_id", "currency"]}),
        ("Contact on invoices", {"fields": ["email", "phone", "website"]}),
        ("Payment", {"fields": ["remit_to"]}),
    ]

    def has_add_permission(self, request):
        return not CompanySettings.objects.exists() and self.has_change_permission(request)

    def has_change_permission(self, request, obj=None):
        # Staff who are Managers (or superusers) edit it, or staff given the permission explicitly.
        user = request.user
        return user.is_active and user.is_staff and (is_manager(user) or super().has_change_permission(request, obj))

    def has_view_permission(self, request, obj=None):
        return self.has_change_permission(request, obj) or super().has_view_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        # A list of one row is a detour: go straight to the row, made from the settings if need be.
        if not self.has_view_permission(request):
            return super().changelist_view(request, extra_context)
        company = CompanySettings.load()
        return HttpResponseRedirect(reverse("admin:projects_companysettings_change", args=[company.pk]))


@admin.register(Client)
class ClientAdmin(admin.ModelAdmin):
    list_display = ["name", "billing_email", "terms_days"]
    search_fields = ["name", "billing_email"]


@admin.register(Project)
class ProjectAdmin(admin.ModelAdmin):
    list_display = ["number", "name", "client", "order_rep", "production_rep", "invoicing_rep"]
    search_fields = ["number", "name", "client__name"]
    list_select_related = ["client", "order_rep", "production_rep", "invoicing_rep"]


class SalesOrderItemInline(admin.TabularInline):
    model = SalesOrderItem
    extra = 0
    readonly_fields = ["invoiced_quantity", "cancelled_quantity", "backordered_quantity"]

    def has_change_permission(self, request, obj=None):
        # Rule 6: items of an order with an invoice are fixed; so are items a purchase order covers,
        # which the sales-order page locks too (the inline cannot lock row by row, so it locks all).
        return obj is None or not (
            obj.invoices.exists() or obj.items.filter(purchase_order_items__isnull=False).exists()
        )

    has_delete_permission = has_change_permission
    has_add_permission = has_change_permission


@admin.register(SalesOrder)
class SalesOrderAdmin(admin.ModelAdmin):
    list_display = ["number", "project", "status", "in_hands_date"]
    list_filter = ["status"]
    search_fields = ["number", "project__number", "project__name"]
    # Status moves go through the workflow services so that the rules and the log apply.
    readonly_fields = ["status"]
    inlines = [SalesOrderItemInline]


@admin.register(Note)
class NoteAdmin(admin.ModelAdmin):
    list_display = ["project", "author", "pinned", "created_at"]
    list_filter = ["pinned"]
    search_fields = ["body"]


@admin.register(Activity)
class ActivityAdmin(admin.ModelAdmin):
    """The activity log, read-only: history is never added to, changed or deleted by hand."""

    list_display = ["created_at", "project", "actor", "verb", "subject_label", "from_value", "to_value"]
    list_select_related = ["project", "actor"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
