"""Hostile or odd posts to the two Flag backorder endpoints are refused whole, never answered with a 500.

hypothesis starts from a flag that would be accepted (the first tests prove it is) and breaks it in one to
three ways at once: fields left out, strings where numbers belong and numbers where strings do, huge
numbers, dates in year 0 or 99999, unknown purchase-order items, items of another PO, the same item twice,
bodies that are not a JSON object, nested garbage, a sales order the move may not be made from, a PO
already ready for billing. Every example must answer 400 (409 when only the PO's stage refuses it) with
messages that name their fields, and leave every row as it was. The test client raises any server error,
so a 500 fails the example it came from.

The world is built once per test; each example runs in a savepoint that is rolled back.
"""

import functools
import json
import re
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from http.cookies import SimpleCookie

import pytest
from django import forms
from django.contrib.auth.models import User
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework.authtoken.models import Token

from backorders.models import Backorder
from backorders.services import READY_FOR_BILLING_OR_LATER
from notifications.models import Notification
from projects.models import Activity, Note, SalesOrder, SalesOrderItem
from purchasing.models import PurchaseOrder, PurchaseOrderItem
from tests.factories import (
    ProjectFactory,
    PurchaseOrderFactory,
    PurchaseOrderItemFactory,
    SalesOrderFactory,
    SalesOrderItemFactory,
    UserFactory,
)
from tests.hypothesis_profiles import examples

pytestmark = pytest.mark.django_db

HEALTH = [HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large]
# 300 + 250 examples keep the file near a minute on two cores; make fuzz multiplies them.
API_POSTS = settings(max_examples=examples(300), deadline=None, suppress_health_check=HEALTH)
PAGE_POSTS = settings(max_examples=examples(250), deadline=None, suppress_health_check=HEALTH)

S = SalesOrder.Status
# Sales-order statuses the move to Ready to be Invoiced may not be made from.
NO_MOVE_FROM = [S.NEW, S.PENDING_CLIENT_APPROVAL, S.CLIENT_CHANGE_REQUESTED, S.CLIENT_APPROVED, S.INVOICED, S.CLOSED]


@dataclass
class FlagWorld:
    production: User
    token: str
    order: SalesOrder
    po: PurchaseOrder
    mugs: PurchaseOrderItem
    setup: PurchaseOrderItem
    stranger: PurchaseOrderItem  # an item of another PO


@pytest.fixture
def page_client(world) -> Client:
    """The shared client, signed in as the production rep before any example."""
    client = shared_client()
    client.force_login(world.production)
    return client


@pytest.fixture
def world(db, settings) -> FlagWorld:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    production = UserFactory(username="fuzz.pat", roles=["Production"])
    project = ProjectFactory(
        order_rep=UserFactory(username="fuzz.sam", roles=["Sales"]),
        production_rep=production,
        invoicing_rep=UserFactory(username="fuzz.ivy", roles=["Invoicing"]),
    )
    order = SalesOrderFactory(project=project, status=S.IN_PRODUCTION)
    mugs = SalesOrderItemFactory(sales_order=order, description="Mug", quantity=500, unit_price=Decimal("4.25"))
    setup = SalesOrderItemFactory(sales_order=order, description="Setup", quantity=1, unit_price=Decimal("65.00"))
    po = PurchaseOrderFactory(sales_order=order, stage=PurchaseOrder.Stage.CONFIRMED)
    other = PurchaseOrderFactory(stage=PurchaseOrder.Stage.CONFIRMED)
    return FlagWorld(
        production=production,
        token=Token.objects.create(user=production).key,
        order=order,
        po=po,
        mugs=PurchaseOrderItemFactory(purchase_order=po, sales_order_item=mugs, quantity=500),
        setup=PurchaseOrderItemFactory(purchase_order=po, sales_order_item=setup, quantity=1),
        stranger=PurchaseOrderItemFactory(purchase_order=other, quantity=50),
    )


@functools.cache
def shared_client() -> Client:
    # A new client loads the middleware again, WhiteNoise's scan of the static files included.
    return Client()


