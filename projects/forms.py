"""Forms of the project, note and purchase-order pages; they read input, the services decide."""

from decimal import Decimal

from django import forms
from django.contrib.auth.models import User
from django.db.models import Q

from core.fields import MoneyField, QuantityField
from core.roles import Role, user_roles
from projects.models import (
    MAX_QUANTITY,
    MAX_UNITS_PER_PACK,
    SUPPLIER_REF_MAX_LENGTH,
    Client,
    CompanySettings,
    SalesOrderItem,
    supplier_ref_refusal,
    suppliers,
)
from projects.services.notes import NOTE_MAX_LENGTH


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return obj.get_full_name() or obj.get_username()


class ProjectFilterForm(forms.Form):
    MINE, EVERYONE = "mine", "everyone"

    # A sales rep starts on their own projects (ProjectFilterForm.default_whose); the choice stays in the
    # query string, so the list says whose projects it shows and the pages keep it.
    whose = forms.ChoiceField(
        label="Whose",
        choices=[(MINE, "Mine (I am the order rep)"), (EVERYONE, "Everyone")],
        required=False,
    )
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

    @classmethod
    def for_user(cls, data, user: User) -> "ProjectFilterForm":
        """The form bound to the query, with "Whose" defaulting to the user's own projects for a sales rep."""
        data = data.copy()
        if not data.get("whose"):
            data["whose"] = cls.default_whose(user)
        return cls(data)

    @classmethod
    def default_whose(cls, user: User) -> str:
        """Mine for a sales rep (who is not a manager), everyone for the other roles."""
        roles = user_roles(user)
        return cls.MINE if Role.SALES in roles and Role.MANAGERS not in roles else cls.EVERYONE


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

    default_tax_rate = MoneyField(
        label="Default tax %",
        name="Default tax rate",
        example="8.25",
        max_value=Decimal("100"),
        required=False,
        help_text="A new sales order's items start with this rate; 0 or blank for none",
        widget=forms.NumberInput(attrs={"min": 0, "max": 100, "step": "0.01", "inputmode": "decimal"}),
        error_messages={"max_value": "Default tax rate must be a percent from 0 to 100."},
    )

    status_updates_automatic = forms.BooleanField(
        label="Send status updates automatically",
        required=False,
        help_text=(
            "When a backorder is flagged, its expected date moves or goods ship, the client is emailed the "
            "update at once (at most one a day) instead of the order rep sending it from the sales order"
        ),
    )

    def clean_default_tax_rate(self) -> Decimal:
        return self.cleaned_data["default_tax_rate"] or Decimal("0.00")

    def __init__(self, *args, currency: str, **kwargs):
        super().__init__(*args, **kwargs)
        # One currency for the whole company: said here so nobody looks for a per-client choice.
        terms = self.fields["terms_days"]
        terms.help_text = f"Days the client has to pay an invoice, 0 for due on receipt. Amounts are in {currency}."


# --- company settings (the managers' page and the admin) ----------------------------------------


class CompanySettingsForm(forms.ModelForm):
    """The seller printed on every invoice, PO and credit note; each error names its field."""

    class Meta:
        model = CompanySettings
        fields = ["name", "address", "tax_id", "currency", "email", "phone", "website", "remit_to"]
        labels = {
            "name": "Company name",
            "tax_id": "Tax id",
            "email": "Contact email",
            "remit_to": "Remit to / bank details",
        }
        widgets = {"address": forms.Textarea(attrs={"rows": 3}), "remit_to": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.error_messages.update(_text_errors(field.label))
        self.fields["email"].error_messages["invalid"] = (
            "Contact email must be an email address, such as billing@example.com."
        )
        self.fields["address"].help_text = "Printed under the name on invoices, POs and credit notes"

    def clean_currency(self) -> str:
        currency = self.cleaned_data["currency"].strip().upper()
        if len(currency) != 3 or not currency.isascii() or not currency.isalpha():
            raise forms.ValidationError("Enter the currency's three-letter ISO 4217 code, such as USD, EUR or CAD.")
        return currency


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
        queryset=suppliers().order_by("name"),
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
    unit_cost = MoneyField(label="Unit cost", required=False)
    tax_rate = MoneyField(
        label="Tax %",
        name="Tax rate",
        example="8.25",
        max_value=Decimal("100"),
        required=False,
        widget=forms.NumberInput(attrs={"min": 0, "max": 100, "step": "0.01", "inputmode": "decimal"}),
        error_messages={"max_value": "Tax rate must be a percent from 0 to 100."},
    )

    # The supplier's own codes of the item, by which its stock is asked (optional; under "Supplier's ids").
    supplier_product_id = forms.CharField(
        label="Product id",
        required=False,
        max_length=SUPPLIER_REF_MAX_LENGTH,
        help_text="As in the supplier's catalogue, e.g. MUG11",
        error_messages=_text_errors("The supplier's product id"),
    )
    supplier_part_id = forms.CharField(
        label="Part id",
        required=False,
        max_length=SUPPLIER_REF_MAX_LENGTH,
        help_text="The colour or size, e.g. MUG11-WHT",
        error_messages=_text_errors("The supplier's part id"),
    )
    supplier_units_per_pack = QuantityField(
        label="Units per pack",
        name="Units per supplier's pack",
        min_value=1,
        max_value=MAX_UNITS_PER_PACK,
        required=False,
        help_text="When the supplier counts its stock in cases or boxes: how many of this item are in one",
    )

    # The fields a person fills; a row with none of them filled is an unused blank row.
    TYPED = ("description", "supplier", "quantity", "unit_price", "unit_cost", "tax_rate")
    SUPPLIER_REFS = {"supplier_product_id": "The supplier's product id", "supplier_part_id": "The supplier's part id"}
    SUPPLIER_FIELDS = (*SUPPLIER_REFS, "supplier_units_per_pack")
    # A new row arrives with its supplier and tax rate carried from the row above: only what is typed
    # afresh makes it a row to save.
    TYPED_AFRESH = ("description", "quantity", "unit_price", "unit_cost")

    def is_blank(self) -> bool:
        return not any((self.data.get(self.add_prefix(name)) or "").strip() for name in self.TYPED_AFRESH)

    def _clean_supplier_ref(self, name: str) -> str:
        value = self.cleaned_data[name]
        if refusal := supplier_ref_refusal(self.SUPPLIER_REFS[name], value):
            raise forms.ValidationError(refusal)
        return value

    def clean_supplier_product_id(self) -> str:
        return self._clean_supplier_ref("supplier_product_id")

    def clean_supplier_part_id(self) -> str:
        return self._clean_supplier_ref("supplier_part_id")
