"""Suppliers and purchase orders in the admin: the order status password never shown, POs on the books never deleted."""

from django import forms
from django.contrib import admin
from django.db import models

from core.roles import is_manager
from purchasing.figures import sales_order_purchase_figures_refresh
from purchasing.models import PurchaseOrder, PurchaseOrderItem, Supplier
from purchasing.services import (
    SUPPLIER_SERVICE_FIELDS,
    SUPPLIER_SERVICE_SWITCHES,
    SUPPLIER_SERVICE_UNSET,
    supplier_order_status_service_apply,
)


def _https_url_formfield(field, **kwargs):
    # A bare host name means https, as on the supplier's page.
    if isinstance(field, models.URLField):
        kwargs.setdefault("assume_scheme", "https")
    return field.formfield(**kwargs)


# The services' settings only Managers change: what identifies them, and their switches.
SERVICE_SETTINGS = [*SUPPLIER_SERVICE_FIELDS, *SUPPLIER_SERVICE_SWITCHES]


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
        fields = [
            "name",
            "email",
            "phone",
            "order_status_url",
            "order_status_username",
            "shipment_url",
            "shipment_enabled",
            "inventory_url",
            "inventory_enabled",
        ]
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
        fields = ["name", "email", "phone", *SERVICE_SETTINGS]
        return [*fields, "order_status_password"] if is_manager(request.user) else fields

    def get_readonly_fields(self, request, obj=None):
        # Read-only fields are left out of the form: whatever is posted for them changes nothing.
        return [] if is_manager(request.user) else list(SERVICE_SETTINGS)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        if not is_manager(request.user):
            # A declared field stays in the form whatever `fields` says: take the password box out.
            form.base_fields.pop("order_status_password", None)
        return form

    def save_model(self, request, obj, form, change):
        # What is stored, not the form's initial: a read-only field has no initial in the form.
        stored = Supplier.objects.filter(pk=obj.pk).values(*SERVICE_SETTINGS).first() if change else None
        previous = stored or dict(SUPPLIER_SERVICE_UNSET)
        supplier_order_status_service_apply(
            supplier=obj,
            previous=previous,
            password=form.cleaned_data.get("order_status_password", ""),
            by=request.user,
        )
        super().save_model(request, obj, form, change)


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

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # Lines added, changed or removed here change what of the order is purchased and shipped.
        sales_order_purchase_figures_refresh(sales_order_id=form.instance.sales_order_id)

    def has_delete_permission(self, request, obj=None):
        # One PO at a time, and only one no backorder or invoice stands on; without an object (the
        # list's bulk "Delete selected") the answer is no, so that action is not offered at all.
        return obj is not None and not purchase_order_is_on_the_books(obj)