def rolled_back(check):
    """Run one example's writes and reads in a savepoint, then undo them."""

    @functools.wraps(check)
    def run(*args, **kwargs):
        with transaction.atomic():
            check(*args, **kwargs)
            transaction.set_rollback(True)

    return run


def snapshot(world: FlagWorld) -> tuple:
    """Everything a flag writes: its rows, the PO's status, the order's status and backordered counters."""
    return (
        Backorder.objects.count(),
        Note.objects.count(),
        Activity.objects.count(),
        Notification.objects.count(),
        PurchaseOrder.objects.get(pk=world.po.pk).status,
        SalesOrder.objects.get(pk=world.order.pk).status,
        sorted(SalesOrderItem.objects.values_list("pk", "backordered_quantity")),
    )


def next_week() -> str:
    return (timezone.localdate() + timedelta(days=7)).isoformat()


# --- what goes wrong -------------------------------------------------------------------------------

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=30),
)
# Lists and objects nested a few levels deep, of anything.
garbage = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=3), st.dictionaries(st.text(max_size=10), children, max_size=3)
    ),
    max_leaves=10,
)
nested = st.one_of(st.lists(garbage, min_size=0, max_size=3), st.dictionaries(st.text(max_size=10), garbage))
letters = st.text(alphabet="abcxyz-_ !?", min_size=1, max_size=20).filter(lambda text: text.strip() != "")
huge = st.integers(min_value=10_000_001, max_value=10**40)
# Text any browser or script could send, control characters included.
any_text = st.text(max_size=40)


def past_dates() -> st.SearchStrategy[str]:
    today = timezone.localdate()
    return st.integers(min_value=1, max_value=3000).map(lambda days: (today - timedelta(days=days)).isoformat())


# Dates nobody can mean: year 0, five-digit years, impossible days, before today, not dates at all.
bad_dates = st.one_of(
    st.sampled_from(
        [
            "0000-01-01",
            "0000-00-00",
            "99999-12-31",
            "-0001-01-01",
            "2024-02-30",
            "2025-13-01",
            "9999-99-99",
            "0001-01-01",
            "",
            " ",
            "tomorrow",
            "2031-01-01T00:00:00+25:00",
        ]
    ),
    past_dates(),
    letters,
)
bad_api_dates = st.one_of(bad_dates, st.none(), st.integers(), st.floats(), nested, st.booleans())

# Ids that are nobody's, or not ids at all. Whole floats and booleans are left out: Python counts
# them as the integers they equal, so they can name a real row.
bad_ids = st.one_of(
    st.integers(min_value=10**9, max_value=2**80),
    st.integers(max_value=0, min_value=-(2**80)),
    letters,
    st.just(""),
    st.none(),
    nested,
)
bad_quantities = st.one_of(
    st.integers(max_value=0, min_value=-(2**70)),
    st.integers(min_value=501, max_value=2**70),
    huge.map(str),
    letters,
    st.sampled_from(["1.5", "2e3", "½", "٣", "0x10", "", " ", "NaN", "Infinity", "1_000"]),
    st.floats().filter(lambda number: number != number or number in (float("inf"), float("-inf")) or number % 1),
    st.none(),
    nested,
)
BOOLEAN_WORDS = {"t", "y", "yes", "true", "on", "1", "f", "n", "no", "false", "off", "0"}
bad_booleans = st.one_of(
    letters.filter(lambda text: text.strip().lower() not in BOOLEAN_WORDS),
    st.integers(min_value=2, max_value=2**40),
    st.integers(max_value=-1),
    st.none(),
    nested,
)
bad_reasons = st.one_of(
    st.just(""),
    st.text(alphabet=" \t\n\r", min_size=1, max_size=5),
    st.integers(min_value=501, max_value=700).map(lambda size: "r" * size),
    st.builds(lambda head, tail: f"{head}\x00{tail}", any_text, any_text),
    st.none(),
    nested,
)
bad_notes = st.one_of(
    st.builds(lambda text: f"@nobody.here {text}", any_text),
    st.integers(min_value=5001, max_value=6000).map(lambda size: "n" * size),
    st.builds(lambda head, tail: f"{head}\x00{tail}", any_text, any_text),
    nested,
    st.none(),
)
bad_statuses = st.one_of(
    st.sampled_from(["none", "", "PROBLEM", "Problem", "resolved", "follow up", "problem ", " follow_up"]),
    any_text.filter(lambda text: text not in ("problem", "follow_up")),
    st.integers(),
    st.none(),
    nested,
)


