"""Forms of the project, note and purchase-order pages; they read input, the services decide."""

from decimal import Decimal

from django import forms
from django.contrib.auth.models import User
from django.db.models import Q

from core.fields import MoneyField, QuantityField
from core.roles import Role
from projects.models import MAX_QUANTITY, Client, SalesOrderItem
from projects.services import NOTE_MAX_LENGTH
from purchasing.models import PurchaseOrder, Supplier
from purchasing.promostandards.addresses import validate_order_status_url


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return obj.get_full_name() or obj.get_username()


class ProjectFilterForm(forms.Form):
    q = forms.CharField(
        required=False,
        max_length=100,
        label="Search projects",
        help_text="Project number, name or client",
        widget=forms.TextInput(attrs={"type": "search"}),
    )
    rep = PersonChoiceField(
        queryset=User.objects.filter(is_active=True).order_by("first_name", "last_name", "username"),
        required=False,
        label="Rep",
        empty_label="Any rep",
    )
    client = forms.ModelChoiceField(queryset=Client.objects.order_by("name"), required=False, empty_label="Any client")


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


class NoteForm(forms.Form):
    body = forms.CharField(
        label="Note",
        max_length=NOTE_MAX_LENGTH,
        help_text="Type @ and the start of a name to mention a colleague; they are notified.",
        widget=forms.Textarea(attrs={"rows": 4}),
        # Blank input is refused by the service with the message the API gives too.
        required=False,
    )
    pinned = forms.BooleanField(required=False, label="Pin this note to the top of the overview")


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


# --- clients and suppliers ----------------------------------------------------------------------


def _max_length(model, field: str) -> int:
    return model._meta.get_field(field).max_length


def _text_errors(label: str) -> dict[str, str]:
    """Messages that name the field, for a text input that is required and limited in length."""
    return {
        "required": f"{label} is required.",
        "max_length": f"{label} may hold at most %(limit_value)d characters; this has %(show_value)d.",
        "null_characters_not_allowed": f"{label} must not contain null characters.",
    }


def _email_errors(label: str, example: str) -> dict[str, str]:
    return {**_text_errors(label), "invalid": f"{label} must be an email address, such as {example}."}


TERMS_MESSAGE = "Payment terms must be a whole number of days from 0 to 365."


class ClientSearchForm(forms.Form):
    q = forms.CharField(
        required=False,
        max_length=100,
        label="Search clients",
        help_text="Name, email or tax id",
        widget=forms.TextInput(attrs={"type": "search", "placeholder": "Name, email or tax id"}),
    )


