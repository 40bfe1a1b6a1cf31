"""The forms of the supplier and purchase order pages."""

from django import forms

from projects.forms import _email_errors, _max_length, _text_errors
from purchasing.models import PurchaseOrder, Supplier
from purchasing.promostandards.addresses import validate_order_status_url


class PurchaseOrderFilterForm(forms.Form):
    q = forms.CharField(
        required=False,
        max_length=100,
        label="Search purchase orders",
        help_text="PO number, project or client",
        widget=forms.TextInput(attrs={"type": "search"}),
    )
    stage = forms.ChoiceField(choices=[("", "Any stage"), *PurchaseOrder.Stage.choices], required=False)
    status = forms.ChoiceField(choices=[("", "Any status"), *PurchaseOrder.Status.choices], required=False)
    supplier = forms.ModelChoiceField(
        queryset=Supplier.objects.order_by("name"), required=False, empty_label="Any supplier"
    )


class PurchaseOrderStageForm(forms.Form):
    # Any stage passes the form; the service says why a move is refused, naming the current stage.
    stage = forms.ChoiceField(
        label="Move the stage to",
        choices=[("", "Choose a stage…"), *PurchaseOrder.Stage.choices],
        error_messages={"required": "Choose the stage to move the purchase order to."},
    )

    def __init__(self, *args, allowed: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        # No stage is preselected, so a stray click on the button moves nothing.
        self.fields["stage"].widget.choices = [("", "Choose a stage…")] + [
            (stage, PurchaseOrder.Stage(stage).label) for stage in allowed
        ]


def _po_id(value: str) -> int:
    """A purchase order id as ticked in the list: digits that fit the column, else ValueError."""
    if not (value.isascii() and value.isdigit() and len(value) < 10):
        raise ValueError(value)
    return int(value)


class PurchaseOrderBulkStageForm(forms.Form):
    """The purchase orders list's "Move selected to": the ticked POs (by id) and the stage they go to."""

    # More than a page of the list is not something a person ticks.
    MOST = 200

    po = forms.TypedMultipleChoiceField(
        label="Purchase orders",
        coerce=_po_id,
        error_messages={
            "required": "Tick the purchase orders to move, in the PO column.",
            "invalid_choice": "%(value)s is not a purchase order id; reload the list and tick them again.",
        },
    )
    stage = forms.ChoiceField(
        label="Move selected to",
        choices=[("", "Choose a stage…"), *PurchaseOrder.Stage.choices],
        error_messages={"required": "Choose the stage to move the selected purchase orders to."},
    )

    def __init__(self, *args, **kwargs):
        # The list's filter form has a Stage select of its own: these ids must differ from its.
        kwargs.setdefault("auto_id", "bulk_%s")
        super().__init__(*args, **kwargs)
        # Any id passes the field; clean_po says which of them no longer exist.
        self.fields["po"].valid_value = lambda value: True

    def clean_po(self) -> list[PurchaseOrder]:
        ids = self.cleaned_data["po"]
        if len(ids) > self.MOST:
            raise forms.ValidationError(f"Tick at most {self.MOST} purchase orders at a time; {len(ids)} are ticked.")
        found = {po.pk: po for po in PurchaseOrder.objects.filter(pk__in=ids)}
        missing = [str(pk) for pk in dict.fromkeys(ids) if pk not in found]
        if missing:
            raise forms.ValidationError(
                f"No purchase order has the id {', '.join(missing)}; reload the list and tick them again."
            )
        return list(found.values())


class PurchaseOrderStatusForm(forms.Form):
    status = forms.ChoiceField(
        label="Set the status to",
        choices=[("", "Choose a status…"), *PurchaseOrder.Status.choices],
        error_messages={"required": "Choose the status to set."},
    )

    def __init__(self, *args, current: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].widget.choices = [("", "Choose a status…")] + [
            (value, label) for value, label in PurchaseOrder.Status.choices if value != current
        ]


class SupplierSearchForm(forms.Form):
    q = forms.CharField(
        required=False,
        max_length=100,
        label="Search suppliers",
        help_text="Name, email or phone",
        widget=forms.TextInput(attrs={"type": "search", "placeholder": "Name, email or phone"}),
    )


class SupplierForm(forms.Form):
    name = forms.CharField(
        max_length=_max_length(Supplier, "name"),
        error_messages=_text_errors("Name"),
        widget=forms.TextInput(attrs={"autocomplete": "organization"}),
    )
    email = forms.EmailField(
        required=False,
        max_length=_max_length(Supplier, "email"),
        help_text="Purchase orders are emailed here",
        error_messages=_email_errors("Email", "orders@supplier.example"),
    )
    phone = forms.CharField(
        required=False,
        max_length=_max_length(Supplier, "phone"),
        error_messages=_text_errors("Phone"),
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )
    order_status_url = forms.URLField(
        label="Order status service URL",
        required=False,
        assume_scheme="https",
        max_length=_max_length(Supplier, "order_status_url"),
        help_text=(
            "The supplier's PromoStandards Order Status Service (1.0.0) address, https; blank: the desk does not ask"
        ),
        error_messages={
            **_text_errors("Order status service URL"),
            "invalid": "Order status service URL must be a web address, such as https://supplier.example/orderStatus.",
        },
        validators=[validate_order_status_url],
        widget=forms.URLInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    order_status_username = forms.CharField(
        label="Order status user id",
        required=False,
        max_length=_max_length(Supplier, "order_status_username"),
        help_text="The account id the supplier gave you for its web services",
        error_messages=_text_errors("Order status user id"),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    order_status_password = forms.CharField(
        label="Order status password",
        required=False,
        max_length=200,
        strip=False,
        error_messages=_text_errors("Order status password"),
        # Never sent back to the browser: the stored password is encrypted and stays where it is.
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
    )

    shipment_url = forms.URLField(
        label="Shipment notification service URL",
        required=False,
        assume_scheme="https",
        max_length=_max_length(Supplier, "shipment_url"),
        help_text=(
            "The supplier's PromoStandards Order Shipment Notification Service (2.0.0) address, https; "
            "it is sent the order status user id and password"
        ),
        error_messages={
            **_text_errors("Shipment notification service URL"),
            "invalid": "Shipment notification service URL must be a web address, such as "
            "https://supplier.example/orderShipmentNotification.",
        },
        validators=[validate_order_status_url],
        widget=forms.URLInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    shipment_enabled = forms.BooleanField(
        label="Read shipments from the supplier",
        required=False,
        help_text="Carrier, tracking and quantities of the open POs, read every so often; off: not asked",
    )

    inventory_url = forms.URLField(
        label="Inventory service URL",
        required=False,
        assume_scheme="https",
        max_length=_max_length(Supplier, "inventory_url"),
        help_text=(
            "The supplier's PromoStandards Inventory Service (2.0.0) address, https; "
            "it is sent the order status user id and password"
        ),
        error_messages={
            **_text_errors("Inventory service URL"),
            "invalid": "Inventory service URL must be a web address, such as https://supplier.example/inventory.",
        },
        validators=[validate_order_status_url],
        widget=forms.URLInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    inventory_enabled = forms.BooleanField(
        label="Check stock with the supplier",
        required=False,
        help_text="The stock of the open POs' items with a supplier's product id, on the PO page and daily",
    )

    SERVICE_FIELDS = {
        "order_status_url": "Only Managers may set or change the order status service URL.",
        "order_status_username": "Only Managers may set or change the order status user id.",
        "order_status_password": "Only Managers may set or change the order status password.",
        "shipment_url": "Only Managers may set or change the shipment notification service URL.",
        "shipment_enabled": "Only Managers may switch the shipment notification service on or off.",
        "inventory_url": "Only Managers may set or change the inventory service URL.",
        "inventory_enabled": "Only Managers may switch the inventory service on or off.",
    }

    def __init__(self, *args, has_order_status_password: bool = False, can_change_service: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.has_order_status_password = has_order_status_password
        # The service is sent the stored password on every call: only Managers may say where it is.
        # Others see the address and the user id, read-only.
        self.can_change_service = can_change_service
        self.fields["order_status_password"].help_text = (
            "A password is stored (encrypted); leave this blank to keep it, or type a new one. "
            "Changing the URL or the user id drops it: type it again with them"
            if has_order_status_password
            else "Stored encrypted; never shown again"
        )
        if not can_change_service:
            for name in self.SERVICE_FIELDS:
                self.fields[name].disabled = True

    def clean(self):
        data = super().clean()
        if not self.can_change_service:
            # A disabled field keeps its stored value whatever is posted; posting another is refused, not ignored.
            for name, message in self.SERVICE_FIELDS.items():
                if name in ("shipment_enabled", "inventory_enabled"):
                    # A disabled checkbox is never posted: one posted that was off is a change.
                    if name in self.data and not self.get_initial_for_field(self.fields[name], name):
                        self.add_error(name, message)
                    continue
                posted = self.data.get(name)
                if posted is not None and posted.strip() != (self.get_initial_for_field(self.fields[name], name) or ""):
                    self.add_error(name, message)
            return data
        if data.get("shipment_enabled") and not data.get("shipment_url"):
            self.add_error("shipment_url", "Give the shipment notification service URL to read shipments from.")
        if data.get("inventory_enabled") and not data.get("inventory_url"):
            self.add_error("inventory_url", "Give the inventory service URL to check stock with.")
        has_service = bool(data.get("order_status_url") or data.get("shipment_url") or data.get("inventory_url"))
        if has_service and not (data.get("order_status_username") or "").strip():
            self.add_error("order_status_username", "Give the user id the supplier's order status service expects.")
        service_changed = (
            any(
                name in self.changed_data
                for name in ("order_status_url", "order_status_username", "shipment_url", "inventory_url")
            )
            or not self.has_order_status_password
        )
        if has_service and service_changed and not data.get("order_status_password"):
            self.add_error(
                "order_status_password",
                "Type the password again: a changed URL or user id does not keep the stored one."
                if self.has_order_status_password
                else "Give the password the supplier's order status service expects.",
            )
        return data
