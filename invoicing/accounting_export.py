"""Export to accounting: issued invoices as a QuickBooks Online or Xero import file, marked Exported.

The two files follow each product's own import template, column for column and in its order:

- QuickBooks Online, Settings > Import data > Invoices: the sample file's header row (US edition,
  whose sales tax is the Taxable / TaxRate pair); a * marks the columns the import requires.
  Dates as MM/DD/YYYY, the sample's format (the import asks for the file's date format).
- Xero, Sales > Invoices > Import: the header row of its SalesInvoiceTemplate.csv. Xero reads the
  dates in the organisation's regional format: MM/DD/YYYY for a US organisation, the default here;
  set ACCOUNTING_XERO_DATE_FORMAT=%d/%m/%Y for a UK, Australian or New Zealand one.

One row per invoice line; the invoice's own columns repeat on each of its rows, which is how both
imports tell that the rows belong to one invoice. Amounts are plain decimals with two places
(1450.55), the same figures the invoice stored at issue. What the desk has no field for comes from
settings (config/settings.py, documented in the README): ACCOUNTING_SALES_ACCOUNT (Xero's
*AccountCode), ACCOUNTING_XERO_TAX_TYPE and ACCOUNTING_XERO_TAX_EXEMPT_TYPE (Xero's *TaxType of a
taxed and an untaxed line), ACCOUNTING_XERO_BRANDING_THEME, ACCOUNTING_QBO_ITEM (QuickBooks'
Item(Product/Service)) and the two date formats. Columns neither product requires and the desk
cannot fill (Location, Service Date, tracking, discounts) are left empty.

Every cell is written exactly as the desk holds it, formula-like text included: the file is read by
the accounting package's import, which matches the contact name to the character, so "+1 Promotions"
written as "'+1 Promotions" would create a second, misnamed contact. The files a person opens in a
spreadsheet (the reports, AR aging, supplier performance) quote such text instead
(projects/downloads.py).

`invoices_export_to_accounting` is the service: it locks the chosen invoices, writes the file and
marks them Exported with an activity row each, all in one transaction.
"""

import csv
import io
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.models import User
from django.contrib.contenttypes.models import ContentType
from django.db.models import Case, F, QuerySet, Value, When
from django.utils import timezone

from core import locks
from core.downloads import today_filename
from core.errors import RoleRequired, TransitionNotAllowed, ValidationFailed
from core.logging import touch as log_touch
from core.money import cents
from core.roles import Role, has_role
from core.transactions import money_write
from invoicing.models import Invoice, InvoiceLine
from invoicing.selectors import InvoiceReportFilters, invoice_report_filtered
from invoicing.services.marks import INVOICE_STATUS_MOVES
from projects.models import Activity, CompanySettings

# --- what each column holds ---------------------------------------------------------------------


@dataclass(frozen=True)
class ExportOptions:
    """What the files take from settings rather than from the invoice, read once per export."""

    currency: str
    sales_account: str
    xero_tax_type: str
    xero_tax_exempt_type: str
    xero_branding_theme: str
    xero_date_format: str
    qbo_item: str
    qbo_date_format: str

    @classmethod
    def load(cls) -> "ExportOptions":
        # The company settings (admin) name the currency; before they are saved, the environment's.
        currency = CompanySettings.objects.filter(pk=1).values_list("currency", flat=True).first()
        return cls(
            currency=currency or settings.CURRENCY,
            sales_account=settings.ACCOUNTING_SALES_ACCOUNT,
            xero_tax_type=settings.ACCOUNTING_XERO_TAX_TYPE,
            xero_tax_exempt_type=settings.ACCOUNTING_XERO_TAX_EXEMPT_TYPE,
            xero_branding_theme=settings.ACCOUNTING_XERO_BRANDING_THEME,
            xero_date_format=settings.ACCOUNTING_XERO_DATE_FORMAT,
            qbo_item=settings.ACCOUNTING_QBO_ITEM,
            qbo_date_format=settings.ACCOUNTING_QBO_DATE_FORMAT,
        )


@dataclass(frozen=True)
class LineRow:
    """One row of a file: an invoice line, its invoice (sales order, project and client loaded) and the options."""

    invoice: Invoice
    line: InvoiceLine
    options: ExportOptions


def money(value: Decimal) -> str:
    """An amount as both imports read it: a plain decimal with two places, no separators (1450.55)."""
    return f"{cents(value):f}"


def text(value: str) -> str:
    """Text as typed, never quoted for a spreadsheet: the import compares it exactly (see above)."""
    return value or ""


def terms(invoice: Invoice) -> str:
    """The payment terms the invoice's dates say, named as QuickBooks names its standard terms."""
    days = (invoice.due_date - invoice.date).days
    return "Due on receipt" if days <= 0 else f"Net {days}"