# JSON nested deeper than a parser written with recursion can follow, inside the body or as all of it.
deeply_nested = st.builds(
    lambda depth, brackets, inside: (
        (b'{"status": "problem", "items": ' if inside else b"")
        + brackets[0] * depth
        + (b"1" if brackets[0] == b'{"a":' else b"")
        + brackets[1] * depth
        + (b"}" if inside else b"")
    ),
    st.sampled_from([100, 999, 1000, 5000, 100_000]),
    st.sampled_from([(b"[", b"]"), (b'{"a":', b"}")]),
    st.booleans(),
)


# --- the API -------------------------------------------------------------------------------------


def api_body(world: FlagWorld) -> dict:
    """A flag the API accepts: 200 mugs short, Problem, the default note, the move."""
    return {
        "status": "problem",
        "items": [
            {
                "purchase_order_item": world.mugs.pk,
                "quantity": 200,
                "expected_date": next_week(),
                "reason": "Supplier short",
            }
        ],
        "ready_to_invoice": True,
    }


ITEM_KEYS = ("purchase_order_item", "quantity", "expected_date", "reason")
API_DEFECTS = (
    "missing_field",
    "missing_item_field",
    "bad_status",
    "items_not_a_list",
    "no_items",
    "item_not_an_object",
    "unknown_item",
    "item_of_another_po",
    "same_item_twice",
    "bad_quantity",
    "bad_date",
    "bad_reason",
    "bad_note",
    "bad_pin",
    "bad_ready_to_invoice",
    "move_not_allowed",
    "not_an_object",
    "not_json",
    "ready_for_billing",
)


def break_api_body(draw, world: FlagWorld, body: dict, defect: str):
    """Break the body (or the world) one way; return the body to send, or raw bytes."""
    item = body["items"][0] if isinstance(body.get("items"), list) and body["items"] else None
    if isinstance(item, dict):
        item = dict(item)
        body["items"][0] = item
    else:
        item = None
    if defect == "missing_field":
        body.pop(draw(st.sampled_from(["status", "items"])), None)
    elif defect == "missing_item_field" and item is not None:
        item.pop(draw(st.sampled_from(ITEM_KEYS)), None)
    elif defect == "bad_status":
        body["status"] = draw(bad_statuses)
    elif defect == "items_not_a_list":
        body["items"] = draw(st.one_of(scalars, st.dictionaries(st.text(max_size=10), garbage, max_size=3)))
    elif defect == "no_items":
        body["items"] = []
    elif defect == "item_not_an_object":
        body["items"] = [draw(st.one_of(scalars, st.lists(garbage, max_size=3)))]
    elif defect == "unknown_item" and item is not None:
        item["purchase_order_item"] = draw(bad_ids)
    elif defect == "item_of_another_po" and item is not None:
        item["purchase_order_item"] = world.stranger.pk
    elif defect == "same_item_twice" and item is not None:
        body["items"] = [dict(item, quantity=1), dict(item, quantity=1), *body["items"][1:]]
    elif defect == "bad_quantity" and item is not None:
        item["quantity"] = draw(bad_quantities)
    elif defect == "bad_date" and item is not None:
        item["expected_date"] = draw(bad_api_dates)
    elif defect == "bad_reason" and item is not None:
        item["reason"] = draw(bad_reasons)
    elif defect == "bad_note":
        body["note"] = draw(bad_notes)
    elif defect == "bad_pin":
        body["pin"] = draw(bad_booleans)
    elif defect == "bad_ready_to_invoice":
        body["ready_to_invoice"] = draw(bad_booleans)
    elif defect == "move_not_allowed":
        SalesOrder.objects.filter(pk=world.order.pk).update(status=draw(st.sampled_from(NO_MOVE_FROM)))
        body["ready_to_invoice"] = True
    elif defect == "not_an_object":
        return json.dumps(draw(st.one_of(scalars.filter(lambda v: v == v), st.lists(garbage, max_size=4))))
    elif defect == "not_json":
        return draw(
            st.one_of(
                st.binary(max_size=60),
                st.sampled_from([b"", b"{", b'{"status": }', b"\xff\xfe", b"NaN", b'{"items": [1e999999]}']),
                deeply_nested,
            )
        )
    elif defect == "ready_for_billing":
        stage = draw(st.sampled_from([PurchaseOrder.Stage.READY_FOR_BILLING, PurchaseOrder.Stage.BILLED]))
        PurchaseOrder.objects.filter(pk=world.po.pk).update(stage=stage)
    else:
        return None  # the defect needs an item the body no longer has
    return body


