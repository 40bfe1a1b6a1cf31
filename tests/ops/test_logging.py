"""Structured logs with LOG_FORMAT=json, and error reports to Sentry when SENTRY_DSN is set."""

import gzip
import http.server
import io
import json
import logging
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from django.urls import reverse

from core.logging import ContextFilter, JsonFormatter
from projects.models import SalesOrder
from tests.factories import ProjectFactory, SupplierFactory, UserFactory

BASE_DIR = Path(__file__).resolve().parents[2]


@pytest.fixture
def json_log():
    """Capture what the site logs, formatted as LOG_FORMAT=json formats it."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(ContextFilter())
    handler.setFormatter(JsonFormatter())
    root, request_logger = logging.getLogger(), logging.getLogger("backorder_desk.request")
    previous = request_logger.level
    root.addHandler(handler)
    request_logger.setLevel(logging.INFO)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    root.removeHandler(handler)
    request_logger.setLevel(previous)


def test_a_request_logs_one_json_line_with_its_id_user_and_the_numbers_it_touched(client, db, json_log):
    rep = UserFactory(roles=["Sales"])
    project = ProjectFactory(number="P-1001")
    client.force_login(rep)
    data = {
        "items-0-kind": "product",
        "items-0-description": "Mug",
        "items-0-supplier": SupplierFactory().pk,
        "items-0-quantity": "5",
        "items-0-unit_price": "4.25",
    }
    response = client.post(reverse("sales-order-create", args=[project.pk]), data, HTTP_X_REQUEST_ID="lb-42.a")

    assert response.status_code == 302
    assert response["X-Request-ID"] == "lb-42.a"
    [line] = [entry for entry in json_log() if entry["logger"] == "backorder_desk.request"]
    assert line["message"] == f"POST /projects/{project.pk}/sales-orders/new/ 302"
    assert (line["level"], line["request_id"], line["user_id"], line["status"]) == ("INFO", "lb-42.a", rep.pk, 302)
    assert line["documents"] == [SalesOrder.objects.get().number]
    assert line["time"].endswith("Z") and line["duration_ms"] >= 0


def test_a_made_up_request_id_is_replaced(client, db, json_log):
    response = client.get(reverse("login"), HTTP_X_REQUEST_ID='<script>"x"</script>')
    assert len(response["X-Request-ID"]) == 32 and response["X-Request-ID"].isalnum()
    [line] = [entry for entry in json_log() if entry["logger"] == "backorder_desk.request"]
    assert (line["request_id"], line["user_id"], line["documents"]) == (response["X-Request-ID"], None, [])


def test_with_sentry_dsn_set_errors_are_reported_to_sentry():
    received: list[bytes] = []

    class Sentry(http.server.BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 - the standard library's name
            received.append(self.rfile.read(int(self.headers["Content-Length"])))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Sentry)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    script = (
        "import django; django.setup()\n"
        "import sentry_sdk\n"
        "try:\n    1 / 0\nexcept ZeroDivisionError:\n    sentry_sdk.capture_exception()\n"
        "sentry_sdk.flush(timeout=10)\n"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings"}
    env["SENTRY_DSN"] = f"http://public@127.0.0.1:{server.server_port}/1"
    try:
        subprocess.run([sys.executable, "-c", script], cwd=BASE_DIR, env=env, check=True, timeout=60)
    finally:
        server.shutdown()
    assert received, "nothing reached the Sentry endpoint"
    envelopes = b"".join(gzip.decompress(body) if body[:2] == b"\x1f\x8b" else body for body in received)
    assert b"ZeroDivisionError" in envelopes
