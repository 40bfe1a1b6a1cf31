from django import forms
from django.contrib import admin
from django.db import models
from django.http import HttpResponseRedirect
from django.urls import reverse

from core.roles import is_manager
from projects.models import Activity, Client, CompanySettings, Note, Project, SalesOrder, SalesOrderItem
from projects.services import SUPPLIER_SERVICE_FIELDS, SUPPLIER_SERVICE_UNSET, supplier_order_status_service_apply
from purchasing.models import PurchaseOrder, PurchaseOrderItem, Supplier


class CompanySettingsForm(forms.ModelForm):
    class Meta:
        model = CompanySettings
        fields = ["name", "address", "tax_id", "currency", "email", "phone", "website", "remit_to"]

    def clean_currency(self) -> str:
        currency = self.cleaned_data["currency"].strip().upper()
        if len(currency) != 3 or not currency.isascii() or not currency.isalpha():
            raise forms.ValidationError("Enter the currency's three-letter ISO 4217 code, such as USD, EUR or CAD.")
        return currency


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


def _https_url_formfield(field, **kwargs):
    # A bare host name means https, as on the supplier's page.
    if isinstance(field, models.URLField):
        kwargs.setdefault("assume_scheme", "https")
    return field.formfield(**kwargs)


class SupplierAdminForm(forms.ModelForm):
    # Never read back: a blank box keeps the stored password, for the same service only.
    order_status_password = forms.CharField(
        label="Order status password",
        required=False,
        max_length=200,
        strip=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text="Stored encrypted; blank keeps the stored one. Changing the URL or the user id drops it: "
        "type it again with them.",
    )

    class Meta:
        model = Supplier
        fields = ["name", "email", "phone", "order_status_url", "order_status_username"]
        formfield_callback = _https_url_formfield
        help_texts = {
            "order_status_url": "https; plain http or a local address only for the hosts "
            "SUPPLIER_SERVICE_ALLOWED_HOSTS names",
        }


@admin.register(Supplier)
class SupplierAdmin(admin.ModelAdmin):
    """Suppliers; their order status service (which is sent the stored password) is the Managers' alone."""

    form = SupplierAdminForm
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    list_display = ["name", "email"]
    search_fields = ["name"]

    def get_fields(self, request, obj=None):
        fields = ["name", "email", "phone", *SUPPLIER_SERVICE_FIELDS]
        return [*fields, "order_status_password"] if is_manager(request.user) else fields

    def get_readonly_fields(self, request, obj=None):
        # Read-only fields are left out of the form: whatever is posted for them changes nothing.
        return [] if is_manager(request.user) else list(SUPPLIER_SERVICE_FIELDS)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        if not is_manager(request.user):
            # A declared field stays in the form whatever `fields` says: take the password box out.
            form.base_fields.pop("order_status_password", None)
        return form

    def save_model(self, request, obj, form, change):
        # What is stored, not the form's initial: a read-only field has no initial in the form.
        stored = Supplier.objects.filter(pk=obj.pk).values(*SUPPLIER_SERVICE_FIELDS).first() if change else None
        previous = stored or dict(SUPPLIER_SERVICE_UNSET)
        supplier_order_status_service_apply(
            supplier=obj,
            previous=previous,
            password=form.cleaned_data.get("order_status_password", ""),
            by=request.user,
        )
        super().save_model(request, obj, form, change)


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
            obj.invoices.exists() or PurchaseOrderItem.objects.filter(sales_order_item__sales_order=obj).exists()
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


def purchase_order_is_on_the_books(purchase_order: PurchaseOrder) -> bool:
    """Tell whether the PO has backorders or its sales order invoices, whose counts its rows back."""
    return purchase_order.backorders.exists() or purchase_order.sales_order.invoices.exists()


class PurchaseOrderItemInline(admin.TabularInline):
    model = PurchaseOrderItem
    extra = 0
    raw_id_fields = ["sales_order_item"]

    def has_delete_permission(self, request, obj=None):
        return obj is None or not purchase_order_is_on_the_books(obj)


@admin.register(PurchaseOrder)
class PurchaseOrderAdmin(admin.ModelAdmin):
    list_display = ["number", "project", "supplier", "stage", "status"]
    list_filter = ["stage", "status"]
    search_fields = ["number", "project__number", "supplier__name"]
    readonly_fields = ["stage", "status"]
    inlines = [PurchaseOrderItemInline]

    def has_delete_permission(self, request, obj=None):
        # One PO at a time, and only one no backorder or invoice stands on; without an object (the
        # list's bulk "Delete selected") the answer is no, so that action is not offered at all.
        return obj is not None and not purchase_order_is_on_the_books(obj)


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
