"""Bursts of 20 identical requests at once at every write endpoint of the API: none may answer 5xx.

Used by load.py (`--burst`, or `--burst-only` to stop after it): on its own gunicorn, PostgreSQL and
Redis, one manager builds a fresh order chain step by step, and each step is sent 20 times at the
same moment, as a stuck double-click, a retrying client or 20 browser tabs would. Numbers must come
out distinct, duplicates must be refused with 400 or 409, and nothing may answer 500.
"""

import threading
from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta

import requests

BURST = 20


@dataclass
class BurstResult:
    name: str
    statuses: Counter
    expected: str

    @property
    def server_errors(self) -> int:
        return sum(count for status, count in self.statuses.items() if status == 0 or status >= 500)


def _at_once(base: str, headers: dict, method: str, path: str, body: dict | None) -> list[requests.Response | None]:
    barrier = threading.Barrier(BURST)
    answers: list[requests.Response | None] = [None] * BURST

    def send(index: int) -> None:
        session = requests.Session()
        session.headers.update(headers)
        barrier.wait()
        try:
            answers[index] = session.request(method, base + path, json=body, timeout=60)
        except requests.RequestException:
            answers[index] = None

    threads = [threading.Thread(target=send, args=(i,)) for i in range(BURST)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=90)
    return answers


def run_bursts(base: str, token: str) -> list[BurstResult]:
    """Build one order chain, bursting every write on the way; return what each burst answered."""
    headers = {"Authorization": f"Token {token}"}
    api = requests.Session()
    api.headers.update(headers)
    results: list[BurstResult] = []

    def burst(name: str, method: str, path: str, body: dict | None, expected: str) -> list[dict]:
        answers = _at_once(base, headers, method, path, body)
        statuses = Counter(answer.status_code if answer is not None else 0 for answer in answers)
        results.append(BurstResult(name, statuses, expected))
        return [answer.json() for answer in answers if answer is not None and answer.status_code in (200, 201)]

    me = api.get(base + "/api/users/", params={"page_size": 200}, timeout=30).json()["results"]
    manager = next(user for user in me if "Managers" in user["roles"])["id"]
    in_a_week = (date.today() + timedelta(days=7)).isoformat()

    [client] = burst(
        "POST /api/clients/ (one name)",
        "POST",
        "/api/clients/",
        {"name": "Burst Fair", "billing_email": "ap@burst.example.com", "terms_days": 30},
        "1 created, 19 refused",
    )
    [supplier] = burst(
        "POST /api/suppliers/ (one name)",
        "POST",
        "/api/suppliers/",
        {"name": "Burst Mugs", "email": "po@burst.example.com"},
        "1 created, 19 refused",
    )
    projects = burst(
        "POST /api/projects/",
        "POST",
        "/api/projects/",
        {
            "name": "Burst project",
            "client": client["id"],
            "order_rep": manager,
            "production_rep": manager,
            "invoicing_rep": manager,
        },
        "20 created, 20 numbers",
    )
    project = projects[0]
    item = {"description": "Mug", "supplier": supplier["id"], "quantity": 10, "unit_price": "4.25", "tax_rate": "8.25"}
    orders = burst(
        "POST /api/sales-orders/",
        "POST",
        "/api/sales-orders/",
        {"project": project["id"], "items": [item]},
        "20 created, 20 numbers",
    )
    order = orders[0]
    purchases = burst(
        "POST /api/purchase-orders/",
        "POST",
        "/api/purchase-orders/",
        {
            "sales_order": order["id"],
            "supplier": supplier["id"],
            "items": [{"sales_order_item": order["items"][0]["id"], "quantity": 10}],
        },
        "20 created, 20 numbers",
    )
    po = purchases[0]
    burst("POST /api/notes/", "POST", "/api/notes/", {"project": project["id"], "body": "Burst note"}, "20 created")
    burst(
        "POST …/sales-orders/{id}/status/",
        "POST",
        f"/api/sales-orders/{order['id']}/status/",
        {"status": "in_production"},
        "1 moved, 19 refused",
    )
    burst(
        "POST …/purchase-orders/{id}/stage/",
        "POST",
        f"/api/purchase-orders/{po['id']}/stage/",
        {"stage": "confirmed"},
        "1 moved, 19 refused",
    )
    burst(
        "POST …/purchase-orders/{id}/backorders/",
        "POST",
        f"/api/purchase-orders/{po['id']}/backorders/",
        {
            "status": "problem",
            "items": [
                {"purchase_order_item": po["items"][0]["id"], "quantity": 4, "expected_date": in_a_week, "reason": "x"}
            ],
            "note": "Burst flag",
            "pin": True,
        },
        "2 flagged (8 of 10), the rest refused",
    )
    invoices = burst(
        "POST /api/invoices/",
        "POST",
        "/api/invoices/",
        {"sales_order": order["id"]},
        "1 issued, 19 refused",
    )
    if invoices:
        invoice = invoices[0]
        # Emailing again is allowed (a client who lost the first email): every request is answered.
        burst("POST …/invoices/{id}/send/", "POST", f"/api/invoices/{invoice['id']}/send/", None, "20 answered")
        burst(
            "POST …/invoices/{id}/status/",
            "POST",
            f"/api/invoices/{invoice['id']}/status/",
            {"status": "exported"},
            "1 marked, 19 refused",
        )
    backorders = api.get(base + "/api/backorders/", params={"project": project["id"]}, timeout=30).json()["results"]
    if backorders:
        burst(
            "POST …/backorders/{id}/resolve/",
            "POST",
            f"/api/backorders/{backorders[0]['id']}/resolve/",
            {},
            "1 resolved, 19 refused",
        )
    burst("POST /api/notifications/read-all/", "POST", "/api/notifications/read-all/", None, "20 answered")
    return results


def render_bursts(results: list[BurstResult]) -> str:
    lines = [
        f"Bursts of {BURST} identical requests at once (statuses as answered; 0 = no answer):",
        "",
        "| endpoint | answers | expected | 5xx or no answer |",
        "|---|---|---|---:|",
    ]
    for result in results:
        answers = ", ".join(f"{count}× {status}" for status, count in sorted(result.statuses.items()))
        lines.append(f"| {result.name} | {answers} | {result.expected} | {result.server_errors} |")
    total = sum(result.server_errors for result in results)
    lines += ["", f"{len(results)} endpoints, {len(results) * BURST} requests, {total} server errors."]
    return "\n".join(lines)