# A refusal names fields: a top-level one, or an item's, e.g. items[0].quantity.
FIELD = re.compile(
    r"^(status|items|note|body|pin|ready_to_invoice|non_field_errors)$"
    r"|^items\[\d+\](\.(purchase_order_item|quantity|expected_date|reason|non_field_errors))?$"
)


def test_the_unbroken_api_flag_is_accepted(world):
    # The fuzz below breaks this body; whole, it is a flag the API takes.
    client = shared_client()
    response = client.post(
        reverse("api-purchase-order-backorders", args=[world.po.pk]),
        json.dumps(api_body(world)),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Token {world.token}",
    )
    assert response.status_code == 201, response.content
    assert Backorder.objects.count() == 1


@pytest.mark.fuzz
@API_POSTS
@given(data=st.data())
def test_a_broken_api_flag_is_refused_whole(world, data):
    @rolled_back
    def check():
        body = api_body(world)
        defects = data.draw(st.lists(st.sampled_from(API_DEFECTS), min_size=1, max_size=3, unique=True))
        applied = []
        for defect in defects:
            if isinstance(body, dict):
                broken = break_api_body(data.draw, world, body, defect)
                if broken is not None:
                    body = broken
                    applied.append(defect)
        if not applied:
            body = break_api_body(data.draw, world, body, "no_items")
            applied.append("no_items")
        before = snapshot(world)
        client = shared_client()
        client.cookies = SimpleCookie()
        response = client.post(
            reverse("api-purchase-order-backorders", args=[world.po.pk]),
            body if isinstance(body, bytes | str) else json.dumps(body),
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Token {world.token}",
        )
        assert response.status_code in (400, 409), (applied, response.status_code, response.content[:500])
        assert response["Content-Type"] == "application/json"
        answer = response.json()
        if response.status_code == 409:
            assert "ready_for_billing" in applied
            assert "is Ready for Billing" in answer["detail"] or "is Billed" in answer["detail"]
        else:
            assert answer and all(FIELD.match(key) for key in answer), answer
            assert all(isinstance(messages, list) and messages for messages in answer.values()), answer
        assert snapshot(world) == before

    check()


# --- the page form -------------------------------------------------------------------------------


def form_data(world: FlagWorld) -> dict[str, list[str]]:
    """What the page's form sends for a flag it accepts: 200 mugs short, Problem, a note, the move."""
    mugs = f"item-{world.mugs.pk}-"
    return {
        mugs + "backordered": ["on"],
        mugs + "quantity": ["200"],
        mugs + "expected_date": [next_week()],
        "reason": ["Supplier short"],
        "status": ["problem"],
        "note": ["@fuzz.sam @fuzz.ivy 300 mugs can be invoiced now."],
        "pin": ["on"],
        "ready_to_invoice": ["on"],
        "action": ["flag"],
    }


def parses_to_a_coming_date(text: str) -> bool:
    try:
        parsed = forms.DateField().to_python(text)
    except forms.ValidationError:
        return False
    return parsed is not None and parsed >= timezone.localdate()


