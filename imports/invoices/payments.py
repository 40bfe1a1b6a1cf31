"""Importing the payments received so far on imported (or the desk's) invoices: one row per payment.

A payment is matched by its invoice, date, amount, method and reference: importing the same file again
changes nothing. A payment is never changed or taken back by an import (its invoice's page undoes one).
Each is checked as `payment_record` checks it (an issued invoice that takes payments, dated on or after
the invoice and not after today, at most the balance due, counting the file's earlier payments), and the
invoice's paid amount and status are kept as `_apply_payment` keeps them: Paid when nothing is left due.
"""

from django.contrib.auth.models import User
from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, transaction
from django.utils import timezone

from core import locks
from core.errors import TransitionNotAllowed
from imports.cells import DateCell, MoneyCell, TextCell, shown
from imports.columns import Column
from imports.invoices.lines import invoice_number_column
from imports.orders.columns import ChoiceCell
from imports.rows import Row, RowsImport, importer, update_rows
from invoicing.models import Invoice, Payment, PaymentMethod
from invoicing.payments import PAYABLE_STATUSES, REFERENCE_MAX_LENGTH, money_text
from projects.models import Activity

# What QuickBooks and banks call the methods the desk names otherwise.
METHOD_ALIASES: dict[str, str] = {
    "cheque": PaymentMethod.CHECK,
    "credit card": PaymentMethod.CARD,
    "debit card": PaymentMethod.CARD,
    "visa": PaymentMethod.CARD,
    "mastercard": PaymentMethod.CARD,
    "american express": PaymentMethod.CARD,
    "amex": PaymentMethod.CARD,
    "bank transfer": PaymentMethod.ACH,
    "eft": PaymentMethod.ACH,
    "direct deposit": PaymentMethod.ACH,
    "transfer": PaymentMethod.ACH,
    "wire transfer": PaymentMethod.WIRE,
}


def payment_columns() -> tuple[Column, ...]:
    return (
        invoice_number_column("applied to", note="the invoice it pays, as the invoices file or the desk numbers it"),
        Column(
            "date",
            "Payment Date",
            ("payment date", "date", "date received", "received", "txn date", "deposit date"),
            DateCell(),
            "2026-02-20",
            required=True,
            note="on or after the invoice's date, and not after today",
        ),
        Column(
            "amount",
            "Amount",
            ("amount", "payment amount", "amount received", "amount paid", "total amount", "paid"),
            MoneyCell(),
            "1000.00",
            required=True,
            note="more than 0, at most the invoice's balance due",
        ),
        Column(
            "method",
            "Payment Method",
            ("payment method", "method", "pmt method", "payment type", "paid by"),
            ChoiceCell(PaymentMethod, PaymentMethod.OTHER, "payment method", also=METHOD_ALIASES),
            "Check",
            note="Check, ACH / bank transfer, Wire, Card, Cash or Other (Credit Card, EFT, Cheque are read too); "
            "blank is Other",
        ),
        Column(
            "reference",
            "Reference",
            ("reference", "ref", "ref no", "ref number", "reference number", "check number", "check no", "memo"),
            TextCell(max_length=REFERENCE_MAX_LENGTH),
            "Check 4471",
        ),
    )


