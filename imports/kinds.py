"""What each kind of import reads: its columns (with the headers commonsku and QuickBooks exports use) and
the django-import-export resource that matches rows to the desk's records and writes them through the
owning app's services.

A row is matched by its external reference, else by its exact name; a row whose reference is new but
whose name is a record's that carries another reference is refused rather than guessed at.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import models
from import_export import resources
from import_export.fields import Field

from imports.cells import PercentCell, TextCell, WholeNumberCell
from imports.columns import Column, normalized
from imports.invoices import import_invoices, import_payments, invoice_columns, payment_columns
from imports.orders import import_orders, order_columns
from imports.purchase_orders import PO_COLUMNS, import_purchase_orders
from projects.models import Client
from projects.services.clients import client_create, client_update
from purchasing.models import Supplier
from purchasing.services import supplier_create, supplier_update


class EmailCell(TextCell):
    def __init__(self) -> None:
        super().__init__(max_length=254)

    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> str:
        text = super().clean(value, row, **kwargs)
        if text:
            try:
                validate_email(text)
            except ValidationError as error:
                raise ValueError(f"{text} is not an email address") from error
        return text


REFERENCE_ALIASES = (
    "external reference",
    "external ref",
    "external_ref",
    "reference",
    "ref",
    "id",
    "account no",
    "account number",
    "commonsku id",
    "quickbooks id",
    "list id",
)

CLIENT_COLUMNS = (
    Column(
        "name",
        "Client Name",
        ("client name", "client", "customer", "customer name", "company", "company name", "display name", "name"),
        TextCell(max_length=200),
        "Harbor Fair Events",
        required=True,
    ),
    Column(
        "billing_email",
        "Billing Email",
        ("billing email", "email", "e mail", "email address", "main email", "invoice email", "billing_email"),
        EmailCell(),
        "accounts@harborfair.example.com",
        required=True,
    ),
    Column(
        "billing_address",
        "Billing Address",
        ("billing address", "bill to", "bill to address", "billing street", "address", "billing_address"),
        TextCell(max_length=1000, single_line=False),
        "9 Pier Road\nPortland, OR 97201",
    ),
    Column(
        "tax_id",
        "Tax ID",
        ("tax id", "tax number", "tax registration number", "resale number", "resale no", "ein", "vat number"),
        TextCell(max_length=50),
        "EIN 12-3456789",
    ),
    Column(
        "terms_days",
        "Terms",
        ("terms", "payment terms", "terms days", "net days", "terms_days"),
        WholeNumberCell(minimum=0, maximum=365, default=30, terms=True),
        "Net 30",
        note="days, 0 to 365: 30, Net 30 or Due on receipt (0); blank is 30",
    ),
    Column(
        "default_tax_rate",
        "Default Tax Rate",
        ("default tax rate", "tax rate", "sales tax rate", "tax percent", "default_tax_rate"),
        PercentCell(),
        "8.25",
        note="percent, 0 to 100, two decimals at most: 8.25 or 8.25%; blank is 0",
    ),
    Column(
        "external_ref",
        "External Reference",
        ("client id", "customer id", "client number", "customer number", *REFERENCE_ALIASES),
        TextCell(max_length=100),
        "C-1042",
        note="the client's id in the system it comes from; rows are matched by it, else by the exact name",
    ),
)

SUPPLIER_COLUMNS = (
    Column(
        "name",
        "Supplier Name",
        ("supplier name", "supplier", "vendor", "vendor name", "company", "company name", "display name", "name"),
        TextCell(max_length=200),
        "Mugs & Co",
        required=True,
    ),
    Column(
        "email",
        "Email",
        ("email", "e mail", "email address", "supplier email", "vendor email", "po email", "orders email"),
        EmailCell(),
        "orders@mugs.example.com",
        note="where purchase orders are emailed",
    ),
    Column(
        "phone",
        "Phone",
        ("phone", "main phone", "phone number", "phone numbers", "telephone", "work phone", "office phone"),
        TextCell(max_length=40),
        "+1 503 555 0142",
    ),
    Column(
        "external_ref",
        "External Reference",
        ("supplier id", "vendor id", "supplier number", "vendor number", *REFERENCE_ALIASES),
        TextCell(max_length=100),
        "V-208",
        note="the supplier's id in the system it comes from; rows are matched by it, else by the exact name",
    ),
)


def _field(columns: tuple[Column, ...], name: str) -> Field:
    """The resource's field for a column; the dataset's headers are the desk's field names (see services)."""
    widget = next(column.widget for column in columns if column.field == name)
    return Field(attribute=name, column_name=name, widget=widget)