def reference(invoice: Invoice) -> str:
    """The sales order's number, and the client's own PO number when the order has one."""
    order = invoice.sales_order
    return f"{order.number}, client PO {order.client_po_number}" if order.client_po_number else order.number


def address_line(invoice: Invoice, index: int) -> str:
    """Line `index` (0-3) of the bill-to address; a fourth line takes everything after the third."""
    lines = [part.strip() for part in (invoice.bill_to.billing_address or "").splitlines() if part.strip()]
    if index == 3:
        return ", ".join(lines[3:])
    return lines[index] if index < len(lines) else ""


def taxed(line: InvoiceLine) -> bool:
    return line.tax_rate > 0


def percent(rate: Decimal) -> str:
    """A tax rate as a percent, without trailing zeros: 8.25%, 7%."""
    return f"{rate.normalize():f}%"


def qbo_date(row: LineRow, day: date) -> str:
    return day.strftime(row.options.qbo_date_format)


def xero_date(row: LineRow, day: date) -> str:
    return day.strftime(row.options.xero_date_format)


@dataclass(frozen=True)
class Column:
    header: str
    value: Callable[[LineRow], str]


@dataclass(frozen=True)
class AccountingFormat:
    key: str
    label: str  # as the page's choice reads
    product: str
    # The most invoices the product imports from one file (its documentation's limit).
    max_invoices: int
    filename_stem: str
    columns: tuple[Column, ...]

    @property
    def headers(self) -> list[str]:
        return [column.header for column in self.columns]

    def rows(self, rows: Iterable[LineRow]) -> Iterable[list[str]]:
        for row in rows:
            yield [column.value(row) for column in self.columns]


QUICKBOOKS_ONLINE = AccountingFormat(
    key="quickbooks_online",
    label="QuickBooks Online (invoice import CSV)",
    product="QuickBooks Online",
    max_invoices=100,
    filename_stem="quickbooks-online-invoices",
    columns=(
        Column("*InvoiceNo", lambda r: r.invoice.number or ""),
        Column("*Customer", lambda r: text(r.invoice.bill_to.name)),
        Column("*InvoiceDate", lambda r: qbo_date(r, r.invoice.date)),
        Column("*DueDate", lambda r: qbo_date(r, r.invoice.due_date)),
        Column("Terms", lambda r: terms(r.invoice)),
        Column("Location", lambda r: ""),
        Column("Memo", lambda r: text(reference(r.invoice))),
        Column("Item(Product/Service)", lambda r: text(r.options.qbo_item)),
        Column("ItemDescription", lambda r: text(r.line.description)),
        Column("ItemQuantity", lambda r: str(r.line.quantity)),
        Column("ItemRate", lambda r: money(r.line.unit_price)),
        Column("*ItemAmount", lambda r: money(r.line.amount)),
        Column("Taxable", lambda r: "Y" if taxed(r.line) else "N"),
        Column("TaxRate", lambda r: percent(r.line.tax_rate) if taxed(r.line) else ""),
        Column("Service Date", lambda r: ""),
    ),
)

XERO = AccountingFormat(
    key="xero",
    label="Xero (sales invoice import CSV)",
    product="Xero",
    max_invoices=500,
    filename_stem="xero-sales-invoices",
    columns=(
        Column("*ContactName", lambda r: text(r.invoice.bill_to.name)),
        Column("EmailAddress", lambda r: text(r.invoice.bill_to.billing_email)),
        Column("POAddressLine1", lambda r: text(address_line(r.invoice, 0))),
        Column("POAddressLine2", lambda r: text(address_line(r.invoice, 1))),
        Column("POAddressLine3", lambda r: text(address_line(r.invoice, 2))),
        Column("POAddressLine4", lambda r: text(address_line(r.invoice, 3))),
        # The bill-to address is free text: its city, region and postal code stay in the lines above.
        Column("POCity", lambda r: ""),
        Column("PORegion", lambda r: ""),
        Column("POPostalCode", lambda r: ""),
        Column("POCountry", lambda r: ""),
        Column("*InvoiceNumber", lambda r: r.invoice.number or ""),
        Column("Reference", lambda r: text(reference(r.invoice))),
        Column("*InvoiceDate", lambda r: xero_date(r, r.invoice.date)),
        Column("*DueDate", lambda r: xero_date(r, r.invoice.due_date)),
        Column("Total", lambda r: money(r.invoice.total)),
        Column("InventoryItemCode", lambda r: ""),
        Column("*Description", lambda r: text(r.line.description)),
        Column("*Quantity", lambda r: str(r.line.quantity)),
        Column("*UnitAmount", lambda r: money(r.line.unit_price)),
        Column("Discount", lambda r: ""),
        Column("*AccountCode", lambda r: text(r.options.sales_account)),
        Column(
            "*TaxType",
            lambda r: text(r.options.xero_tax_type if taxed(r.line) else r.options.xero_tax_exempt_type),
        ),
        Column("TaxAmount", lambda r: money(r.line.tax)),
        Column("TrackingName1", lambda r: ""),
        Column("TrackingOption1", lambda r: ""),
        Column("TrackingName2", lambda r: ""),
        Column("TrackingOption2", lambda r: ""),
        Column("Currency", lambda r: r.options.currency),
        Column("BrandingTheme", lambda r: text(r.options.xero_branding_theme)),
    ),
)