class ClientForm(forms.Form):
    name = forms.CharField(
        max_length=_max_length(Client, "name"),
        error_messages=_text_errors("Name"),
        widget=forms.TextInput(attrs={"autocomplete": "organization"}),
    )
    billing_email = forms.EmailField(
        label="Billing email",
        max_length=_max_length(Client, "billing_email"),
        help_text="Invoices are emailed here",
        error_messages=_email_errors("Billing email", "accounts@client.example"),
    )
    billing_address = forms.CharField(
        label="Billing address",
        required=False,
        max_length=_max_length(Client, "billing_address"),
        help_text="Printed on invoices, and where goods go unless an order says otherwise",
        error_messages=_text_errors("Billing address"),
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    tax_id = forms.CharField(
        label="Tax id",
        required=False,
        max_length=_max_length(Client, "tax_id"),
        help_text="VAT, GST or EIN number, if any",
        error_messages=_text_errors("Tax id"),
    )
    terms_days = forms.IntegerField(
        label="Payment terms (days)",
        initial=30,
        min_value=0,
        max_value=365,
        error_messages={code: TERMS_MESSAGE for code in ("required", "invalid", "min_value", "max_value")},
        widget=forms.NumberInput(attrs={"step": 1, "inputmode": "numeric"}),
    )

    def __init__(self, *args, currency: str, **kwargs):
        super().__init__(*args, **kwargs)
        # One currency for the whole company: said here so nobody looks for a per-client choice.
        terms = self.fields["terms_days"]
        terms.help_text = f"Days the client has to pay an invoice, 0 for due on receipt. Amounts are in {currency}."


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

    SERVICE_FIELDS = {
        "order_status_url": "Only Managers may set or change the order status service URL.",
        "order_status_username": "Only Managers may set or change the order status user id.",
        "order_status_password": "Only Managers may set or change the order status password.",
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
                posted = self.data.get(name)
                if posted is not None and posted.strip() != (self.get_initial_for_field(self.fields[name], name) or ""):
                    self.add_error(name, message)
            return data
        if data.get("order_status_url") and not (data.get("order_status_username") or "").strip():
            self.add_error("order_status_username", "Give the user id the supplier's order status service expects.")
        service_changed = (
            any(name in self.changed_data for name in ("order_status_url", "order_status_username"))
            or not self.has_order_status_password
        )
        if data.get("order_status_url") and service_changed and not data.get("order_status_password"):
            self.add_error(
                "order_status_password",
                "Type the password again: a changed URL or user id does not keep the stored one."
                if self.has_order_status_password
                else "Give the password the supplier's order status service expects.",
            )
        return data


# --- the sales rep's project and sales-order pages ----------------------------------------------


def _people_in(role: str):
    return (
        User.objects.filter(is_active=True)
        .filter(Q(groups__name=role) | Q(groups__name=Role.MANAGERS) | Q(is_superuser=True))
        .distinct()
        .order_by("first_name", "last_name", "username")
    )


class ProjectForm(forms.Form):
    name = forms.CharField(label="Project name", max_length=200)
    client = forms.ModelChoiceField(
        queryset=Client.objects.order_by("name"),
        empty_label="Choose a client…",
        error_messages={"required": "Choose the client this project is for."},
    )
    order_rep = PersonChoiceField(queryset=_people_in(Role.SALES), label="Order rep", empty_label="Choose…")
    production_rep = PersonChoiceField(
        queryset=_people_in(Role.PRODUCTION), label="Production rep", empty_label="Choose…"
    )
    invoicing_rep = PersonChoiceField(queryset=_people_in(Role.INVOICING), label="Invoicing rep", empty_label="Choose…")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("order_rep", "production_rep", "invoicing_rep"):
            self.fields[name].error_messages["required"] = f"Choose the {self.fields[name].label.lower()}."


class SalesOrderForm(forms.Form):
    in_hands_date = forms.DateField(
        label="In-hands date",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="When the client needs the goods",
    )
    ship_to = forms.CharField(
        label="Ship to",
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Left blank, the client's billing address",
    )
    client_po_number = forms.CharField(
        label="Client's PO number",
        required=False,
        max_length=50,
        help_text="The client's own purchase order number, printed on invoices",
    )


QUANTITY_MESSAGE = f"Quantity must be a whole number from 1 to {MAX_QUANTITY:,}."


class SalesOrderItemForm(forms.Form):
    """One item row of the sales-order editor; the rows carry a prefix such as items-3."""

    id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    kind = forms.ChoiceField(label="Kind", choices=SalesOrderItem.Kind.choices, initial=SalesOrderItem.Kind.PRODUCT)
    description = forms.CharField(
        label="Description", max_length=300, error_messages={"required": "Describe the item."}
    )
    supplier = forms.ModelChoiceField(
        label="Supplier",
        queryset=Supplier.objects.order_by("name"),
        empty_label="Choose a supplier…",
        error_messages={"required": "Choose the supplier who makes or provides this item."},
    )
    # Plain digits only (core.fields): what the API takes, in the same words.
    quantity = QuantityField(
        label="Quantity",
        min_value=1,
        max_value=MAX_QUANTITY,
        widget=forms.NumberInput(attrs={"min": 1, "step": 1, "inputmode": "numeric"}),
        error_messages={"required": QUANTITY_MESSAGE, "invalid": QUANTITY_MESSAGE},
    )
    unit_price = MoneyField(label="Unit price", error_messages={"required": "Enter the unit price."})
    unit_cost = MoneyField(label="Unit cost", required=False, help_text="Optional: what the supplier charges")
    tax_rate = MoneyField(
        label="Tax %",
        name="Tax rate",
        example="8.25",
        max_value=Decimal("100"),
        required=False,
        widget=forms.NumberInput(attrs={"min": 0, "max": 100, "step": "0.01", "inputmode": "decimal"}),
        error_messages={"max_value": "Tax rate must be a percent from 0 to 100."},
    )

    # The fields a person fills; a row with none of them filled is an unused blank row.
    TYPED = ("description", "supplier", "quantity", "unit_price", "unit_cost", "tax_rate")

    def is_blank(self) -> bool:
        return not any((self.data.get(self.add_prefix(name)) or "").strip() for name in self.TYPED)