class DeskResource(resources.ModelResource):
    """Match each row by reference, else by exact name; save through the owning app's services."""

    def __init__(self, *, by: User | None, noun: str):
        super().__init__()
        self.by = by
        self.noun = noun

    def init_instance(self, row: Any = None) -> models.Model:
        return self._meta.model()

    def get_instance(self, instance_loader: Any, row: Any) -> models.Model | None:
        model = self._meta.model
        try:
            reference = TextCell(max_length=100).clean(row.get("external_ref"))
            name = TextCell(max_length=200).clean(row.get("name"))
        except ValueError:
            return None  # the cell's own refusal is reported when it is read
        if reference:
            found = model.objects.filter(external_ref=reference).first()
            if found is not None:
                return found
        if not name:
            return None
        found = model.objects.filter(name=name).first()
        if found is not None and reference and found.external_ref and found.external_ref != reference:
            raise ValidationError(
                {
                    "external_ref": (
                        f"{reference} is not the reference of {name} in the desk ({found.external_ref}): "
                        f"correct the reference, or the name if this is another {self.noun}"
                    )
                }
            )
        return found

    def values(self, instance: models.Model) -> dict[str, Any]:
        return {name: getattr(instance, name) for name in self.fields}


class ClientResource(DeskResource):
    name = _field(CLIENT_COLUMNS, "name")
    billing_email = _field(CLIENT_COLUMNS, "billing_email")
    billing_address = _field(CLIENT_COLUMNS, "billing_address")
    tax_id = _field(CLIENT_COLUMNS, "tax_id")
    terms_days = _field(CLIENT_COLUMNS, "terms_days")
    default_tax_rate = _field(CLIENT_COLUMNS, "default_tax_rate")
    external_ref = _field(CLIENT_COLUMNS, "external_ref")

    class Meta:
        model = Client
        fields = tuple(column.field for column in CLIENT_COLUMNS)
        skip_unchanged = True
        report_skipped = True
        store_instance = True
        skip_html_diff = True
        clean_model_instances = True

    def do_instance_save(self, instance: Any, is_create: bool) -> None:
        if is_create:
            saved = client_create(by=self.by, **self.values(instance))
            instance.pk, instance._state.adding = saved.pk, False
        else:
            client_update(client=instance, by=self.by)


class SupplierResource(DeskResource):
    name = _field(SUPPLIER_COLUMNS, "name")
    email = _field(SUPPLIER_COLUMNS, "email")
    phone = _field(SUPPLIER_COLUMNS, "phone")
    external_ref = _field(SUPPLIER_COLUMNS, "external_ref")

    class Meta:
        model = Supplier
        fields = tuple(column.field for column in SUPPLIER_COLUMNS)
        skip_unchanged = True
        report_skipped = True
        store_instance = True
        skip_html_diff = True
        clean_model_instances = True

    def do_instance_save(self, instance: Any, is_create: bool) -> None:
        if is_create:
            saved = supplier_create(by=self.by, **self.values(instance))
            instance.pk, instance._state.adding = saved.pk, False
        else:
            supplier_update(supplier=instance, by=self.by)


@dataclass(frozen=True)
class Kind:
    slug: str
    noun: str
    plural: str
    columns: tuple[Column, ...]
    resource: type[DeskResource] | None
    list_url: str  # where the imported records are listed
    # A kind whose rows make several records (an order item, its order, its project) reads them itself.
    importer: Callable[..., Any] | None = None

    @property
    def required(self) -> list[Column]:
        return [column for column in self.columns if column.required]

    def column(self, field: str) -> Column:
        return next(column for column in self.columns if column.field == field)

    def match_headers(self, headers: list[str]) -> dict[str, str]:
        """Each header and the field its name is an alias of ("" for none); a field is matched once."""
        by_alias = {normalized(alias): column.field for column in self.columns for alias in column.aliases}
        by_alias.update({normalized(column.header): column.field for column in self.columns})
        matched: dict[str, str] = {}
        taken: set[str] = set()
        for header in headers:
            field = by_alias.get(normalized(header), "")
            if field in taken:
                field = ""
            matched[header] = field
            taken.add(field)
        return matched


ORDER_COLUMNS: tuple[Column, ...] = order_columns(Column)

KINDS = {
    "clients": Kind("clients", "client", "clients", CLIENT_COLUMNS, ClientResource, "client-list"),
    "suppliers": Kind("suppliers", "supplier", "suppliers", SUPPLIER_COLUMNS, SupplierResource, "supplier-list"),
    "orders": Kind("orders", "order item", "order items", ORDER_COLUMNS, None, "project-list", importer=import_orders),
    "purchase-orders": Kind(
        "purchase-orders",
        "purchase order line",
        "purchase order lines",
        PO_COLUMNS,
        None,
        "purchase-order-list",
        importer=import_purchase_orders,
    ),
    "invoices": Kind(
        "invoices", "invoice line", "invoice lines", invoice_columns(), None, "invoice-report", importer=import_invoices
    ),
    "payments": Kind(
        "payments", "payment", "payments", payment_columns(), None, "invoice-aging", importer=import_payments
    ),
}