FORMATS: dict[str, AccountingFormat] = {fmt.key: fmt for fmt in (QUICKBOOKS_ONLINE, XERO)}
FORMAT_CHOICES = [(fmt.key, fmt.label) for fmt in FORMATS.values()]


def accounting_csv(fmt: AccountingFormat, rows: Iterable[LineRow]) -> str:
    """The file's text: the template's header row, then one row per invoice line (no byte order mark)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(fmt.headers)
    writer.writerows(fmt.rows(rows))
    return buffer.getvalue()


# --- the service --------------------------------------------------------------------------------

# Why an invoice chosen for export was left out, as the page and the API say it.
ALREADY_EXPORTED = "already exported"
PAID = "paid"
VOID = "void"
DRAFT = "draft, not issued"
# Left out only because the "include invoices already exported" choice was not made.
INCLUDABLE = (ALREADY_EXPORTED, PAID)


@dataclass
class AccountingExport:
    """What one export did: the file, the invoices in it and those left out, by reason."""

    format: AccountingFormat
    filename: str
    content: str
    exported: list[Invoice]
    left_out: dict[str, list[str]] = field(default_factory=dict)  # reason → invoice numbers (or ids)

    @property
    def left_out_count(self) -> int:
        return sum(len(numbers) for numbers in self.left_out.values())

    def left_out_text(self, *, include_hint: str) -> str:
        """Why invoices were left out, e.g. "2 already exported (INV-000003, INV-000004), 1 void (INV-000005)"."""
        return left_out_text(self.left_out, include_hint=include_hint)

    def summary(self, *, include_hint: str) -> str:
        count = len(self.exported)
        said = f"Exported {count} invoice{'s' if count != 1 else ''} to {self.format.product}."
        if self.left_out:
            said += f" Left out {self.left_out_count}: {self.left_out_text(include_hint=include_hint)}."
        return said


def left_out_text(left_out: dict[str, list[str]], *, include_hint: str) -> str:
    parts = []
    for reason, numbers in left_out.items():
        shown = ", ".join(numbers[:10]) + (f" and {len(numbers) - 10} more" if len(numbers) > 10 else "")
        parts.append(f"{len(numbers)} {reason} ({shown})")
    text_ = "; ".join(parts)
    if any(reason in INCLUDABLE for reason in left_out):
        text_ += f"; {include_hint} to export those again"
    return text_


class NothingToExport(TransitionNotAllowed):
    """None of the chosen invoices can go into the file; `left_out` says why, by reason."""

    def __init__(self, left_out: dict[str, list[str]]):
        self.left_out = left_out
        super().__init__(self.message(include_hint="include invoices already exported"))

    def message(self, *, include_hint: str) -> str:
        if not self.left_out:
            return "Nothing was exported: no invoice matches the filters."
        return f"Nothing was exported: {left_out_text(self.left_out, include_hint=include_hint)}."


def _left_out_reason(invoice: Invoice, *, include_exported: bool) -> str | None:
    """Why an invoice stays out of the file, or None when it goes in."""
    if invoice.status == Invoice.Status.DRAFT:
        return DRAFT  # not issued: no number, nothing to book
    if invoice.status == Invoice.Status.VOID:
        return VOID
    if include_exported:
        return None
    if invoice.status == Invoice.Status.EXPORTED:
        return ALREADY_EXPORTED
    if invoice.status == Invoice.Status.PAID:
        return PAID
    return None


def _chosen(invoice_ids: Sequence[int] | None, filters: InvoiceReportFilters | None) -> QuerySet[Invoice]:
    if filters is not None:
        # "Select all matching": every invoice the report's filters match, on every page.
        return Invoice.objects.filter(pk__in=invoice_report_filtered(filters).values("pk"))
    return Invoice.objects.filter(pk__in=list(invoice_ids or []))


def _activity_rows(*, invoices: list[Invoice], previous: dict[int, str], by: User, detail: str) -> list[Activity]:
    """One activity row per exported invoice, as activity_record writes it, for a single INSERT."""
    subject_type = ContentType.objects.get_for_model(Invoice)
    rows = []
    for invoice in invoices:
        log_touch(str(invoice))
        rows.append(
            Activity(
                project_id=invoice.sales_order.project_id,
                actor=by,
                subject_type=subject_type,
                subject_id=invoice.pk,
                subject_label=str(invoice)[:100],
                verb="exported to accounting",
                from_value=Invoice.Status(previous[invoice.pk]).label,
                to_value=Invoice.Status(invoice.status).label,
                detail=detail,
            )
        )
    return rows


def _chosen_named(**_) -> str:
    return "One of the invoices chosen for export"


@money_write(_chosen_named)
def invoices_export_to_accounting(
    *,
    export_format: str,
    by: User,
    invoice_ids: Sequence[int] | None = None,
    filters: InvoiceReportFilters | None = None,
    include_exported: bool = False,
) -> AccountingExport:
    """Write the chosen issued invoices into an accounting import file and mark each Exported, logged."""
    if not has_role(by, Role.INVOICING):
        raise RoleRequired("Only Invoicing or Managers may export invoices to accounting.")
    fmt = FORMATS.get(export_format)
    if fmt is None:
        choices = ", ".join(FORMATS)
        raise ValidationFailed({"format": [f"Choose the format: {choices}; {export_format!r} is not one of them."]})
    if filters is None and not invoice_ids:
        raise ValidationFailed({"invoices": ["Choose the invoices to export, or all invoices matching the filters."]})
    # Locked in id order, so two exports of overlapping invoices queue on the same first row instead of
    # deadlocking; the second one then reads the statuses the first one committed. Only the invoices:
    # the export writes nothing above them, so it skips their sales orders (core.locks).
    chosen = locks.lock_invoices(_chosen(invoice_ids, filters).select_related("sales_order__project__client"))
    if filters is None:
        missing = sorted(set(invoice_ids or []) - {invoice.pk for invoice in chosen})
        if missing:
            listed = ", ".join(map(str, missing))
            raise ValidationFailed({"invoices": [f"No invoice has the id {listed}; nothing was exported."]})
    left_out: dict[str, list[str]] = defaultdict(list)
    exporting: list[Invoice] = []
    for invoice in sorted(chosen, key=lambda invoice: invoice.sequence_number or 0):
        reason = _left_out_reason(invoice, include_exported=include_exported)
        if reason is None:
            exporting.append(invoice)
        else:
            left_out[reason].append(invoice.number or f"draft {invoice.pk}")
    if not exporting:
        raise NothingToExport(dict(left_out))
    if len(exporting) > fmt.max_invoices:
        raise ValidationFailed(
            {
                "invoices": [
                    f"{fmt.product} imports at most {fmt.max_invoices} invoices from one file; "
                    f"{len(exporting)} would be exported. Narrow the filters (the dates, say) and export in parts."
                ]
            }
        )

    lines: dict[int, list[InvoiceLine]] = defaultdict(list)
    for line in InvoiceLine.objects.filter(invoice__in=[invoice.pk for invoice in exporting]).order_by(
        "invoice_id", "id"
    ):
        lines[line.invoice_id].append(line)
    options = ExportOptions.load()
    content = accounting_csv(
        fmt, (LineRow(invoice, line, options) for invoice in exporting for line in lines[invoice.pk])
    )
    filename = today_filename(fmt.filename_stem, "csv")

    # The export mark: an open or sent invoice becomes Exported (the move "Mark exported" makes); one
    # already Exported or Paid, exported again by choice, keeps its status. Every one is dated, so a
    # manager can undo the mark today (invoice_mark_undo), and touched for updated_since.
    now = timezone.now()
    moves_to_exported = [status for status, moves in INVOICE_STATUS_MOVES.items() if Invoice.Status.EXPORTED in moves]
    Invoice.objects.filter(pk__in=[invoice.pk for invoice in exporting]).update(
        status=Case(When(status__in=moves_to_exported, then=Value(Invoice.Status.EXPORTED.value)), default=F("status")),
        exported_at=now,
        updated_at=now,
    )
    previous = {invoice.pk: invoice.status for invoice in exporting}
    for invoice in exporting:
        if invoice.status in moves_to_exported:
            invoice.status = Invoice.Status.EXPORTED
        invoice.exported_at = invoice.updated_at = now
    Activity.objects.bulk_create(
        _activity_rows(invoices=exporting, previous=previous, by=by, detail=f"{fmt.label}: {filename}")
    )
    return AccountingExport(format=fmt, filename=filename, content=content, exported=exporting, left_out=dict(left_out))