class PaymentsImport(RowsImport):
    noun = "payment"
    needed = ("invoice_number", "date", "amount")

    def run(self, *, file_name: str, by: User | None, commit: bool) -> None:
        """Read, check and compare the rows; with commit, write them (inside the caller's transaction)."""
        read = self.read()
        found = Invoice.objects.filter(number__in={row.values["invoice_number"] for row in read})
        found = found.exclude(status=Invoice.Status.DRAFT)
        if commit:
            # The lock order: the invoices' sales orders, then the invoices.
            locks.lock_sales_orders(found.values_list("sales_order_id", flat=True))
            found = locks.for_update(found)
        invoices = {invoice.number or "": invoice for invoice in found.select_related("sales_order", "issued_by")}
        new = self.decide(read, invoices)
        if commit:
            self.write(new, by=by, file_name=file_name)

    def read(self) -> list[Row]:
        today = timezone.localdate()
        rows = []
        for row in self.read_cells():
            v = row.values
            if v["amount"] <= 0:
                self.refuse(row.line, "amount", f"{shown(v['amount'])} is not more than 0.00")
            if v["date"] > today:
                self.refuse(row.line, "date", f"{v['date']} is after today ({today}): record payments received")
            if not self.refused(row):
                rows.append(row)
        return rows

    def decide(self, rows: list[Row], invoices: dict[str, Invoice]) -> list[tuple[Row, Payment]]:
        """Each payment's fate; the new ones, checked against what each invoice still owes."""
        existing = {
            (p.invoice_id, p.date, p.amount, p.method, p.reference)
            for p in Payment.objects.filter(invoice__in=invoices.values())
        }
        balance = {invoice.pk: invoice.balance_due for invoice in invoices.values()}
        first_line: dict[tuple, int] = {}
        new = []
        for row in rows:
            v = row.values
            invoice = invoices.get(v["invoice_number"])
            if invoice is None:
                self.refuse(
                    row.line,
                    "invoice_number",
                    f"{v['invoice_number']} is no issued invoice of the desk: import it with Import invoices first",
                )
                continue
            key = (invoice.pk, v["date"], v["amount"], v["method"], v["reference"])
            label = f"{invoice.number}: {money_text(v['amount'])} on {v['date']}"
            if key in first_line:
                self.refuse(
                    row.line,
                    "amount",
                    f"the same payment is on row {first_line[key]} of this file too: keep one of the two rows",
                )
                continue
            first_line[key] = row.line
            if key in existing:
                self.plan.unchanged.append((row.line, label))
                continue
            if invoice.status not in PAYABLE_STATUSES:
                self.refuse(
                    row.line,
                    "invoice_number",
                    f"{invoice.number} is {invoice.get_status_display()}; it takes no payments",
                )
                continue
            if v["date"] < invoice.date:
                self.refuse(row.line, "date", f"{v['date']} is before {invoice.number} was issued on {invoice.date}")
                continue
            if v["amount"] > balance[invoice.pk]:
                self.refuse(
                    row.line,
                    "amount",
                    f"{money_text(v['amount'])} is more than the balance due on {invoice.number}, "
                    f"{money_text(balance[invoice.pk])}",
                )
                continue
            balance[invoice.pk] -= v["amount"]
            payment = Payment(
                invoice=invoice, date=v["date"], amount=v["amount"], method=v["method"], reference=v["reference"]
            )
            changes = [
                f"{PaymentMethod(v['method']).label}{', ' + v['reference'] if v['reference'] else ''}",
                f"balance due after it: {money_text(balance[invoice.pk])}",
            ]
            self.plan.created.append((row.line, label, changes, payment))
            new.append((row, payment))
        return new

    def write(self, new: list[tuple[Row, Payment]], *, by: User | None, file_name: str) -> None:
        if not new:
            return
        now = timezone.now()
        for _, payment in new:
            payment.recorded_by = by or payment.invoice.issued_by
        Payment.objects.bulk_create([payment for _, payment in new], batch_size=5000)
        # The invoices were read under their lock: their paid amounts and statuses are written as they now
        # stand, as _apply_payment keeps them (Paid when nothing is left due), in a few statements.
        invoices: dict[int, Invoice] = {}
        for _, payment in new:
            invoice = invoices.setdefault(payment.invoice_id, payment.invoice)
            invoice.paid_amount += payment.amount
            invoice.updated_at = now
            if invoice.balance_due == 0:
                invoice.status, invoice.paid_at = Invoice.Status.PAID, now
        try:
            with transaction.atomic():
                update_rows(
                    Invoice,
                    [invoices[pk] for pk in sorted(invoices)],
                    ["paid_amount", "status", "paid_at", "updated_at"],
                )
        except IntegrityError as error:  # the invoices' CHECK is the last guard against an overpayment
            raise TransitionNotAllowed(
                "Nothing was imported: a payment is more than its invoice's balance due. Preview the file again."
            ) from error
        invoice_type = ContentType.objects.get_for_model(Invoice)
        Activity.objects.bulk_create(
            [
                Activity(
                    project_id=payment.invoice.sales_order.project_id,
                    actor=by,
                    subject_type=invoice_type,
                    subject_id=payment.invoice_id,
                    subject_label=payment.invoice.number or "",
                    verb="imported a payment on",
                    to_value=f"{payment.amount}",
                    detail=f"from {file_name}: {payment.get_method_display()}, dated {payment.date}"
                    + (f", {payment.reference}" if payment.reference else ""),
                )
                for _, payment in new
            ]
        )


import_payments = importer(PaymentsImport)