def form_quantity_is_valid(text: str) -> bool:
    try:
        value = forms.IntegerField().to_python(text)
    except forms.ValidationError:
        return False
    return value is not None and 1 <= value <= 500


page_text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=40)
bad_form_quantities = st.one_of(
    st.integers(max_value=0, min_value=-(10**30)).map(str),
    st.integers(min_value=501, max_value=10**40).map(str),
    st.sampled_from(["1.5", "2e3", "½", "0x10", "NaN", "Infinity", "200 mugs", "2,00", "--1", "+-3"]),
    page_text,
).filter(lambda text: not form_quantity_is_valid(text) and text.strip() != "")
bad_form_dates = st.one_of(bad_dates, page_text).filter(lambda text: not parses_to_a_coming_date(text))
PAGE_DEFECTS = (
    "missing_status",
    "bad_status",
    "nothing_ticked",
    "quantity_without_tick",
    "tick_without_quantity",
    "bad_quantity",
    "bad_date",
    "missing_date",
    "bad_reason",
    "bad_note",
    "unknown_item",
    "item_of_another_po",
    "move_not_allowed",
    "not_a_form",
    "ready_for_billing",
)


def break_form(draw, world: FlagWorld, data: dict[str, list[str]], defect: str):
    """Break the form data (or the world) one way; return the data, raw bytes, or None if it cannot apply."""
    mugs = f"item-{world.mugs.pk}-"
    ticked = mugs + "backordered" in data
    if defect == "missing_status":
        data.pop("status", None)
    elif defect == "bad_status":
        data["status"] = [draw(page_text.filter(lambda text: text not in ("problem", "follow_up")))]
    elif defect == "nothing_ticked":
        for suffix in ("backordered", "quantity", "expected_date"):
            data.pop(mugs + suffix, None)
    elif defect == "quantity_without_tick" and mugs + "quantity" in data:
        data.pop(mugs + "backordered", None)
    elif defect == "tick_without_quantity" and ticked:
        data[mugs + "quantity"] = [draw(st.sampled_from(["", " ", "\t"]))]
    elif defect == "bad_quantity" and ticked:
        data[mugs + "quantity"] = [draw(bad_form_quantities)]
    elif defect == "bad_date" and ticked:
        data[mugs + "expected_date"] = [draw(bad_form_dates)]
    elif defect == "missing_date" and ticked:
        data.pop(mugs + "expected_date", None)
    elif defect == "bad_reason":
        data["reason"] = [
            draw(
                st.one_of(
                    st.text(alphabet=" \t\n\r", max_size=5),
                    st.integers(min_value=501, max_value=700).map(lambda size: "r" * size),
                    st.builds(lambda head, tail: f"{head}\x00{tail}", page_text, page_text),
                )
            )
        ]
    elif defect == "bad_note":
        data["note"] = [
            draw(
                st.one_of(
                    st.builds(lambda text: f"@nobody.here {text}", page_text),
                    st.integers(min_value=5001, max_value=6000).map(lambda size: "n" * size),
                    st.builds(lambda head, tail: f"{head}\x00{tail}", page_text, page_text),
                )
            )
        ]
    elif defect in ("unknown_item", "item_of_another_po") and ticked:
        # The rows of the PO are replaced by rows of an item that is not on it.
        other = world.stranger.pk if defect == "item_of_another_po" else draw(st.integers(min_value=10**9))
        for suffix in ("backordered", "quantity", "expected_date"):
            data[f"item-{other}-{suffix}"] = data.pop(mugs + suffix, ["on"])
    elif defect == "move_not_allowed":
        SalesOrder.objects.filter(pk=world.order.pk).update(status=draw(st.sampled_from(NO_MOVE_FROM)))
        data["ready_to_invoice"] = ["on"]
    elif defect == "not_a_form":
        return draw(
            st.one_of(
                st.binary(max_size=60),
                st.sampled_from([b"", b"{}", b'{"status": "problem", "items": []}', b"\xff\xfe", b"a=%ZZ&&=="]),
            )
        )
    elif defect == "ready_for_billing":
        stage = draw(st.sampled_from([PurchaseOrder.Stage.READY_FOR_BILLING, PurchaseOrder.Stage.BILLED]))
        PurchaseOrder.objects.filter(pk=world.po.pk).update(stage=stage)
    else:
        return None
    return data


