"""The credit note form: the whole invoice, or a quantity per line, and a reason."""

from dataclasses import dataclass

from django import forms

from core.fields import QuantityField
from invoicing.credit_notes import REASON_MAX, CreditLineRequest
from invoicing.models import Invoice, InvoiceLine

NOTHING_CHOSEN = "Enter a quantity to credit on at least one line, or tick Credit the whole invoice."
BOTH_CHOSEN = "Credit the whole invoice or enter quantities per line, not both."


def line_field_name(line: InvoiceLine) -> str:
    return f"line_{line.pk}"


@dataclass
class CreditRow:
    """One line of the invoice on the credit form, with its quantity field when something is left to credit."""

    line: InvoiceLine
    creditable: int
    field: forms.BoundField | None


class CreditNoteForm(forms.Form):
    """Whole invoice, or per line a quantity from 0 (not credited) to what is not yet credited."""

    whole = forms.BooleanField(label="Credit the whole invoice", required=False)
    reason = forms.CharField(
        label="Reason",
        max_length=REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Kept on the credit note and its PDF, and in the activity log.",
        error_messages={
            "required": "Say why the invoice is credited.",
            "max_length": f"The reason may hold at most {REASON_MAX} characters.",
        },
    )

    def __init__(self, *args, invoice: Invoice, lines: list[InvoiceLine], **kwargs):
        kwargs.setdefault("auto_id", "credit-%s")
        super().__init__(*args, **kwargs)
        self.invoice = invoice
        self.lines = lines
        left = invoice.total - invoice.credited_amount
        self.fields["whole"].help_text = (
            f"Everything not yet credited: {left:,.2f} with tax."
            if invoice.credited_amount
            else f"All of it: {invoice.total:,.2f} with tax."
        )
        for line in lines:
            creditable = line.quantity - line.credited_quantity
            if creditable < 1:
                continue
            refusal = f"Enter a whole number from 0 to {creditable} for {line.description}."
            self.fields[line_field_name(line)] = QuantityField(
                label=f"{line.description}: quantity to credit (at most {creditable})",
                required=False,
                min_value=0,
                max_value=creditable,
                error_messages={"invalid": refusal},
            )

    def rows(self) -> list[CreditRow]:
        return [
            CreditRow(
                line=line,
                creditable=line.quantity - line.credited_quantity,
                field=self[line_field_name(line)] if line_field_name(line) in self.fields else None,
            )
            for line in self.lines
        ]

    def clean(self):
        cleaned = super().clean() or {}
        chosen = [
            line for line in self.lines if cleaned.get(line_field_name(line)) and line_field_name(line) in self.fields
        ]
        if cleaned.get("whole") and chosen:
            self.add_error("whole", BOTH_CHOSEN)
        elif not cleaned.get("whole") and not chosen and not any(name.startswith("line_") for name in self.errors):
            self.add_error("whole", NOTHING_CHOSEN)
        return cleaned

    def line_requests(self) -> list[CreditLineRequest]:
        """The lines with a quantity, in the invoice's order, as the service takes them."""
        return [
            CreditLineRequest(line.pk, self.cleaned_data[line_field_name(line)])
            for line in self.lines
            if line_field_name(line) in self.fields and self.cleaned_data.get(line_field_name(line))
        ]

    def field_for_request(self, index: int) -> str | None:
        """The form field of the index-th line the service was given, to put its refusal next to it."""
        requests = self.line_requests()
        if 0 <= index < len(requests):
            return f"line_{requests[index].invoice_line}"
        return None
