"""Signing in for a token, 401 for everything signed out, 403 for the wrong role, and nothing changed."""

import pytest
from django.urls import reverse
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from accounts.sign_in import locked_message
from invoicing.models import Invoice
from invoicing.services.issue import invoice_create
from projects.models import Client, SalesOrder
from purchasing.models import PurchaseOrder
from purchasing.services import purchase_order_stage_change
from tests.factories import PASSWORD


def every_operation() -> list[tuple[str, str]]:
    """Every (method, path) of the published schema, with 1 for each id."""
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return [
        (method.upper(), path.replace("{id}", "1"))
        for path, operations in schema["paths"].items()
        for method in operations
        if path != "/api/auth/token/"
    ]


def test_a_username_and_password_give_a_token(sales_rep):
    response = APIClient().post("/api/auth/token/", {"username": "sam", "password": PASSWORD}, format="json")
    assert response.status_code == 200
    token = response.json()["token"]
    assert len(token) == 40
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert client.get("/api/clients/").status_code == 200


def test_a_wrong_password_gives_no_token(sales_rep):
    response = APIClient().post("/api/auth/token/", {"username": "sam", "password": "guess"}, format="json")
    assert response.status_code == 400
    assert response.json() == {"non_field_errors": ["Unable to log in with provided credentials."]}


def test_a_token_request_without_a_password_names_the_field(sales_rep):
    response = APIClient().post("/api/auth/token/", {"username": "sam"}, format="json")
    assert response.status_code == 400
    assert response.json() == {"password": ["This field is required."]}


def test_too_many_wrong_passwords_lock_the_token_endpoint_too(sales_rep):
    # django-axes counts failures per user name and address (tests/security/test_sign_in_throttle.py has the rest).
    api = APIClient()
    for _ in range(4):
        wrong = api.post("/api/auth/token/", {"username": "sam", "password": "guess"}, format="json")
        assert wrong.status_code == 400
    assert api.post("/api/auth/token/", {"username": "sam", "password": "guess"}, format="json").status_code == 429
    response = api.post("/api/auth/token/", {"username": "sam", "password": PASSWORD}, format="json")
    assert response.status_code == 429
    assert response.json() == {"detail": locked_message()}


@pytest.mark.parametrize(("method", "path"), every_operation())
def test_every_operation_answers_401_signed_out(anonymous, method, path):
    response = anonymous.generic(method, path, "{}", content_type="application/json")
    assert response.status_code == 401, (method, path, response.status_code)
    assert response["WWW-Authenticate"] == "Token"
    assert response.json() == {"detail": "Authentication credentials were not provided."}


def test_an_unknown_token_answers_401(db):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token 0123456789abcdef0123456789abcdef01234567")
    response = client.get("/api/sales-orders/")
    assert response.status_code == 401
    assert response.json() == {"detail": "Invalid token."}


def test_a_session_signed_in_on_the_pages_works_too(sales_rep, client):
    client.force_login(sales_rep)
    assert client.get("/api/clients/").status_code == 200


