"""The Backorders report: open backorders with their value, age and overdue first; filters, totals, CSV."""

import csv
import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from backorders.models import Backorder
from backorders.services import BackorderRequest, backorder_flag, backorder_resolve
from purchasing.models import PurchaseOrder
from tests.factories import (
    ClientFactory,
    ProjectFactory,
    PurchaseOrderFactory,
    PurchaseOrderItemFactory,
    SalesOrderFactory,
    SalesOrderItemFactory,
    SupplierFactory,
    UserFactory,
)
from tests.reports.conftest import signed_in

URL = "/backorders/"


@pytest.fixture
def shortages(production_rep, next_week):
    """Three open backorders (one overdue for 4 days, raised 10 days ago) and one resolved."""
    today = timezone.localdate()
    cups, caps = SupplierFactory(name="Cup Co"), SupplierFactory(name="Cap Co")
    acme, globex = ClientFactory(name="Acme Promotions"), ClientFactory(name="Globex Events")

    def backorder(*, supplier, client, description, price, quantity, expected=next_week):
        order = SalesOrderFactory(project=ProjectFactory(client=client, production_rep=production_rep))
        item = SalesOrderItemFactory(
            sales_order=order, description=description, quantity=100, unit_price=Decimal(price)
        )
        po = PurchaseOrderFactory(sales_order=order, supplier=supplier, stage=PurchaseOrder.Stage.CONFIRMED)
        po_item = PurchaseOrderItemFactory(purchase_order=po, sales_order_item=item, quantity=100)
        result = backorder_flag(
            purchase_order=po,
            status=PurchaseOrder.Status.PROBLEM,
            items=[BackorderRequest(po_item, quantity, expected, "Short")],
            note="",
            by=production_rep,
            ready_to_invoice=False,
        )
        return result.backorders[0]

    mugs = backorder(supplier=cups, client=acme, description="White mug", price="4.25", quantity=40)
    tumblers = backorder(supplier=cups, client=globex, description="Tumbler", price="12.00", quantity=10)
    hats = backorder(
        supplier=caps, client=acme, description="Cap", price="9.50", quantity=20, expected=next_week + timedelta(days=3)
    )
    done = backorder(supplier=caps, client=globex, description="Visor", price="5.00", quantity=5)
    backorder_resolve(backorder=done, by=production_rep)
    # The services refuse past dates; this one slipped after it was raised.
    Backorder.objects.filter(pk=tumblers.pk).update(
        expected_date=today - timedelta(days=4), created_at=timezone.now() - timedelta(days=10)
    )
    return {"mugs": mugs, "tumblers": tumblers, "hats": hats, "cups": cups, "caps": caps, "acme": acme}


def items(response) -> list[str]:
    return [row["item_description"] for row in response.context["rows"]]


def test_everyone_signed_in_reads_it(db):
    for roles in (["Sales"], ["Production"], ["Invoicing"], ["Managers"], []):
        assert signed_in(UserFactory(roles=roles)).get(URL).status_code == 200


def test_signed_out_visitors_are_sent_to_sign_in(client):
    assert client.get(URL)["Location"].startswith("/accounts/login/")


def test_open_backorders_overdue_first_with_value_and_age(as_manager, shortages, next_week):
    response = as_manager.get(URL)
    assert items(response) == ["Tumbler", "White mug", "Cap"]  # the resolved visor is gone
    tumbler, mug = response.context["rows"][:2]
    assert tumbler["is_overdue"] and not mug["is_overdue"]
    assert (tumbler["quantity"], tumbler["value"], tumbler["age_days"]) == (10, Decimal("120.00"), 10)
    assert (mug["supplier_name"], mug["client_name"], mug["value"], mug["expected_date"]) == (
        "Cup Co",
        "Acme Promotions",
        Decimal("170.00"),
        next_week,
    )
    assert mug["purchase_order_number"] in response.content.decode()
    assert response.context["totals"] == {
        "count": 3,
        "overdue": 1,
        "quantity": 70,
        "value": Decimal("480.00"),  # 40 × 4.25 + 10 × 12.00 + 20 × 9.50
        "value_text": "480.00",
    }
    assert 'class="pill overdue"' in response.content.decode()


def test_filters_by_supplier_client_and_overdue(as_manager, shortages):
    cases = {
        f"supplier={shortages['cups'].pk}": ["Tumbler", "White mug"],
        f"client={shortages['acme'].pk}": ["White mug", "Cap"],
        "overdue=yes": ["Tumbler"],
        "overdue=no": ["White mug", "Cap"],
        f"supplier={shortages['caps'].pk}&client={shortages['acme'].pk}": ["Cap"],
    }
    for query, expected in cases.items():
        assert items(as_manager.get(f"{URL}?{query}")) == expected, query
    response = as_manager.get(f"{URL}?client={shortages['acme'].pk}")
    assert response.context["totals"]["quantity"] == 60


def test_an_unknown_supplier_is_refused_next_to_the_field_and_left_out(as_manager, shortages):
    response = as_manager.get(f"{URL}?supplier=999999")
    assert response.context["form"].errors == {
        "supplier": ["Select a valid choice. 999999 is not one of the available choices."]
    }
    assert len(response.context["rows"]) == len(as_manager.get(URL).context["rows"])
    # A download waits for filters that are all valid: the page says why.
    download = as_manager.get(f"{URL}?supplier=999999&format=csv")
    assert download["Content-Type"].startswith("text/html") and "supplier" in download.context["form"].errors


@pytest.mark.parametrize("value", ["0001-01-01", "9999-12-31"])
@pytest.mark.parametrize(("name", "label"), [("expected_from", "“Expected from”"), ("expected_to", "“Expected to”")])
def test_a_day_out_of_range_is_named_next_to_its_field_and_left_out(as_manager, shortages, name, label, value):
    response = as_manager.get(URL, {name: value})
    assert response.status_code == 200
    assert response.context["form"].errors == {name: [f"{label} must be a day from 1900-01-01 to 2999-12-31."]}
    assert len(response.context["rows"]) == len(as_manager.get(URL).context["rows"])


def test_csv_of_the_filtered_backorders(as_manager, shortages):
    response = as_manager.get(f"{URL}?format=csv&supplier={shortages['cups'].pk}")
    assert response["Content-Disposition"].startswith('attachment; filename="backorders-')
    data = b"".join(response.streaming_content)
    assert data.startswith(b"\xef\xbb\xbfpurchase_order,")  # the byte order mark Excel reads the encoding from
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert [(row["item"], row["quantity"], row["value"], row["overdue"], row["age_days"]) for row in rows] == [
        ("Tumbler", "10", "120.00", "yes", "10"),
        ("White mug", "40", "170.00", "no", "0"),
    ]
    assert rows[0]["supplier"] == "Cup Co" and rows[0]["client"] == "Globex Events"
