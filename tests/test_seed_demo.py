"""seed_demo: the demo users, a project at each step of the backorder story, and consistent bulk history."""

from datetime import timedelta
from io import StringIO

import pytest
from django.contrib.auth import authenticate
from django.contrib.auth.models import User
from django.core.management import call_command
from django.db.models import Count, F, Q, Sum
from django.test import RequestFactory
from django.utils import timezone

from backorders.models import Backorder
from core.money import line_amount, line_tax
from invoicing.models import Invoice, InvoiceLine, InvoiceNumberSequence, Payment
from notifications.models import Notification
from projects.models import Activity, Note, Project, SalesOrder, SalesOrderItem
from purchasing.models import PurchaseOrder

PASSWORD = "demo-password-for-tests"


def sign_in_request():
    """The sign-in page's request: every sign-in goes through django-axes, which needs one."""
    return RequestFactory().post("/accounts/login/")


def seed(tmp_path, *args) -> str:
    out = StringIO()
    call_command("seed_demo", "--password", PASSWORD, "--sign-ins-file", str(tmp_path / "sign-ins"), *args, stdout=out)
    return out.getvalue()


def order_of(project_name: str) -> SalesOrder:
    return SalesOrder.objects.select_related("project").get(project__name=project_name)


def test_demo_users_sign_in_with_the_printed_password(db, tmp_path):
    output = seed(tmp_path)

    for username, group in [
        ("pat.production", "Production"),
        ("sam.sales", "Sales"),
        ("ivy.invoicing", "Invoicing"),
        ("max.manager", "Managers"),
    ]:
        user = User.objects.get(username=username)
        assert list(user.groups.values_list("name", flat=True)) == [group]
        assert authenticate(request=sign_in_request(), username=username, password=PASSWORD) == user
        assert username in output
    assert User.objects.get(username="admin").is_superuser
    assert PASSWORD in output
    sign_ins = (tmp_path / "sign-ins").read_text()
    assert PASSWORD in sign_ins and "max.manager" in sign_ins and "ivy.invoicing" in sign_ins


def test_a_random_password_is_chosen_when_none_is_given(db, tmp_path):
    out = StringIO()
    call_command("seed_demo", "--sign-ins-file", str(tmp_path / "sign-ins"), stdout=out)
    first_line = out.getvalue().splitlines()[0]
    password = first_line.rsplit(": ", 1)[1].rstrip(")")
    assert len(password) >= 12
    assert authenticate(request=sign_in_request(), username="max.manager", password=password) is not None


def test_if_empty_leaves_an_existing_desk_alone(db, tmp_path):
    User.objects.create_user("someone")
    output = seed(tmp_path, "--if-empty")
    assert output.strip() == "demo data already loaded"
    assert not Project.objects.exists()
    assert not (tmp_path / "sign-ins").exists()


def test_a_project_waits_at_each_step_of_the_backorder_story(db, tmp_path):
    seed(tmp_path)
    today = timezone.localdate()
    assert Project.objects.count() == 12

    # the backorder was just flagged: PO Problem, a pinned note tagging the reps, SO Ready to be Invoiced
    flagged = order_of("Spring fair mugs")
    assert flagged.status == SalesOrder.Status.READY_TO_BE_INVOICED
    assert flagged.purchase_orders.get().status == PurchaseOrder.Status.PROBLEM
    note = Note.objects.get(project=flagged.project)
    assert note.pinned
    assert set(note.mentions.values_list("username", flat=True)) == {"sam.sales", "ivy.invoicing"}
    assert not flagged.invoices.exists()

    # partially invoiced, waiting for the backordered goods
    waiting = order_of("Trail race tees and hoodies")
    assert waiting.status == SalesOrder.Status.IN_PRODUCTION
    assert waiting.purchase_orders.get().status == PurchaseOrder.Status.PROBLEM
    assert list(waiting.invoices.values_list("kind", flat=True)) == [Invoice.Kind.PARTIAL]
    assert Backorder.objects.filter(purchase_order__sales_order=waiting, status=Backorder.Status.OPEN).exists()

    # the PO reached Ready for Billing: the backorder is resolved and the SO is ready again
    ready = order_of("Patient welcome totes")
    assert ready.purchase_orders.get().stage == PurchaseOrder.Stage.READY_FOR_BILLING
    assert ready.status == SalesOrder.Status.READY_TO_BE_INVOICED
    assert Backorder.objects.get(purchase_order__sales_order=ready).status == Backorder.Status.RESOLVED

    # fully invoiced: a paid partial and a final emailed to the client
    done = order_of("Campus welcome kits")
    assert done.status == SalesOrder.Status.INVOICED
    assert sorted(done.invoices.values_list("kind", "status")) == [
        (Invoice.Kind.FINAL, Invoice.Status.SENT_TO_CLIENT),
        (Invoice.Kind.PARTIAL, Invoice.Status.PAID),
    ]
    assert not SalesOrderItem.objects.filter(sales_order=done).exclude(invoiced_quantity=F("quantity")).exists()

    # the rest of the workflow, one order each
    statuses = dict(SalesOrder.objects.values_list("project__name", "status"))
    assert statuses["Pit crew jackets"] == SalesOrder.Status.NEW
    assert statuses["Market day totes"] == SalesOrder.Status.PENDING_CLIENT_APPROVAL
    assert statuses["Member appreciation pens"] == SalesOrder.Status.CLIENT_APPROVED
    assert statuses["Taproom pint glasses"] == SalesOrder.Status.IN_PRODUCTION
    assert statuses["Holiday gift boxes"] == SalesOrder.Status.SHIPPED
    assert statuses["Open house banners"] == SalesOrder.Status.INVOICED
    voided = order_of("Staff polo shirts")
    assert voided.status == SalesOrder.Status.READY_TO_BE_INVOICED
    assert list(voided.invoices.values_list("status", flat=True)) == [Invoice.Status.VOID]
    assert Invoice.objects.filter(status=Invoice.Status.PAID).count() == 2

    overdue = Backorder.objects.get(purchase_order__sales_order__project__name="Fun run water bottles")
    assert overdue.status == Backorder.Status.OPEN and overdue.expected_date < today

    # written through the services: the activity log and the notifications are real
    assert Activity.objects.filter(verb="flagged").count() == 5
    assert Activity.objects.filter(verb__startswith="issued").count() == Invoice.objects.count() == 6
    assert Notification.objects.filter(recipient__username="ivy.invoicing").exists()


