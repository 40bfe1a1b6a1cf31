"""Invoices marked paid before payments existed get one payment of what they owed, so their balance is 0."""

import importlib
from datetime import timedelta
from decimal import Decimal

import pytest
from django.apps import apps
from django.utils import timezone

from invoicing.models import Invoice, Payment

pytestmark = pytest.mark.django_db

backfill = importlib.import_module("invoicing.migrations.0007_payments_for_invoices_marked_paid")


def test_an_invoice_marked_paid_without_a_payment_gets_one_of_its_total(partial_invoice):
    paid_at = timezone.now() + timedelta(days=3)
    Invoice.objects.filter(pk=partial_invoice.pk).update(status="paid", paid_at=paid_at)

    backfill.payments_for_invoices_marked_paid(apps, None)

    partial_invoice.refresh_from_db()
    payment = Payment.objects.get(invoice=partial_invoice)
    assert payment.amount == partial_invoice.total == Decimal("1450.55")
    assert payment.date == paid_at.date()
    assert (payment.method, payment.reference) == ("other", "Marked paid")
    assert payment.recorded_by_id == partial_invoice.issued_by_id
    assert partial_invoice.paid_amount == Decimal("1450.55")
    assert partial_invoice.balance_due == Decimal("0.00")


def test_open_invoices_and_those_already_paid_by_payments_are_left_alone(partial_invoice):
    backfill.payments_for_invoices_marked_paid(apps, None)
    assert not Payment.objects.exists()

    Invoice.objects.filter(pk=partial_invoice.pk).update(status="paid", paid_amount=partial_invoice.total)
    backfill.payments_for_invoices_marked_paid(apps, None)
    assert not Payment.objects.exists()
