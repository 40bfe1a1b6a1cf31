"""check_books: every item's invoiced, backordered and cancelled counters recomputed from the rows,
drift reported one line per item with exit code 1, and the demo story's books balance."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.utils import timezone

from backorders.models import Backorder
from backorders.services import BackorderRequest, backorder_cancel, backorder_flag
from invoicing.models import Invoice
from invoicing.services.drafts import invoice_draft_issue
from invoicing.services.issue import invoice_create
from invoicing.services.void import invoice_void
from projects.models import SalesOrderItem
from purchasing.models import PurchaseOrder
from reports.management.commands.check_books import Command
from tests.factories import SalesOrderItemFactory, goods_ready


def check_books() -> str:
    out = StringIO()
    call_command("check_books", stdout=out)
    return out.getvalue()


def check_books_drifted() -> tuple[str, CommandError]:
    out = StringIO()
    with pytest.raises(CommandError) as refused:
        call_command("check_books", stdout=out)
    return out.getvalue(), refused.value


def corrupt(item: SalesOrderItem, **counters) -> None:
    """Write a counter past the services, as a bad script or a hand edit in a shell would."""
    SalesOrderItem.objects.filter(pk=item.pk).update(**counters)


@pytest.fixture
def books(mug_order, production_rep, invoicing_rep):
    """The story: 200 of 500 mugs short, the rest and the setup charge invoiced."""
    flagged = backorder_flag(
        purchase_order=mug_order.po,
        status=PurchaseOrder.Status.PROBLEM,
        items=[BackorderRequest(mug_order.po_mugs, 200, timezone.localdate() + timedelta(days=7), "Supplier short")],
        note="",
        by=production_rep,
    )
    invoice = invoice_create(sales_order=mug_order.order, by=invoicing_rep)
    mug_order.refresh()
    assert (mug_order.mugs.invoiced_quantity, mug_order.mugs.backordered_quantity) == (300, 200)
    return mug_order, flagged.backorders[0], invoice


def test_balanced_books_say_so(books):
    assert check_books() == "Checked 2 items: no drift.\n"


def test_a_corrupted_invoiced_counter_is_reported_with_exit_code_1(books):
    mug_order, _, _ = books
    corrupt(mug_order.mugs, invoiced_quantity=290)
    out, refused = check_books_drifted()
    assert out == (
        f'SO-1001 item {mug_order.mugs.pk} "11 oz mug, 2-colour print": '
        "invoiced stored 290, recomputed 300; remaining stored 210, recomputed 200\n"
    )
    assert str(refused) == "Checked 2 items: 1 drifted."
    assert refused.returncode == 1


def test_the_command_line_exits_1_on_drift(books, capsys):
    mug_order, _, _ = books
    corrupt(mug_order.setup, invoiced_quantity=0)
    with pytest.raises(SystemExit) as exited:
        # As `manage.py check_books` runs it; it closes the connection, so this is the test's last query.
        Command().run_from_argv(["manage.py", "check_books"])
    assert exited.value.code == 1
    captured = capsys.readouterr()
    assert f'SO-1001 item {mug_order.setup.pk} "Setup charge": invoiced stored 0, recomputed 1;' in captured.out
    assert captured.err == "CommandError: Checked 2 items: 1 drifted.\n"


def test_a_corrupted_backordered_counter_is_reported(books):
    mug_order, _, _ = books
    corrupt(mug_order.mugs, backordered_quantity=0)
    out, refused = check_books_drifted()
    assert (
        out == f'SO-1001 item {mug_order.mugs.pk} "11 oz mug, 2-colour print": backordered stored 0, recomputed 200\n'
    )
    assert str(refused) == "Checked 2 items: 1 drifted."


def test_a_corrupted_cancelled_counter_is_reported(books, production_rep):
    mug_order, backorder, _ = books
    backorder_cancel(backorder=backorder, reason="Discontinued", by=production_rep)
    assert check_books() == "Checked 2 items: no drift.\n"
    corrupt(mug_order.mugs, cancelled_quantity=100)
    out, _ = check_books_drifted()
    assert out == (
        f'SO-1001 item {mug_order.mugs.pk} "11 oz mug, 2-colour print": '
        "cancelled stored 100, recomputed 200; remaining stored 100, recomputed 0\n"
    )


def test_a_backorder_deleted_behind_the_services_back_shows_as_drift(books):
    mug_order, backorder, _ = books
    Backorder.objects.filter(pk=backorder.pk).delete()
    out, _ = check_books_drifted()
    assert "backordered stored 200, recomputed 0" in out


def test_void_invoices_count_for_nothing(books, manager):
    _, _, invoice = books
    invoice_void(invoice=invoice, reason="Issued twice", by=manager)
    assert Invoice.objects.get(pk=invoice.pk).status == Invoice.Status.VOID
    assert check_books() == "Checked 2 items: no drift.\n"


def test_draft_invoices_count_for_nothing_until_issued(mug_order, invoicing_rep):
    # A draft's lines are counted nowhere until it is issued (invoicing.services), so the books leave them out too.
    goods_ready(mug_order.order.pk)
    draft = invoice_create(sales_order=mug_order.order, by=invoicing_rep, draft=True)
    assert draft.status == Invoice.Status.DRAFT
    assert check_books() == "Checked 2 items: no drift.\n"
    invoice_draft_issue(invoice=draft, by=invoicing_rep)
    assert check_books() == "Checked 2 items: no drift.\n"


def test_every_drifted_item_gets_its_line_and_the_count_is_right(books):
    mug_order, _, _ = books
    corrupt(mug_order.mugs, backordered_quantity=10)
    corrupt(mug_order.setup, invoiced_quantity=0)
    out, refused = check_books_drifted()
    assert out.count("\n") == 2
    assert str(refused) == "Checked 2 items: 2 drifted."


def test_the_check_costs_the_same_queries_for_any_number_of_items(books, django_assert_num_queries):
    mug_order, _, _ = books
    for position in range(2, 40):
        SalesOrderItemFactory(sales_order=mug_order.order, position=position)
    # One count, one query that recomputes every counter in the database and one that compares every
    # invoice's kept client with its project's, and two that read the invoices' kept totals and
    # recompute them (on PostgreSQL, which keeps them), whatever the number of items.
    with django_assert_num_queries(5 if connection.vendor == "postgresql" else 3):
        assert check_books() == "Checked 40 items: no drift.\n"


def test_the_demo_story_balances(db, tmp_path):
    call_command(
        "seed_demo",
        "--password",
        "demo-password-for-tests",
        "--sign-ins-file",
        str(tmp_path / "sign-ins"),
        "--invoices",
        "40",
        "--seed",
        "7",
        stdout=StringIO(),
    )
    # The story holds every kind of row the counters sum.
    assert Invoice.objects.exclude(status=Invoice.Status.VOID).exists()
    assert Backorder.objects.filter(status=Backorder.Status.OPEN).exists()
    items = SalesOrderItem.objects.count()
    assert check_books() == f"Checked {items} items: no drift.\n"
