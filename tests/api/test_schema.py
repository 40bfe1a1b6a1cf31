"""The OpenAPI schema: valid without warnings, true to the contract, and kept by every answer (schemathesis)."""

import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, settings
from rest_framework.authtoken.models import Token
from schemathesis.config import SchemathesisConfig

from backorders.services import BackorderRequest, backorder_flag
from invoicing.services.issue import invoice_create
from projects.services.notes import note_create
from purchasing.models import PurchaseOrder
from tests.hypothesis_profiles import PROFILE, examples

ROOT = Path(__file__).resolve().parents[2]

# The contract table of the domain document: path → methods.
CONTRACT = {
    "/api/auth/token/": {"post"},
    "/api/clients/": {"get", "post"},
    "/api/clients/{id}/": {"get", "patch"},
    "/api/suppliers/": {"get", "post"},
    "/api/suppliers/{id}/": {"get", "patch"},
    "/api/projects/": {"get", "post"},
    "/api/projects/{id}/": {"get", "patch"},
    "/api/sales-orders/": {"get", "post"},
    "/api/sales-orders/{id}/": {"get", "patch"},
    "/api/sales-orders/{id}/status/": {"post"},
    "/api/purchase-orders/": {"get", "post"},
    "/api/purchase-orders/{id}/": {"get"},
    "/api/purchase-orders/{id}/stage/": {"post"},
    "/api/purchase-orders/{id}/status/": {"post"},
    "/api/purchase-orders/{id}/backorders/": {"post"},
    "/api/backorders/": {"get"},
    "/api/backorders/{id}/resolve/": {"post"},
    "/api/backorders/{id}/cancel/": {"post"},
    "/api/notes/": {"get", "post"},
    "/api/notes/{id}/pin/": {"post"},
    "/api/notes/{id}/unpin/": {"post"},
    "/api/invoices/": {"get", "post"},
    "/api/invoices/{id}/": {"get"},
    "/api/invoices/{id}/pdf/": {"get"},
    "/api/invoices/{id}/send/": {"post"},
    "/api/invoices/{id}/status/": {"post"},
    "/api/invoices/{id}/void/": {"post"},
    "/api/invoices/{id}/undo/": {"post"},
    "/api/invoices/{id}/issue/": {"post"},
    "/api/reports/invoices/": {"get"},
    "/api/notifications/": {"get"},
    "/api/notifications/{id}/read/": {"post"},
    "/api/notifications/read-all/": {"post"},
}

# The contract's field names per resource (schema component → fields).
FIELDS = {
    "Client": {"id", "name", "billing_email", "billing_address", "terms_days"},
    "Supplier": {"id", "name", "email"},
    "Project": {"id", "number", "name", "client", "order_rep", "production_rep", "invoicing_rep"},
    "SalesOrder": {
        "id",
        "number",
        "project",
        "status",
        "billing_status",
        "in_hands_date",
        "items",
        "subtotal",
        "remaining_amount",
        "remaining_amount_gross",
    },
    "SalesOrderItem": {
        "id",
        "kind",
        "description",
        "quantity",
        "unit_price",
        "unit_cost",
        "tax_rate",
        "ordered",
        "invoiced",
        "backordered",
        "cancelled",
        "remaining",
        "ready",
        "remaining_amount",
    },
    "PurchaseOrder": {"id", "number", "project", "sales_order", "supplier", "stage", "status", "items"},
    "PurchaseOrderItem": {"id", "sales_order_item", "quantity"},
    "Backorder": {"id", "purchase_order", "purchase_order_item", "quantity", "expected_date", "reason", "status"},
    "Note": {"id", "project", "author", "body", "pinned", "mentions", "created_at"},
    "Invoice": {
        "id",
        "number",
        "sales_order",
        "date",
        "due_date",
        "kind",
        "status",
        "lines",
        "subtotal",
        "tax",
        "total",
    },
    "InvoiceLine": {"id", "sales_order_item", "description", "quantity", "unit_price", "tax_rate", "amount"},
    "Notification": {"id", "kind", "message", "url", "project", "created_at", "read_at"},
}