def test_the_docs_page_serves_its_assets_locally(client):
    page = client.get(reverse("api-docs"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html
    assert "cdn" not in html.lower() and "https://" not in html
    # No inline script: the page's own set-up is a script file too, so a strict CSP can allow it.
    assert html.count("<script") == html.count("<script src=")
    script = client.get(reverse("api-docs") + "?script=")
    assert script["Content-Type"] == "application/javascript"


@pytest.fixture
def invoice(mug_order, production_rep, invoicing_rep) -> Invoice:
    from projects.services.sales_orders import sales_order_status_change

    # The goods shipped, so production readies the order (ready follows the goods).
    purchase_order_stage_change(purchase_order=mug_order.po, stage=PurchaseOrder.Stage.SHIPPED, by=production_rep)
    sales_order_status_change(
        sales_order=mug_order.order, status=SalesOrder.Status.READY_TO_BE_INVOICED, by=production_rep
    )
    return invoice_create(sales_order=mug_order.order, by=invoicing_rep)


# (who, method, path, body, the refusal)
REFUSALS = [
    ("as_production", "post", "/api/clients/", {"name": "X", "billing_email": "x@example.com"}, "create clients"),
    ("as_invoicing", "patch", "/api/clients/{client}/", {"name": "Y"}, "change clients"),
    ("as_invoicing", "post", "/api/suppliers/", {"name": "X"}, "create suppliers"),
    ("as_invoicing", "patch", "/api/suppliers/{supplier}/", {"name": "Y"}, "change suppliers"),
    ("as_production", "post", "/api/projects/", {"name": "X"}, "create projects"),
    ("as_invoicing", "patch", "/api/projects/{project}/", {"name": "Y"}, "change projects"),
    ("as_production", "post", "/api/sales-orders/", {"items": []}, "create sales orders"),
    ("as_invoicing", "patch", "/api/sales-orders/{order}/", {"in_hands_date": "2030-01-01"}, "change sales orders"),
    ("as_invoicing", "post", "/api/sales-orders/{order}/status/", {"status": "shipped"}, "move sales-order statuses"),
    ("as_invoicing", "post", "/api/purchase-orders/", {"items": []}, "create purchase orders"),
    ("as_sales", "post", "/api/purchase-orders/{po}/stage/", {"stage": "shipped"}, "move purchase-order stages"),
    ("as_sales", "post", "/api/purchase-orders/{po}/status/", {"status": "problem"}, "set purchase-order statuses"),
    ("as_invoicing", "post", "/api/purchase-orders/{po}/backorders/", {"status": "problem"}, "flag backorders"),
    ("as_sales", "post", "/api/invoices/", {"sales_order": 1}, "issue invoices"),
    ("as_production", "post", "/api/invoices/{invoice}/send/", {}, "email invoices"),
    ("as_sales", "post", "/api/invoices/{invoice}/status/", {"status": "paid"}, "change invoice statuses"),
    ("as_invoicing", "post", "/api/invoices/{invoice}/void/", {"reason": "typo"}, "void invoices"),
    ("as_production", "get", "/api/reports/invoices/", None, "read the Invoices Report"),
    ("as_nobody", "post", "/api/sales-orders/{order}/status/", {"status": "shipped"}, "move sales-order statuses"),
]


@pytest.mark.parametrize(("who", "method", "path", "body", "doing"), REFUSALS)
def test_the_wrong_role_gets_403_and_changes_nothing(request, mug_order, invoice, who, method, path, body, doing):
    api = request.getfixturevalue(who)
    ids = {
        "client": mug_order.order.project.client_id,
        "supplier": mug_order.po.supplier_id,
        "project": mug_order.order.project_id,
        "order": mug_order.order.pk,
        "po": mug_order.po.pk,
        "invoice": invoice.pk,
    }
    before = (
        list(Client.objects.values_list("name", flat=True)),
        list(SalesOrder.objects.values_list("status", "in_hands_date")),
        list(PurchaseOrder.objects.values_list("stage", "status")),
        list(Invoice.objects.values_list("status", flat=True)),
    )
    response = getattr(api, method)(path.format(**ids), body, format="json")
    assert response.status_code == 403, response.content
    assert response.json()["detail"].endswith(f"may {doing}.")
    after = (
        list(Client.objects.values_list("name", flat=True)),
        list(SalesOrder.objects.values_list("status", "in_hands_date")),
        list(PurchaseOrder.objects.values_list("stage", "status")),
        list(Invoice.objects.values_list("status", flat=True)),
    )
    assert after == before


def test_the_refusal_names_the_roles_that_may(as_invoicing):
    response = as_invoicing.post("/api/suppliers/", {"name": "X"}, format="json")
    assert response.json() == {"detail": "Only Production, Sales or Managers may create suppliers."}
    response = as_invoicing.post("/api/invoices/1/void/", {"reason": "x"}, format="json")
    assert response.json() == {"detail": "Only Managers may void invoices."}