def odd_keys(draw, data: dict[str, list[str]]) -> None:
    """Add what a hand-made post may hold besides: repeated keys, unknown keys, nested-looking names."""
    for key in draw(st.lists(st.sampled_from(sorted(data)), max_size=3, unique=True)):
        data[key] = data[key] * 2  # the same line twice
    for key in draw(
        st.lists(
            st.sampled_from(["items[0][quantity]", "item--quantity", "item-abc-backordered", "pin[]", "__proto__"]),
            max_size=3,
            unique=True,
        )
    ):
        data[key] = [draw(page_text)]


def test_the_unbroken_page_flag_is_accepted(world, page_client):
    # The fuzz below breaks this form; whole, it is a flag the page takes.
    response = page_client.post(reverse("backorder-flag", args=[world.po.pk]), form_data(world))
    assert response.status_code == 302
    assert Backorder.objects.count() == 1


@pytest.mark.fuzz
@PAGE_POSTS
@given(data=st.data())
def test_a_broken_page_flag_is_refused_whole(world, page_client, data):
    client = page_client

    @rolled_back
    def check():
        body = form_data(world)
        defects = data.draw(st.lists(st.sampled_from(PAGE_DEFECTS), min_size=1, max_size=3, unique=True))
        applied = []
        for defect in defects:
            if isinstance(body, dict):
                broken = break_form(data.draw, world, body, defect)
                if broken is not None:
                    body = broken
                    applied.append(defect)
        if not applied:
            body = break_form(data.draw, world, body, "missing_status")
            applied.append("missing_status")
        if isinstance(body, dict):
            odd_keys(data.draw, body)
        before = snapshot(world)
        url = reverse("backorder-flag", args=[world.po.pk])
        if isinstance(body, bytes):
            content_type = data.draw(
                st.sampled_from(["application/x-www-form-urlencoded", "application/json", "text/plain"])
            )
            response = client.post(url, body, content_type=content_type)
        else:
            response = client.post(url, body)
        assert response.status_code in (400, 409), (applied, response.status_code)
        form = response.context["flag_form"]
        page = response.content.decode()
        if response.status_code == 409:
            assert "ready_for_billing" in applied
        else:
            assert form.errors, applied
        if PurchaseOrder.objects.get(pk=world.po.pk).stage in READY_FOR_BILLING_OR_LATER:
            # The form is gone from the page, which says why instead.
            assert "its goods are ready, so nothing can be backordered on it." in page
        else:
            assert "Nothing was flagged." in page
        assert snapshot(world) == before

    check()


def test_an_unknown_or_huge_purchase_order_is_not_found(world, page_client):
    client = page_client
    before = snapshot(world)
    for pk in (world.po.pk + 10_000, 2**63 - 1, 2**63, 10**30):
        url = f"/purchase-orders/{pk}/flag/"
        assert client.post(url, form_data(world)).status_code == 404, pk
    for pk in (world.po.pk + 10_000, 2**63, 10**30, "abc", "-1", "1e3", "%20"):
        api = f"/api/purchase-orders/{pk}/backorders/"
        answer = client.post(
            api, json.dumps(api_body(world)), content_type="application/json", HTTP_AUTHORIZATION=f"Token {world.token}"
        )
        assert answer.status_code == 404, pk
    assert snapshot(world) == before


def test_the_oracles_of_the_page_strategies():
    # The strategies above must never call a good date or quantity bad; this pins how they tell.
    today = timezone.localdate()
    assert parses_to_a_coming_date(today.isoformat())
    assert not parses_to_a_coming_date((today - timedelta(days=1)).isoformat())
    assert not parses_to_a_coming_date("0000-01-01") and not parses_to_a_coming_date("99999-12-31")
    assert form_quantity_is_valid("200") and form_quantity_is_valid(" 500 ")
    assert not form_quantity_is_valid("501") and not form_quantity_is_valid("1.5")