ENUMS = {
    "SalesOrderStatus": [
        "new",
        "pending_client_approval",
        "client_change_requested",
        "client_approved",
        "in_production",
        "shipped",
        "ready_to_be_invoiced",
        "invoiced",
        "closed",
    ],
    "BillingStatus": ["not_invoiced", "partially_invoiced", "fully_invoiced"],
    "PurchaseOrderStage": ["created", "submitted", "confirmed", "shipped", "ready_for_billing", "billed"],
    "PurchaseOrderStatus": ["none", "problem", "follow_up"],
    "BackorderFlagStatus": ["problem", "follow_up"],
    "BackorderStatus": ["open", "resolved", "cancelled"],
    "InvoiceKind": ["partial", "final"],
    "InvoiceStatus": ["draft", "open", "sent_to_client", "exported", "paid", "void"],
    "InvoiceMark": ["exported", "paid"],
    "NotificationKind": [
        "mention",
        "backorder_flagged",
        "ready_to_invoice",
        "invoice_sent",
        "backorders_overdue",
        "invoice_voided",
        "export_ready",
        "client_ok_to_ship",
    ],
}


def test_spectacular_validates_the_schema_with_no_warnings(tmp_path):
    result = subprocess.run(
        [sys.executable, "manage.py", "spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "s.yml")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "Warning" not in result.stderr
    assert (tmp_path / "s.yml").read_text().startswith("openapi: 3.")


@pytest.fixture(scope="module")
def openapi() -> dict:
    return SchemaGenerator().get_schema(request=None, public=True)


def test_every_contract_path_and_method_is_in_the_schema(openapi):
    published = {path: set(operations) for path, operations in openapi["paths"].items()}
    for path, methods in CONTRACT.items():
        assert methods <= published.get(path, set()), path


@pytest.mark.parametrize("component", list(FIELDS))
def test_the_contract_s_field_names_are_in_the_schema(openapi, component):
    properties = openapi["components"]["schemas"][component]["properties"]
    assert FIELDS[component] <= set(properties), FIELDS[component] - set(properties)


@pytest.mark.parametrize("component", list(ENUMS))
def test_every_status_is_listed_as_an_enum(openapi, component):
    assert openapi["components"]["schemas"][component]["enum"] == ENUMS[component]


def test_money_is_a_two_place_decimal_string_and_quantities_are_integers(openapi):
    item = openapi["components"]["schemas"]["SalesOrderItem"]["properties"]
    assert (item["remaining_amount"]["type"], item["remaining_amount"]["format"]) == ("string", "decimal")
    assert (item["tax_rate"]["type"], item["tax_rate"]["format"]) == ("string", "decimal")
    assert item["remaining"]["type"] == item["quantity"]["type"] == "integer"


def test_every_request_and_response_body_is_typed(openapi):
    for path, operations in openapi["paths"].items():
        for method, operation in operations.items():
            for code, response in operation["responses"].items():
                for media, body in response.get("content", {}).items():
                    assert body.get("schema"), (method, path, code, media)
                    assert body["schema"] != {"type": "object", "description": "Unspecified response body"}
            for media, body in operation.get("requestBody", {}).get("content", {}).items():
                assert body.get("schema"), (method, path, media)


# --- schemathesis against the live schema ------------------------------------------------------

CONFIG = SchemathesisConfig.from_dict(
    {
        "generation": {
            # Valid requests by the schema; the checks below then ask every answer to keep the schema.
            "mode": "positive",
            # Per operation; make fuzz multiplies it and draws at random (tests/hypothesis_profiles.py).
            "max-examples": examples(15),
            "deterministic": PROFILE != "fuzz",
            "database": "none",
        },
    }
)

schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", WSGIHandler(), config=CONFIG)

CHECKS = [
    schemathesis.checks.not_a_server_error,
    schemathesis.checks.status_code_conformance,
    schemathesis.checks.content_type_conformance,
    schemathesis.checks.response_schema_conformance,
    schemathesis.checks.response_headers_conformance,
]


@pytest.fixture
def keep_test_connection():
    """Requests through the WSGI handler must not close the test's connection (Django's test client does this too)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def desk_rows(mug_order, production_rep, invoicing_rep, manager, sales_rep) -> dict[str, list[int]]:
    """A flagged order with a partial invoice, notes and notifications: real rows for generated ids to find."""
    result = backorder_flag(
        purchase_order=mug_order.po,
        status=PurchaseOrder.Status.PROBLEM,
        items=[BackorderRequest(mug_order.po_mugs, 200, timezone.localdate() + timedelta(days=7), "Supplier short")],
        note="@max @ivy 300 mugs can be invoiced now",
        by=production_rep,
    )
    invoice = invoice_create(sales_order=mug_order.order, by=invoicing_rep)
    note = note_create(project=mug_order.order.project, body="@max the client called", by=sales_rep)
    return {
        "clients": [mug_order.order.project.client_id],
        "suppliers": [mug_order.po.supplier_id],
        "projects": [mug_order.order.project_id],
        "sales-orders": [mug_order.order.pk],
        "purchase-orders": [mug_order.po.pk],
        "backorders": [backorder.pk for backorder in result.backorders],
        "notes": [note.pk, result.note.pk],
        "invoices": [invoice.pk],
        "notifications": list(manager.notifications.values_list("pk", flat=True)),
        "sales-order-items": [mug_order.mugs.pk, mug_order.setup.pk],
        "purchase-order-items": [mug_order.po_mugs.pk, mug_order.po_setup.pk],
        "users": [sales_rep.pk, production_rep.pk, invoicing_rep.pk, manager.pk],
    }


# Fields that name a row, and the kind of row they name.
ID_FIELDS = {
    "client": "clients",
    "supplier": "suppliers",
    "project": "projects",
    "sales_order": "sales-orders",
    "purchase_order": "purchase-orders",
    "sales_order_item": "sales-order-items",
    "purchase_order_item": "purchase-order-items",
    "order_rep": "users",
    "production_rep": "users",
    "invoicing_rep": "users",
    "rep": "users",
}


def point_at_rows(value, rows: dict[str, list[int]], kind: str | None = None):
    """Most generated ids name nothing; send every even one to a real row so the answers past 404 run too."""
    if isinstance(value, dict):
        return {key: point_at_rows(item, rows, ID_FIELDS.get(key)) for key, item in value.items()}
    if isinstance(value, list):
        return [point_at_rows(item, rows, kind) for item in value]
    if kind in rows and isinstance(value, int) and not isinstance(value, bool) and value % 2 == 0:
        return rows[kind][value // 2 % len(rows[kind])]
    return value


@pytest.mark.fuzz
@schema.parametrize()
# The rows are shared by every example on purpose: state a request leaves behind is part of the search.
# The count is repeated here: a loaded profile's max_examples would otherwise win over the config's.
@settings(max_examples=examples(15), suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
def test_every_answer_keeps_the_schema(case, desk_rows, manager, keep_test_connection):
    resource = case.path.split("/")[2]  # /api/<resource>/{id}/...
    if case.path_parameters:
        case.path_parameters = {
            name: point_at_rows(value, desk_rows, resource) for name, value in case.path_parameters.items()
        }
    if case.query:
        case.query = point_at_rows(case.query, desk_rows)
    if isinstance(case.body, dict | list):
        case.body = point_at_rows(case.body, desk_rows)
    token, _ = Token.objects.get_or_create(user=manager)
    case.call_and_validate(headers={"Authorization": f"Token {token.key}"}, checks=CHECKS)
