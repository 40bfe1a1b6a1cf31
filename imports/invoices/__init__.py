"""Importing issued invoices still owed (`lines.py`: one row per invoice line) and the payments received on
them so far (`payments.py`: one row per payment), so that AR aging and each invoice's balance due are right.
"""

from imports.invoices.lines import import_invoices, invoice_columns
from imports.invoices.payments import import_payments, payment_columns

__all__ = ["import_invoices", "import_payments", "invoice_columns", "payment_columns"]
