"""The invoice page's payment forms: record a payment, and take one back (managers, the same day)."""

from decimal import Decimal
from typing import cast

from django import forms
from django.utils import timezone

from core.fields import MoneyField
from invoicing.models import Invoice, Payment, PaymentMethod
from invoicing.payments import REFERENCE_MAX_LENGTH


class PaymentForm(forms.Form):
    """Date (today), amount (the balance due), method and reference; the service checks them against the invoice."""

    date = forms.DateField(
        label="Payment date",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={
            "required": "Enter the payment date.",
            "invalid": "Enter the payment date, such as 2026-03-31.",
        },
    )
    # Plain decimal notation, as the API takes it; the service checks it against the invoice (above 0, the balance).
    amount = MoneyField(
        label="Amount",
        example="120.00",
        widget=forms.NumberInput(attrs={"step": "0.01", "min": "0.01", "inputmode": "decimal"}),
        error_messages={"required": "Enter the amount received."},
    )
    method = forms.ChoiceField(
        label="Method",
        choices=PaymentMethod.choices,
        error_messages={
            "required": "Choose how the client paid.",
            "invalid_choice": "Choose how the client paid from the list.",
        },
    )
    reference = forms.CharField(
        label="Reference",
        required=False,
        max_length=REFERENCE_MAX_LENGTH,
        help_text="Check number, transfer id, ... (optional)",
        error_messages={"max_length": f"The reference may hold at most {REFERENCE_MAX_LENGTH} characters."},
    )

    def __init__(self, *args, invoice: Invoice, **kwargs):
        kwargs.setdefault("auto_id", "payment-%s")
        super().__init__(*args, **kwargs)
        self.fields["date"].initial = timezone.localdate()
        self.fields["amount"].initial = max(invoice.balance_due, Decimal("0.00"))
        self.fields["method"].initial = PaymentMethod.CHECK


class PaymentUndoForm(forms.Form):
    """Which of today's payments to take back, and why."""

    payment = forms.TypedChoiceField(
        label="Payment to take back",
        coerce=int,
        error_messages={
            "required": "Choose the payment to take back.",
            "invalid_choice": "That payment can no longer be taken back; choose one recorded today.",
        },
    )
    reason = forms.CharField(
        label="Reason for taking it back",
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={
            "required": "Say why the payment is taken back.",
            "max_length": "The reason may hold at most 500 characters.",
        },
    )

    def __init__(self, *args, payments: list[Payment], **kwargs):
        kwargs.setdefault("auto_id", "payment-undo-%s")
        super().__init__(*args, **kwargs)
        choices = [("", "Choose a payment"), *[(payment.pk, payment_label(payment)) for payment in payments]]
        cast(forms.TypedChoiceField, self.fields["payment"]).choices = choices


def payment_label(payment: Payment) -> str:
    """A payment as the take-back list names it: 400.00 by Check, 1042."""
    reference = f", {payment.reference}" if payment.reference else ""
    return f"{payment.amount:,.2f} by {payment.get_method_display()}{reference}"
