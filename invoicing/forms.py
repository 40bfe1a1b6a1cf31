"""The create-invoice form (one row per item with something remaining) and the void form."""

from dataclasses import dataclass
from decimal import Decimal

from django import forms

from core.fields import QuantityField
from core.money import line_amount, line_tax
from invoicing.services.issue import LineRequest
from projects.models import SalesOrderItem

NOTHING_TO_INVOICE = "Nothing to invoice: include at least one item with a quantity of 1 or more."
STALE_FORM = (
    "Nothing was issued: {invoices} changed what remains on {order} after this page was opened. "
    "The figures below are up to date; check the quantities and issue again."
)


def quantity_refusal(*, item: SalesOrderItem, remaining: int) -> str:
    return f"Only {remaining} of {item.description} remain to invoice; enter 0 to {remaining}."


@dataclass
class InvoiceRow:
    """One item on the create-invoice page, with what the form holds for it now."""

    item: SalesOrderItem
    include: forms.BoundField
    quantity: forms.BoundField
    included: bool
    proposed: int  # the quantity the preview counts: 0 when left out or not a valid number
    amount: Decimal
    tax: Decimal

    @property
    def remaining_after(self) -> int:
        return self.item.remaining - self.proposed

    @property
    def unit_price_cents(self) -> int:
        return int(self.item.unit_price * 100)

    @property
    def tax_rate_basis_points(self) -> int:
        return int(self.item.tax_rate * 100)

    @property
    def refusal(self) -> str:
        return quantity_refusal(item=self.item, remaining=self.item.remaining)


@dataclass
class InvoicePreview:
    subtotal: Decimal
    tax: Decimal
    total: Decimal
    is_final: bool
    has_lines: bool
    remaining_quantity_after: int
    remaining_amount_after: Decimal


class InvoiceCreateForm(forms.Form):
    """A quantity and an Include box per item; leaving a row out or entering 0 does not invoice it.

    `drafted` (item id → quantity) starts the form from a draft's lines instead of the ready quantities.
    """

    state = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, items: list[SalesOrderItem], state: str, drafted: dict[int, int] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.items = items
        self.fields["state"].initial = state
        for item in items:
            refusal = quantity_refusal(item=item, remaining=item.remaining)
            included = item.pk in drafted if drafted is not None else item.ready > 0
            self.fields[f"include_{item.pk}"] = forms.BooleanField(
                required=False, initial=included, label=f"Include {item.description}"
            )
            self.fields[f"quantity_{item.pk}"] = QuantityField(
                required=False,
                min_value=0,
                max_value=item.remaining,
                initial=(drafted or {}).get(item.pk, item.ready),
                label=f"Quantity of {item.description} to invoice",
                error_messages={
                    "invalid": f"Enter a whole number from 0 to {item.remaining} for {item.description}.",
                    "min_value": refusal,
                    "max_value": refusal,
                },
            )

    def clean(self):
        cleaned = super().clean()
        lines = []
        for item in self.items:
            if not cleaned.get(f"include_{item.pk}"):
                # A row left out is not invoiced, whatever its quantity box says.
                self.errors.pop(f"quantity_{item.pk}", None)
                continue
            name = f"quantity_{item.pk}"
            if name in self.errors:
                continue
            quantity = cleaned.get(name)
            if quantity is None:
                self.add_error(name, f"Enter a quantity from 0 to {item.remaining}, or leave the row out.")
            elif quantity > 0:
                lines.append(LineRequest(sales_order_item=item.pk, quantity=quantity))
        if not lines and not any(name.startswith("quantity_") for name in self.errors):
            raise forms.ValidationError(NOTHING_TO_INVOICE)
        cleaned["lines"] = lines
        return cleaned

    def line_requests(self) -> list[LineRequest]:
        return self.cleaned_data["lines"]

    def field_for_line(self, index: int) -> str | None:
        """The quantity box of the n-th line sent to the service, for its errors."""
        lines = self.cleaned_data.get("lines", []) if hasattr(self, "cleaned_data") else []
        if 0 <= index < len(lines):
            return f"quantity_{lines[index].sales_order_item}"
        return None

    def _proposed(self, item: SalesOrderItem, included: bool) -> int:
        if not included:
            return 0
        raw = self[f"quantity_{item.pk}"].value()
        try:
            quantity = int(str(raw).strip())
        except (TypeError, ValueError):
            return 0
        return quantity if 0 <= quantity <= item.remaining else 0

    def rows(self) -> list[InvoiceRow]:
        rows = []
        for item in self.items:
            included = bool(self[f"include_{item.pk}"].value())
            proposed = self._proposed(item, included)
            amount = line_amount(proposed, item.unit_price)
            rows.append(
                InvoiceRow(
                    item=item,
                    include=self[f"include_{item.pk}"],
                    quantity=self[f"quantity_{item.pk}"],
                    included=included,
                    proposed=proposed,
                    amount=amount,
                    tax=line_tax(amount, item.tax_rate),
                )
            )
        return rows

    @staticmethod
    def preview(rows: list[InvoiceRow]) -> InvoicePreview:
        """Totals and kind as the service will compute them for these quantities."""
        subtotal = sum((row.amount for row in rows), start=Decimal("0.00"))
        tax = sum((row.tax for row in rows), start=Decimal("0.00"))
        return InvoicePreview(
            subtotal=subtotal,
            tax=tax,
            total=subtotal + tax,
            is_final=all(row.remaining_after == 0 for row in rows),
            has_lines=any(row.proposed > 0 for row in rows),
            remaining_quantity_after=sum(row.remaining_after for row in rows),
            remaining_amount_after=sum(
                (line_amount(row.remaining_after, row.item.unit_price) for row in rows), start=Decimal("0.00")
            ),
        )


class InvoiceVoidForm(forms.Form):
    reason = forms.CharField(
        label="Reason for voiding",
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={
            "required": "Say why the invoice is void.",
            "max_length": "The reason may hold at most 500 characters.",
        },
    )


class InvoiceMarkUndoForm(forms.Form):
    reason = forms.CharField(
        label="Reason for undoing the mark",
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={
            "required": "Say why the mark is undone.",
            "max_length": "The reason may hold at most 500 characters.",
        },
    )
