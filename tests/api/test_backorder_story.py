"""The whole backorder story over HTTP only, each step by the role that does it, with its own token."""

from datetime import timedelta

from django.utils import timezone
from rest_framework.test import APIClient

from tests.factories import PASSWORD


def sign_in(username: str) -> APIClient:
    """Trade a username and password for a token, as a new integrator would."""
    response = APIClient().post("/api/auth/token/", {"username": username, "password": PASSWORD}, format="json")
    assert response.status_code == 200, response.content
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
    return client


def ok(response, status: int = 200) -> dict:
    assert response.status_code == status, (response.status_code, response.content)
    return response.json()


def items_by_description(order: dict) -> dict[str, dict]:
    return {item["description"]: item for item in order["items"]}


def test_partial_then_final_invoice_over_http(production_rep, sales_rep, invoicing_rep, manager):
    sam, pat, ivy, max_ = sign_in("sam"), sign_in("pat"), sign_in("ivy"), sign_in("max")
    next_week = (timezone.localdate() + timedelta(days=7)).isoformat()

    # given the sales rep's client, project and order of 500 mugs and a setup charge, bought on one PO
    client = ok(
        sam.post("/api/clients/", {"name": "Harbor Fair", "billing_email": "ap@harbor.example.com"}, format="json"),
        201,
    )
    supplier = ok(
        sam.post("/api/suppliers/", {"name": "Mugs & Co", "email": "orders@mugs.example.com"}, format="json"), 201
    )
    project = ok(
        sam.post(
            "/api/projects/",
            {
                "name": "Spring fair mugs",
                "client": client["id"],
                "order_rep": sales_rep.pk,
                "production_rep": production_rep.pk,
                "invoicing_rep": invoicing_rep.pk,
            },
            format="json",
        ),
        201,
    )
    order = ok(
        sam.post(
            "/api/sales-orders/",
            {
                "project": project["id"],
                "items": [
                    {
                        "description": "11 oz mug, 2-colour print",
                        "quantity": 500,
                        "unit_price": "4.25",
                        "unit_cost": "2.10",
                        "tax_rate": "8.25",
                    },
                    {
                        "kind": "service",
                        "description": "Setup charge",
                        "quantity": 1,
                        "unit_price": "65.00",
                        "tax_rate": "8.25",
                    },
                ],
            },
            format="json",
        ),
        201,
    )
    so = f"/api/sales-orders/{order['id']}/"
    mugs_item, setup_item = (item["id"] for item in order["items"])
    ok(sam.post(so + "status/", {"status": "client_approved"}, format="json"))
    ok(sam.post(so + "status/", {"status": "in_production"}, format="json"))
    purchase_order = ok(
        sam.post(
            "/api/purchase-orders/",
            {
                "sales_order": order["id"],
                "supplier": supplier["id"],
                "items": [
                    {"sales_order_item": mugs_item, "quantity": 500},
                    {"sales_order_item": setup_item, "quantity": 1},
                ],
            },
            format="json",
        ),
        201,
    )
    po = f"/api/purchase-orders/{purchase_order['id']}/"
    po_mugs = purchase_order["items"][0]["id"]
    ok(pat.post(po + "stage/", {"stage": "confirmed"}, format="json"))

    # when the supplier is 200 mugs short and the production rep flags it (rule 1)
    flagged = ok(
        pat.post(
            po + "backorders/",
            {
                "status": "problem",
                "items": [
                    {
                        "purchase_order_item": po_mugs,
                        "quantity": 200,
                        "expected_date": next_week,
                        "reason": "Supplier short on white mugs",
                    }
                ],
                "note": "@sam @ivy 300 mugs and the setup charge can be invoiced now; 200 mugs follow.",
            },
            format="json",
        ),
        201,
    )

    # then the PO has a problem, the note is pinned and the order is ready to be invoiced
    assert flagged["purchase_order"]["status"] == "problem"
    assert flagged["note"]["pinned"] is True
    assert sorted(flagged["note"]["mentions"]) == sorted([sales_rep.pk, invoicing_rep.pk])
    assert flagged["moved_to_ready"] is True
    order = ok(ivy.get(so))
    assert order["status"] == "ready_to_be_invoiced"
    mugs = items_by_description(order)["11 oz mug, 2-colour print"]
    assert (mugs["ordered"], mugs["backordered"], mugs["remaining"], mugs["ready"]) == (500, 200, 500, 300)
    assert ok(ivy.get("/api/notes/", {"project": project["id"], "pinned": "true"}))["count"] == 1

    # when the invoicing rep issues an invoice without lines: every item's ready quantity
    partial = ok(ivy.post("/api/invoices/", {"sales_order": order["id"]}, format="json"), 201)

    # then it is partial, 300 mugs and the setup charge, and 200 mugs remain to invoice
    assert partial["kind"] == "partial"
    assert [(line["description"], line["quantity"]) for line in partial["lines"]] == [
        ("11 oz mug, 2-colour print", 300),
        ("Setup charge", 1),
    ]
    assert (partial["subtotal"], partial["tax"], partial["total"]) == ("1340.00", "110.55", "1450.55")
    order = ok(ivy.get(so))
    assert (order["status"], order["billing_status"]) == ("in_production", "partially_invoiced")
    assert (order["remaining_amount"], order["remaining_amount_gross"]) == ("850.00", "920.13")
    ok(ivy.post(f"/api/invoices/{partial['id']}/send/"))

    # when the backordered mugs are ready and the PO reaches Ready for Billing (rule 2)
    moved = ok(pat.post(po + "stage/", {"stage": "ready_for_billing"}, format="json"))
    assert moved["stage"] == "ready_for_billing"

    # then the backorder is resolved, the order is ready again and the invoicing rep is told
    backorders = ok(pat.get("/api/backorders/", {"project": project["id"]}))["results"]
    assert [backorder["status"] for backorder in backorders] == ["resolved"]
    assert ok(ivy.get(so))["status"] == "ready_to_be_invoiced"
    kinds = [notification["kind"] for notification in ok(ivy.get("/api/notifications/"))["results"]]
    assert "ready_to_invoice" in kinds and "backorder_flagged" in kinds

    # when the invoicing rep issues the final invoice for the 200 mugs and emails it
    final = ok(
        ivy.post(
            "/api/invoices/",
            {"sales_order": order["id"], "lines": [{"sales_order_item": mugs_item, "quantity": 200}]},
            format="json",
        ),
        201,
    )
    assert ok(ivy.post(f"/api/invoices/{final['id']}/send/"))["status"] == "sent_to_client"

    # then nothing remains: the order is invoiced in full
    assert (final["kind"], final["total"]) == ("final", "920.13")
    order = ok(max_.get(so))
    assert (order["status"], order["billing_status"]) == ("invoiced", "fully_invoiced")
    assert (order["remaining_amount"], order["remaining_amount_gross"]) == ("0.00", "0.00")
    assert all(item["remaining"] == 0 and item["ready"] == 0 for item in order["items"])

    # and the manager sees both invoices on the Invoices Report, with nothing left on the order
    report = ok(max_.get("/api/reports/invoices/", {"client": client["id"]}))
    assert [(row["number"], row["kind"], row["remaining_amount"]) for row in report["results"]] == [
        (final["number"], "final", "0.00"),
        (partial["number"], "partial", "0.00"),
    ]
    assert report["totals"]["total"] == "2370.68"  # 1450.55 + 920.13
    assert report["totals"]["remaining_amount"] == "0.00"