def test_seeding_twice_keeps_one_set_of_demo_projects(db, tmp_path):
    seed(tmp_path)
    output = seed(tmp_path)
    assert "already there" in output
    assert Project.objects.count() == 12
    assert authenticate(request=sign_in_request(), username="sam.sales", password=PASSWORD) is not None


@pytest.mark.parametrize("count", [1, 75])
def test_bulk_history_is_consistent(db, tmp_path, count):
    story_invoices = 6
    output = seed(tmp_path, "--invoices", str(count), "--seed", "7")
    assert f"100% {count}/{count}" in output

    invoices = Invoice.objects.all()
    assert invoices.count() == story_invoices + count
    # numbers continue the gapless sequence
    numbers = sorted(invoices.values_list("sequence_number", flat=True))
    assert numbers == list(range(1, story_invoices + count + 1))
    assert InvoiceNumberSequence.objects.get(name="INV").last_value == numbers[-1]
    assert all(invoice.number == f"INV-{invoice.sequence_number:06d}" for invoice in invoices)

    # stored amounts are the lines' amounts, rounded as the services round them
    for invoice in invoices.select_related("sales_order__project__client").prefetch_related("lines"):
        assert invoice.bill_to_name == invoice.sales_order.project.client.name
        lines = list(invoice.lines.all())
        assert 1 <= len(lines) <= 5
        for line in lines:
            assert line.amount == line_amount(line.quantity, line.unit_price)
            assert line.tax == line_tax(line.amount, line.tax_rate)
        assert invoice.subtotal == sum(line.amount for line in lines)
        assert invoice.tax == sum(line.tax for line in lines)
        assert invoice.total == invoice.subtotal + invoice.tax
        assert invoice.due_date >= invoice.date

    # an order's invoiced counters equal the sum of its lines on invoices that are not void
    counted = dict(
        InvoiceLine.objects.exclude(invoice__status=Invoice.Status.VOID)
        .values("sales_order_item")
        .annotate(total=Sum("quantity"))
        .values_list("sales_order_item", "total")
    )
    for item in SalesOrderItem.objects.all():
        assert item.invoiced_quantity == counted.get(item.pk, 0), item
        assert 0 <= item.remaining_quantity <= item.quantity

    # kinds and statuses follow the rules: a final invoice leaves nothing to invoice, a partial does
    history = SalesOrder.objects.filter(invoices__isnull=False).exclude(
        project__name__in=["Campus welcome kits", "Trail race tees and hoodies", "Patient welcome totes"]
    )
    for order in history.distinct().prefetch_related("items", "invoices"):
        remaining = sum(item.remaining_quantity for item in order.items.all())
        kinds = {invoice.kind for invoice in order.invoices.all() if invoice.status != Invoice.Status.VOID}
        if order.status == SalesOrder.Status.INVOICED:
            assert remaining == 0 and Invoice.Kind.FINAL in kinds
        elif kinds:
            assert remaining > 0 and kinds == {Invoice.Kind.PARTIAL}
            assert order.status in (SalesOrder.Status.READY_TO_BE_INVOICED, SalesOrder.Status.CLOSED)

    # what is paid is what the payments add up to, and a paid invoice owes nothing, as through the services
    payments = dict(Payment.objects.values("invoice").annotate(sum=Sum("amount")).values_list("invoice", "sum"))
    for invoice in invoices:
        assert invoice.paid_amount == payments.get(invoice.pk, 0), invoice
        if invoice.status == Invoice.Status.PAID:
            assert invoice.balance_due == 0 and invoice.paid_at is not None, invoice

    # spread over the last two years
    oldest = timezone.localdate() - timedelta(days=740)
    assert not invoices.filter(Q(date__lt=oldest) | Q(date__gt=timezone.localdate())).exists()


def test_bulk_history_mixes_statuses_kinds_clients_and_reps(db, tmp_path):
    seed(tmp_path, "--invoices", "400", "--seed", "3")
    history = Invoice.objects.all()
    # Bulk history is issued invoices; a draft is work in progress, not history.
    assert set(history.values_list("status", flat=True)) == set(Invoice.Status.values) - {Invoice.Status.DRAFT}
    assert set(history.values_list("kind", flat=True)) == set(Invoice.Kind.values)
    assert history.values("sales_order__project__client").distinct().count() >= 8
    assert history.values("sales_order__project__order_rep").distinct().count() >= 4
    months = history.dates("date", "month")
    assert len(months) >= 20
    assert Invoice.objects.aggregate(n=Count("pk"))["n"] == 406


def test_history_continues_the_sequence_when_added_twice(db, tmp_path):
    seed(tmp_path, "--invoices", "5")
    seed(tmp_path, "--invoices", "5")
    numbers = sorted(Invoice.objects.values_list("sequence_number", flat=True))
    assert numbers == list(range(1, 6 + 10 + 1))
