"""Load and fault test of the desk over HTTP, against gunicorn and a Celery worker on loopback.

    .venv/bin/python benchmarks/load.py             # 20 desk users + 3 managers for 60 s
    .venv/bin/python benchmarks/load.py --quick     # the same for about 15 s
    .venv/bin/python benchmarks/load.py --faults    # under load: PostgreSQL restart, Redis down 20 s, worker killed
    .venv/bin/python benchmarks/load.py --burst-only  # 20 identical requests at once at every write endpoint

Everything runs on the script's own services: a PostgreSQL cluster of its own (created once with
pg_createcluster, reused afterwards, stopped at the end), a Redis server, gunicorn, one Celery worker,
Celery beat and an SMTP sink that counts every email the desk sends. Each simulated desk user works
through the backorder story on orders of its own (flag a backorder with a note tagging the reps,
partial invoice, PO to Ready for Billing or the backorder cancelled, final invoice, email it to the
client), loading the pages a person would load on the way; managers load the Invoices Report. Some
invoice and stage requests are sent twice at once, as two people (or a double click) would: one of
the pair is refused with 409, which the story expects.

Afterwards the database is checked: nobody is over-invoiced, item counters equal their sources,
invoice numbers are gapless, every expected notification exists exactly once and every notification
email (and every invoice email) reached the SMTP sink exactly once. The figures are printed and
written to benchmarks/results/load.md (or faults.md).
"""

import argparse
import email
import email.policy
import json
import os
import random
import re
import resource
import secrets
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _harness import (  # noqa: E402 - the helper module sits beside this script
    REPO,
    PostgresCluster,
    Services,
    SmtpSink,
    free_port,
    install_signal_handlers,
    wait_until,
)
from burst import render_bursts, run_bursts  # noqa: E402 - beside this script too

RESULTS = REPO / "benchmarks" / "results"
PASSWORD = "load-test-password-7"  # noqa: S105 - throwaway accounts in a throwaway database
DATABASE = "backorder_load"
SALES_REPS = 5
PROJECTS_PER_TEAM = 3

# The email requeue timers, shortened so a run stays within minutes (the settings read them from the environment).
TIMERS = {
    "NOTIFICATION_REQUEUE_INTERVAL_SECONDS": "5",
    "NOTIFICATION_PENDING_GRACE_SECONDS": "10",
    "NOTIFICATION_CLAIM_TTL_SECONDS": "30",
}

# Production settings with the collected static files kept in the run's own directory.
SETTINGS_MODULE = """from config.settings import *  # noqa: F403

STATIC_ROOT = {static!r}
"""


# --- measurements -------------------------------------------------------------------------------


@dataclass
class Sample:
    start: float  # seconds since the load began
    name: str
    status: int  # 0: no answer (connection refused, reset, timeout)
    latency: float
    tag: str = ""  # "race": one of two requests sent at once; "retry": repeated after an unknown outcome
    error: str = ""


class Recorder:
    def __init__(self) -> None:
        self.samples: list[Sample] = []
        self.lock = threading.Lock()
        self.t0 = time.monotonic()

    def now(self) -> float:
        return time.monotonic() - self.t0

    def add(self, sample: Sample) -> None:
        with self.lock:
            self.samples.append(sample)


@dataclass
class Fault:
    name: str
    start: float
    end: float = 0.0  # when the fault was over (the service back, or a new worker started)
    recovered: float | None = None  # first /healthz 200 after the end
    probe_latency: float = 0.0  # how long that 200 took to come back
    note: str = ""

    @property
    def recovery_seconds(self) -> float | None:
        return None if self.recovered is None else self.recovered - self.end

    def window(self, grace: float) -> tuple[float, float]:
        return self.start, (self.recovered if self.recovered is not None else self.end) + grace


@dataclass
class Counters:
    stories_started: int = 0
    stories_done: int = 0
    stories_abandoned: int = 0
    races: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def bump(self, name: str) -> None:
        with self.lock:
            setattr(self, name, getattr(self, name) + 1)


@dataclass
class Person:
    username: str
    api: requests.Session
    page: requests.Session


class Client:
    """HTTP for one simulated user, recording every request."""

    def __init__(self, base: str, recorder: Recorder) -> None:
        self.base = base
        self.recorder = recorder

    def request(self, session: requests.Session, method: str, path: str, name: str, tag: str = "", **kwargs):
        started = self.recorder.now()
        began = time.monotonic()
        try:
            response = session.request(method, self.base + path, timeout=30, allow_redirects=False, **kwargs)
            status, error = response.status_code, ""
        except requests.RequestException as exc:
            response, status, error = None, 0, type(exc).__name__
        self.recorder.add(Sample(started, name, status, time.monotonic() - began, tag, error))
        return response

    def sign_in(self, username: str) -> Person:
        api = requests.Session()
        for attempt in range(5):
            response = api.post(
                self.base + "/api/auth/token/", json={"username": username, "password": PASSWORD}, timeout=60
            )
            if response.status_code == 200:
                break
            time.sleep(1 + attempt)
        response.raise_for_status()
        api.headers["Authorization"] = f"Token {response.json()['token']}"
        page = requests.Session()
        form = page.get(self.base + "/accounts/login/", timeout=60)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text)
        if form.status_code != 200 or not token:
            raise RuntimeError(f"The sign-in page answered {form.status_code} without a CSRF token.")
        answer = page.post(
            self.base + "/accounts/login/",
            data={"username": username, "password": PASSWORD, "csrfmiddlewaretoken": token.group(1)},
            headers={"Referer": self.base + "/accounts/login/", "Cookie": self.cookie_header(page)},
            allow_redirects=False,
            timeout=60,
        )
        if answer.status_code != 302 or "sessionid" not in page.cookies:
            raise RuntimeError(f"Signing in {username} answered {answer.status_code}.")
        page.headers["Cookie"] = self.cookie_header(page)
        return Person(username, api, page)

    @staticmethod
    def person(username: str, token: str, session_key: str) -> Person:
        api = requests.Session()
        api.headers["Authorization"] = f"Token {token}"
        page = requests.Session()
        page.headers["Cookie"] = f"sessionid={session_key}"
        return Person(username, api, page)

    @staticmethod
    def cookie_header(session: requests.Session) -> str:
        """The desk's cookies are Secure (DEBUG off); the test talks plain HTTP to loopback, so send them by hand."""
        return "; ".join(f"{cookie.name}={cookie.value}" for cookie in session.cookies)


# --- the data the users work on -----------------------------------------------------------------


@dataclass
class OrderRef:
    project: int
    sales_order: int
    purchase_order: int
    so_mugs: int
    po_mugs: int
    quantity: int
    order_rep: str


@dataclass
class Team:
    number: int
    production: str
    invoicing: str
    orders: list[OrderRef]


def credentials(usernames: list[str]) -> dict[str, tuple[str, str]]:
    """Give each user an API token and a signed-in session, as signing in would, without hashing 40 passwords."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.auth.models import User
    from django.contrib.sessions.backends.db import SessionStore
    from rest_framework.authtoken.models import Token

    result = {}
    for user in User.objects.filter(username__in=usernames):
        token, _ = Token.objects.get_or_create(user=user)
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.create()
        result[user.username] = (token.key, session.session_key)
    return result


def seed(*, teams: int, managers: int, orders_per_team: int, tag: str = "") -> tuple[list[Team], list[str]]:
    """Write users, clients, suppliers, projects and orders in production at PO stage Confirmed.

    `tag` starts every user name, number and name this run writes, so runs against a database that is kept
    (--database-url) never meet an earlier run's rows.
    """
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import Group, User
    from django.db import transaction

    from projects.models import Client, Project, SalesOrder, SalesOrderItem
    from purchasing.models import PurchaseOrder, PurchaseOrderItem, Supplier

    rng = random.Random(8)  # noqa: S311 - the same orders every run
    hashed = make_password(PASSWORD)
    groups = {group.name: group for group in Group.objects.all()}
    who = tag.lower()
    people: list[tuple[str, str, str]] = [(f"{who}sales{i}", "Sam", "Sales") for i in range(1, SALES_REPS + 1)]
    for k in range(1, teams + 1):
        people += [(f"{who}prod{k}", "Pat", "Production"), (f"{who}inv{k}", "Ivy", "Invoicing")]
    people += [(f"{who}mgr{i}", "Max", "Managers") for i in range(1, managers + 1)]
    today = datetime.now(UTC).date()
    with transaction.atomic():
        users = User.objects.bulk_create(
            User(
                username=name,
                first_name=first,
                last_name=name.capitalize(),
                email=f"{name}@desk.example.com",
                password=hashed,
            )
            for name, first, _ in people
        )
        by_name = {user.username: user for user in users}
        Membership = User.groups.through
        Membership.objects.bulk_create(
            Membership(user_id=by_name[name].pk, group_id=groups[role].pk) for name, _, role in people
        )
        clients = Client.objects.bulk_create(
            Client(name=f"Load client {tag}{i}", billing_email=f"billing{i}@client.example.com", terms_days=30)
            for i in range(1, 11)
        )
        suppliers = Supplier.objects.bulk_create(
            Supplier(name=f"Load supplier {tag}{i}", email=f"orders{i}@supplier.example.com") for i in range(1, 6)
        )
        projects = []
        for k in range(1, teams + 1):
            for j in range(PROJECTS_PER_TEAM):
                projects.append(
                    Project(
                        number=f"P-{tag}{k:02d}{j}",
                        name=f"Fair merchandise {k}-{j}",
                        client=clients[(k + j) % len(clients)],
                        order_rep=by_name[f"{who}sales{(k + j) % SALES_REPS + 1}"],
                        production_rep=by_name[f"{who}prod{k}"],
                        invoicing_rep=by_name[f"{who}inv{k}"],
                    )
                )
        projects = Project.objects.bulk_create(projects)
        orders, layout = [], []
        for k in range(1, teams + 1):
            for n in range(orders_per_team):
                project = projects[(k - 1) * PROJECTS_PER_TEAM + n % PROJECTS_PER_TEAM]
                orders.append(
                    SalesOrder(
                        number=f"SO-{tag}{k:02d}{n:04d}",
                        project=project,
                        status=SalesOrder.Status.IN_PRODUCTION,
                        in_hands_date=today + timedelta(days=30),
                    )
                )
                layout.append((k, project))
        orders = SalesOrder.objects.bulk_create(orders)
        items = []
        for order in orders:
            items.append(
                SalesOrderItem(
                    sales_order=order,
                    position=0,
                    description="11 oz mug, 2-colour print",
                    quantity=rng.randint(40, 900),
                    unit_price=rng.choice([Decimal("3.10"), Decimal("4.25"), Decimal("5.90")]),
                    unit_cost=Decimal("2.10"),
                    tax_rate=Decimal("8.25"),
                )
            )
            items[-1].purchased_quantity = items[-1].quantity  # its PO line, below, orders all of it
            items.append(
                SalesOrderItem(
                    sales_order=order,
                    position=1,
                    kind=SalesOrderItem.Kind.SERVICE,
                    description="Setup charge",
                    quantity=1,
                    unit_price=Decimal("65.00"),
                    unit_cost=Decimal("40.00"),
                    tax_rate=Decimal("8.25"),
                    purchased_quantity=1,
                )
            )
        items = SalesOrderItem.objects.bulk_create(items)
        purchase_orders = PurchaseOrder.objects.bulk_create(
            PurchaseOrder(
                number=f"PO-{order.number[3:]}",
                project=order.project,
                sales_order=order,
                supplier=suppliers[i % len(suppliers)],
                production_rep=order.project.production_rep,
                stage=PurchaseOrder.Stage.CONFIRMED,
            )
            for i, order in enumerate(orders)
        )
        po_items = PurchaseOrderItem.objects.bulk_create(
            PurchaseOrderItem(purchase_order=po, sales_order_item=item, quantity=item.quantity)
            for po, pair in zip(purchase_orders, zip(items[0::2], items[1::2], strict=True), strict=True)
            for item in pair
        )
    team_list = [Team(k, f"{who}prod{k}", f"{who}inv{k}", []) for k in range(1, teams + 1)]
    for i, order in enumerate(orders):
        k, project = layout[i]
        mugs = items[2 * i]
        team_list[k - 1].orders.append(
            OrderRef(
                project=project.pk,
                sales_order=order.pk,
                purchase_order=purchase_orders[i].pk,
                so_mugs=mugs.pk,
                po_mugs=po_items[2 * i].pk,
                quantity=mugs.quantity,
                order_rep=project.order_rep.username,
            )
        )
    return team_list, [f"{who}mgr{i}" for i in range(1, managers + 1)]


# --- the simulated people -----------------------------------------------------------------------


class Stopped(Exception):
    """The load is over: leave the story where it is."""


class Desk(threading.Thread):
    """A production rep and an invoicing rep working their team's orders through the backorder story."""

    def __init__(self, *, client: Client, team: Team, people: dict[str, Person], stop: threading.Event, opts, counters):
        super().__init__(name=f"desk-{team.number}", daemon=True)
        self.client = client
        self.team = team
        self.prod = people[team.production]
        self.inv = people[team.invoicing]
        self.stop = stop
        self.opts = opts
        self.counters = counters
        self.rng = random.Random(team.number)  # noqa: S311
        self.failure: str = ""

    def run(self) -> None:
        try:
            for order in self.team.orders:
                if self.stop.is_set():
                    return
                self.counters.bump("stories_started")
                if self.story(order):
                    self.counters.bump("stories_done")
                elif not self.stop.is_set():
                    self.counters.bump("stories_abandoned")
        except Stopped:
            return
        except Exception as exc:  # noqa: BLE001 - a crashed user is reported, not hidden
            self.failure = f"{type(exc).__name__}: {exc}"

    # --- plumbing ---

    def api(self, person: Person, method: str, path: str, name: str, tag: str = "", body=None):
        if self.stop.is_set():
            raise Stopped
        return self.client.request(person.api, method, path, name, tag=tag, json=body)

    def page(self, person: Person, path: str, name: str) -> None:
        self.think()
        self.client.request(person.page, "GET", path, name)

    def think(self) -> None:
        """A person reads the page before the next click (--think-time, exponential around its mean)."""
        if self.opts.think_time:
            self.stop.wait(self.rng.expovariate(1 / self.opts.think_time))
        if self.stop.is_set():
            raise Stopped

    def state(self, order: OrderRef) -> dict:
        """Read the order, its PO and its invoices again, waiting while the site does not answer."""
        deadline = time.monotonic() + 60
        while True:
            so = self.api(self.inv, "GET", f"/api/sales-orders/{order.sales_order}/", "GET /api/sales-orders/{id}/")
            po = self.api(
                self.inv, "GET", f"/api/purchase-orders/{order.purchase_order}/", "GET /api/purchase-orders/{id}/"
            )
            invoices = self.api(
                self.inv, "GET", f"/api/invoices/?sales_order={order.sales_order}", "GET /api/invoices/?sales_order="
            )
            if all(r is not None and r.status_code == 200 for r in (so, po, invoices)):
                so_data = so.json()
                return {
                    "so": so_data,
                    "mugs": next(item for item in so_data["items"] if item["id"] == order.so_mugs),
                    "po": po.json(),
                    "invoices": invoices.json()["results"],
                }
            if time.monotonic() > deadline:
                raise RuntimeError(f"Sales order {order.sales_order} could not be read for 60 s.")
            time.sleep(0.5)

    def step(self, action, done, *, race: bool = False):
        """Do one action until it has happened: an unknown outcome is settled by reading the order again.

        Returns the successful response's JSON, or the state that shows the action already happened.
        """
        tag = ""
        self.think()
        for attempt in range(12):
            if race and attempt == 0:
                self.counters.bump("races")
                twin: list = []
                other = threading.Thread(target=self.quietly, args=(action, "race", twin), daemon=True)
                other.start()
                first = action("race")
                other.join()
                responses = [first, *twin]
            else:
                responses = [action(tag)]
            for response in responses:
                if response is not None and 200 <= response.status_code < 300:
                    return {"response": response.json()}
            state = self.state(self.order)
            if done(state):
                return {"state": state}
            tag = "retry"
            time.sleep(min(2.0, 0.2 * (attempt + 1)))
        return None

    @staticmethod
    def quietly(action, tag: str, into: list) -> None:
        try:
            into.append(action(tag))
        except Stopped:
            into.append(None)

    # --- the story ---

    def story(self, order: OrderRef) -> bool:
        self.order = order
        rng = self.rng
        short = rng.randint(1, order.quantity - 1)
        cancel = rng.random() < self.opts.cancel_share
        race = self.opts.race_share
        today = datetime.now(UTC).date()

        # Production: reads the project and the PO, then flags the backorder with a note tagging the reps.
        if self.opts.database_url:  # a desk with a long history: each story starts from the rep's own desk
            self.page(self.prod, "/desk/", "page: my desk (production)")
        self.page(self.prod, f"/projects/{order.project}/", "page: project overview")
        self.page(self.prod, f"/purchase-orders/{order.purchase_order}/", "page: purchase order")
        note = (
            f"@{order.order_rep} @{self.inv.username} {order.quantity - short} mugs and the setup charge can be "
            f"invoiced now; {short} follow from the supplier."
        )
        flag_body = {
            "status": rng.choice(["problem", "follow_up"]),
            "items": [
                {
                    "purchase_order_item": order.po_mugs,
                    "quantity": short,
                    "expected_date": (today + timedelta(days=10)).isoformat(),
                    "reason": "Supplier short on white mugs",
                }
            ],
            "note": note,
            "pin": True,
            "ready_to_invoice": True,
        }
        flagged = self.step(
            lambda tag: self.api(
                self.prod,
                "POST",
                f"/api/purchase-orders/{order.purchase_order}/backorders/",
                "POST /api/purchase-orders/{id}/backorders/",
                tag,
                flag_body,
            ),
            lambda s: s["po"]["status"] != "none",
        )
        if flagged is None:
            return False

        # Invoicing: reads the order and issues a partial invoice for what is ready.
        if self.opts.database_url:
            self.page(self.inv, "/desk/", "page: my desk (invoicing)")
        self.page(self.inv, f"/sales-orders/{order.sales_order}/", "page: sales order")
        self.api(self.inv, "GET", f"/api/sales-orders/{order.sales_order}/", "GET /api/sales-orders/{id}/")
        partial = self.step(
            lambda tag: self.api(
                self.inv,
                "POST",
                "/api/invoices/",
                "POST /api/invoices/ (partial)",
                tag,
                {"sales_order": order.sales_order},
            ),
            lambda s: any(invoice["status"] != "void" for invoice in s["invoices"]),
            race=rng.random() < race,
        )
        if partial is None:
            return False

        if cancel:
            # The supplier will never ship the rest: production cancels the backorder and the order is done.
            backorder_id = self.open_backorder(order, flagged)
            if backorder_id is not None:
                cancelled = self.step(
                    lambda tag: self.api(
                        self.prod,
                        "POST",
                        f"/api/backorders/{backorder_id}/cancel/",
                        "POST /api/backorders/{id}/cancel/",
                        tag,
                        {"reason": "The supplier discontinued the colour"},
                    ),
                    lambda s: s["mugs"]["cancelled"] > 0,
                )
                if cancelled is None:
                    return False
            to_send = self.invoice_of(order, partial, kind="partial")
        else:
            # Production: the backordered mugs are ready; the order becomes Ready to be Invoiced by itself.
            self.page(self.prod, f"/purchase-orders/{order.purchase_order}/", "page: purchase order")
            ready = self.step(
                lambda tag: self.api(
                    self.prod,
                    "POST",
                    f"/api/purchase-orders/{order.purchase_order}/stage/",
                    "POST /api/purchase-orders/{id}/stage/",
                    tag,
                    {"stage": "ready_for_billing"},
                ),
                lambda s: s["po"]["stage"] == "ready_for_billing",
                race=rng.random() < race,
            )
            if ready is None:
                return False
            # Invoicing: sees the notification, issues the final invoice for the rest.
            self.api(self.inv, "GET", "/api/notifications/?page_size=20", "GET /api/notifications/")
            self.page(self.inv, f"/sales-orders/{order.sales_order}/", "page: sales order")
            final = self.step(
                lambda tag: self.api(
                    self.inv,
                    "POST",
                    "/api/invoices/",
                    "POST /api/invoices/ (final)",
                    tag,
                    {
                        "sales_order": order.sales_order,
                        "lines": [{"sales_order_item": order.so_mugs, "quantity": short}],
                    },
                ),
                lambda s: s["so"]["status"] == "invoiced",
                race=rng.random() < race,
            )
            if final is None:
                return False
            to_send = self.invoice_of(order, final, kind="final")

        if to_send is None:
            return False
        sent = self.step(
            lambda tag: self.api(
                self.inv, "POST", f"/api/invoices/{to_send}/send/", "POST /api/invoices/{id}/send/", tag
            ),
            lambda s: any(i["id"] == to_send and i["status"] == "sent_to_client" for i in s["invoices"]),
        )
        self.page(self.inv, f"/sales-orders/{order.sales_order}/", "page: sales order")
        return sent is not None

    def open_backorder(self, order: OrderRef, flagged: dict) -> int | None:
        if "response" in flagged:
            return flagged["response"]["backorders"][0]["id"]
        listing = self.api(
            self.prod, "GET", f"/api/backorders/?project={order.project}&status=open", "GET /api/backorders/"
        )
        if listing is None or listing.status_code != 200:
            return None
        return next((b["id"] for b in listing.json()["results"] if b["purchase_order"] == order.purchase_order), None)

    def invoice_of(self, order: OrderRef, outcome: dict, *, kind: str) -> int | None:
        if "response" in outcome:
            return outcome["response"]["id"]
        state = outcome["state"]
        return next((i["id"] for i in state["invoices"] if i["kind"] == kind and i["status"] != "void"), None)


class Manager(threading.Thread):
    """A manager following everything on the Invoices Report, in JSON, on the page and as CSV."""

    VIEWS = [
        ("GET /api/reports/invoices/", "api", "/api/reports/invoices/"),
        ("GET /api/reports/invoices/?has_remaining=true", "api", "/api/reports/invoices/?has_remaining=true"),
        ("GET /api/reports/invoices/?kind=partial", "api", "/api/reports/invoices/?kind=partial"),
        ("page: invoices report", "page", "/invoices/report/"),
        ("page: invoices report", "page", "/invoices/report/?has_remaining=true"),
    ]
    # Against a long history (--database-url) a manager's morning takes in the other pages too.
    HISTORY_VIEWS = [
        *VIEWS,
        ("page: money waiting", "page", "/money-waiting/"),
        ("page: AR aging", "page", "/invoices/aging/"),
        ("page: my desk (manager)", "page", "/desk/"),
        ("page: backorders report", "page", "/backorders/"),
        ("page: supplier performance", "page", "/suppliers/performance/"),
        ("page: header search", "page", "/search/?q=Nor"),
        ("GET /api/invoices/", "api", "/api/invoices/"),
        ("GET /api/backorders/?status=open", "api", "/api/backorders/?status=open"),
    ]

    def __init__(
        self, *, client: Client, person: Person, stop: threading.Event, index: int, history: bool = False, think=0.0
    ):
        super().__init__(name=f"manager-{index}", daemon=True)
        self.think_time = think
        self.views = self.HISTORY_VIEWS if history else self.VIEWS
        self.client = client
        self.person = person
        self.stop = stop
        self.rng = random.Random(1000 + index)  # noqa: S311
        self.failure = ""

    def run(self) -> None:
        try:
            while not self.stop.is_set():
                if self.think_time and self.stop.wait(self.rng.expovariate(1 / self.think_time)):
                    return
                if self.rng.random() < 0.05:
                    self.client.request(
                        self.person.api,
                        "GET",
                        "/api/reports/invoices/?format=csv",
                        "GET /api/reports/invoices/?format=csv",
                    )
                    continue
                name, kind, path = self.rng.choice(self.views)
                self.client.request(getattr(self.person, kind), "GET", path, name)
        except Exception as exc:  # noqa: BLE001
            self.failure = f"{type(exc).__name__}: {exc}"


# --- the database's connections -----------------------------------------------------------------


class ConnectionSampler(threading.Thread):
    """Count the database's client connections in pg_stat_activity every quarter second, its own left out."""

    def __init__(self, database_url: str, stop: threading.Event):
        super().__init__(name="connections", daemon=True)
        self.database_url = database_url
        self.stop = stop
        self.counts: list[int] = []
        self.failure = ""

    def run(self) -> None:
        import psycopg

        try:
            with psycopg.connect(self.database_url, autocommit=True) as conn:
                while not self.stop.is_set():
                    row = conn.execute(
                        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                        "AND backend_type = 'client backend' AND pid <> pg_backend_pid()"
                    ).fetchone()
                    self.counts.append(row[0])
                    self.stop.wait(0.25)
        except Exception as exc:  # noqa: BLE001 - reported with the figures
            self.failure = f"{type(exc).__name__}: {exc}"


def connection_bound(opts) -> int:
    """The README's bound: (web processes + worker processes + beat + this script) x DATABASE_POOL_MAX_SIZE."""
    from django.conf import settings

    processes = opts.web_workers + (opts.worker_concurrency + 1) + 1 + 1
    return processes * settings.DATABASE_POOL_MAX_SIZE


# --- faults -------------------------------------------------------------------------------------


def healthy(base: str, timeout: float = 2) -> bool:
    try:
        return requests.get(base + "/healthz", timeout=timeout).status_code == 200
    except requests.RequestException:
        return False


class FaultInjector(threading.Thread):
    """Restart PostgreSQL, stop Redis for a while, SIGKILL the Celery worker: one after the other."""

    def __init__(self, *, services: Services, base: str, recorder: Recorder, redis_port: int, plan, opts):
        super().__init__(name="faults", daemon=True)
        self.plan_redis_seconds = opts.redis_down
        self.services_concurrency = opts.worker_concurrency
        self.services = services
        self.base = base
        self.recorder = recorder
        self.redis_port = redis_port
        self.plan = plan  # (at seconds, kind)
        self.faults: list[Fault] = []
        self.failure = ""

    def wait_for(self, at: float) -> None:
        while self.recorder.now() < at:
            time.sleep(0.05)

    def recover(self, fault: Fault) -> None:
        """Probe /healthz until it answers 200; under load the answer itself waits for a free web worker."""
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            sent = self.recorder.now()
            if healthy(self.base, timeout=10):
                fault.recovered = self.recorder.now()
                fault.probe_latency = fault.recovered - sent
                return
            time.sleep(0.1)

    def run(self) -> None:
        try:
            for at, kind in self.plan:
                self.wait_for(at)
                getattr(self, kind)()
        except Exception as exc:  # noqa: BLE001
            self.failure = f"{type(exc).__name__}: {exc}"

    def postgres_restart(self) -> None:
        fault = Fault("PostgreSQL restart (pg_ctlcluster restart)", self.recorder.now())
        self.faults.append(fault)
        self.services.postgres.restart()
        fault.end = self.recorder.now()
        fault.note = f"restart took {fault.end - fault.start:.1f} s"
        self.recover(fault)

    def redis_outage(self) -> None:
        fault = Fault(f"Redis stopped for {self.plan_redis_seconds:.0f} s", self.recorder.now())
        self.faults.append(fault)
        redis = next(child for child in self.services.children if child.name == "redis")
        self.services.end(redis)
        down_until = fault.start + self.plan_redis_seconds
        while self.recorder.now() < down_until:
            time.sleep(0.05)
        self.services.start_redis(self.redis_port)
        fault.end = self.recorder.now()
        self.recover(fault)

    def worker_kill(self) -> None:
        fault = Fault("Celery worker SIGKILLed, a new one started", self.recorder.now())
        self.faults.append(fault)
        worker = next(child for child in self.services.children if child.name.startswith("worker"))
        self.services.end(worker, sig=9)
        in_flight = self.emails_being_sent()
        started_at = datetime.now()  # naive local time, as the worker log writes it
        new = self.services.start_worker(f"worker{len(self.faults)}", self.services_concurrency)
        fault.end = self.recorder.now()
        self.recover(fault)
        try:
            wait_until(lambda: b" ready." in new.log.read_bytes(), 60, what="the new worker")
        except TimeoutError:
            fault.note = "the new worker did not report ready within 60 s"
            return
        line = next(line for line in new.log.read_text(errors="replace").splitlines() if line.endswith(" ready."))
        stamp = re.match(r"\[(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+)", line)
        if stamp:
            ready_at = datetime.strptime(stamp.group(1), "%Y-%m-%d %H:%M:%S,%f")
            fault.note = f"new worker ready {(ready_at - started_at).total_seconds():.1f} s after it was started"
        fault.note += f"; {in_flight} notification email(s) were claimed (sending) when it died"

    @staticmethod
    def emails_being_sent() -> int:
        from django.db import connection

        from notifications.models import Notification

        try:
            return Notification.objects.filter(email_state=Notification.EmailState.SENDING).count()
        finally:
            connection.close()


# --- checks -------------------------------------------------------------------------------------


def drain(sink: SmtpSink, timeout: float) -> tuple[float, int]:
    """Wait until no notification email is pending and the sink has been quiet; return (seconds, still pending)."""
    from django.db import close_old_connections, connections

    from notifications.models import Notification

    started = time.monotonic()
    quiet_since, last_count = time.monotonic(), -1
    pending = -1
    while time.monotonic() - started < timeout:
        close_old_connections()
        try:
            pending = Notification.objects.exclude(
                email_state__in=[Notification.EmailState.SENT, Notification.EmailState.SKIPPED]
            ).count()
        except Exception:  # noqa: BLE001 - a connection broken by the restart is replaced on the next try
            connections.close_all()
            time.sleep(0.5)
            continue
        count = len(sink.snapshot())
        if count != last_count:
            quiet_since, last_count = time.monotonic(), count
        if pending == 0 and time.monotonic() - quiet_since > 3:
            break
        time.sleep(0.5)
    return time.monotonic() - started, pending


def check_database(sink: SmtpSink) -> list[tuple[str, bool, str]]:
    """The consistency checks: (name, passed, detail)."""
    from django.contrib.contenttypes.models import ContentType
    from django.db import connections
    from django.db.models import Sum

    from backorders.models import Backorder
    from invoicing.models import Invoice, InvoiceLine, InvoiceNumberSequence
    from notifications.models import Notification
    from projects.models import Activity, Note, Project, SalesOrder, SalesOrderItem
    from purchasing.models import PurchaseOrder

    connections.close_all()
    checks: list[tuple[str, bool, str]] = []

    def check(name: str, problems: list[str], fine: str) -> None:
        detail = fine if not problems else f"{len(problems)} problem(s): " + "; ".join(problems[:8])
        checks.append((name, not problems, detail))

    # Items: never over-invoiced, and every counter equal to the rows it sums.
    lines = dict(
        InvoiceLine.objects.exclude(invoice__status=Invoice.Status.VOID)
        .values_list("sales_order_item")
        .annotate(total=Sum("quantity"))
        .values_list("sales_order_item", "total")
    )
    backordered = defaultdict(int)
    cancelled = defaultdict(int)
    for item_id, status, quantity in Backorder.objects.values_list(
        "purchase_order_item__sales_order_item", "status", "quantity"
    ):
        if status == Backorder.Status.OPEN:
            backordered[item_id] += quantity
        elif status == Backorder.Status.CANCELLED:
            cancelled[item_id] += quantity
    over, counters = [], []
    items = list(SalesOrderItem.objects.select_related("sales_order"))
    for item in items:
        if item.invoiced_quantity > item.quantity - item.cancelled_quantity:
            over.append(
                f"{item.sales_order.number} item {item.pk}: invoiced {item.invoiced_quantity} of "
                f"{item.quantity} − {item.cancelled_quantity}"
            )
        expected = (lines.get(item.pk, 0), backordered[item.pk], cancelled[item.pk])
        actual = (item.invoiced_quantity, item.backordered_quantity, item.cancelled_quantity)
        if expected != actual:
            counters.append(f"item {item.pk} counters (invoiced, backordered, cancelled) {actual} ≠ rows {expected}")
    check("No item over-invoiced (invoiced ≤ ordered − cancelled)", over, f"{len(items)} items")
    check("Item counters equal the non-void invoice lines and the backorders", counters, f"{len(items)} items")

    # Invoices: gapless numbers, totals equal to their lines.
    invoices = list(Invoice.objects.order_by("sequence_number").prefetch_related("lines"))
    numbers = [invoice.sequence_number for invoice in invoices]
    sequence = InvoiceNumberSequence.objects.filter(name="INV").values_list("last_value", flat=True).first() or 0
    gaps = []
    if numbers != list(range(1, len(numbers) + 1)):
        missing = sorted(set(range(1, (max(numbers) if numbers else 0) + 1)) - set(numbers))
        gaps.append(f"missing {missing[:10]}")
    if sequence != len(numbers):
        gaps.append(f"sequence at {sequence} with {len(numbers)} invoices")
    gaps += [
        f"{i.number} ≠ INV-{i.sequence_number:06d}" for i in invoices if i.number != f"INV-{i.sequence_number:06d}"
    ]
    check("Invoice numbers gapless (1..N)", gaps, f"INV-000001..INV-{len(numbers):06d}")
    sums = []
    for invoice in invoices:
        subtotal = sum((line.amount for line in invoice.lines.all()), Decimal(0))
        tax = sum((line.tax for line in invoice.lines.all()), Decimal(0))
        if not invoice.lines.all() or (invoice.subtotal, invoice.tax, invoice.total) != (subtotal, tax, subtotal + tax):
            sums.append(invoice.number)
    check("Every invoice has lines and totals equal to them", sums, f"{len(invoices)} invoices")

    # Whole actions: each workflow state is backed by everything the action that made it writes.
    half = []
    so_type = ContentType.objects.get_for_model(SalesOrder)
    invoice_type = ContentType.objects.get_for_model(Invoice)
    backorder_type = ContentType.objects.get_for_model(Backorder)
    flagged_activity = set(
        Activity.objects.filter(subject_type=backorder_type, verb="flagged").values_list("subject_id", flat=True)
    )
    issued_activity = set(
        Activity.objects.filter(subject_type=invoice_type, verb__startswith="issued").values_list(
            "subject_id", flat=True
        )
    )
    emailed_activity = set(
        Activity.objects.filter(subject_type=invoice_type, verb="emailed to the client").values_list(
            "subject_id", flat=True
        )
    )
    for backorder in Backorder.objects.all():
        if backorder.pk not in flagged_activity:
            half.append(f"backorder {backorder.pk} without its activity")
    flags_per_po = Counter(Backorder.objects.values_list("purchase_order", flat=True))
    notes_per_project = Counter(
        Note.objects.filter(body__contains="follow from the supplier").values_list("project", flat=True)
    )
    flags_per_project = Counter(Backorder.objects.values_list("purchase_order__project", flat=True))
    for project_id, flags in flags_per_project.items():
        if notes_per_project[project_id] != flags:
            half.append(f"project {project_id}: {flags} backorders but {notes_per_project[project_id]} flag notes")
    for po in PurchaseOrder.objects.all():
        if (po.status != PurchaseOrder.Status.NONE) != bool(flags_per_po[po.pk]):
            half.append(f"{po.number} status {po.status} with {flags_per_po[po.pk]} backorders")
        if po.stage == PurchaseOrder.Stage.READY_FOR_BILLING and po.backorders.filter(status="open").exists():
            half.append(f"{po.number} ready for billing with an open backorder")
    for invoice in invoices:
        if invoice.pk not in issued_activity:
            half.append(f"{invoice.number} without its activity")
        if (invoice.status == Invoice.Status.SENT_TO_CLIENT) != (invoice.pk in emailed_activity):
            half.append(f"{invoice.number} is {invoice.status} but the emailed activity says otherwise")
    item_remaining = defaultdict(list)
    for item in items:
        item_remaining[item.sales_order_id].append((item.remaining_quantity, item.backordered_quantity))
    invoiced_orders = set(Invoice.objects.exclude(status="void").values_list("sales_order", flat=True))
    for order in SalesOrder.objects.all():
        remaining = item_remaining[order.pk]
        nothing_left = all(r == 0 for r, _ in remaining)
        if order.status == SalesOrder.Status.READY_TO_BE_INVOICED and nothing_left:
            half.append(f"{order.number} ready to be invoiced with nothing remaining")
        if order.status == SalesOrder.Status.INVOICED and not nothing_left:
            half.append(f"{order.number} invoiced with something remaining")
        if nothing_left and order.pk in invoiced_orders and order.status != SalesOrder.Status.INVOICED:
            half.append(f"{order.number} fully invoiced but {order.status}")
    check("No half-applied action (states backed by their rows and activities)", half, "all consistent")

    # Notifications: each expected one exactly once, and no other.
    notes = Note.objects.prefetch_related("mentions")
    by_event = defaultdict(list)
    for event_key, recipient, kind in Notification.objects.values_list("event_key", "recipient", "kind"):
        by_event[event_key].append((recipient, kind))
    expected: dict[str, Counter] = {}
    for note in notes:
        expected[f"note:{note.pk}"] = Counter(user.pk for user in note.mentions.all() if user.pk != note.author_id)
    projects = {p.pk: p for p in Project.objects.all()}
    so_project = dict(SalesOrder.objects.values_list("pk", "project"))
    flag_notes = {}
    for note in notes:
        if "follow from the supplier" in note.body:
            flag_notes.setdefault(note.project_id, []).append(note)
    for activity in Activity.objects.filter(subject_type=so_type, to_value="Ready to be Invoiced"):
        project = projects[so_project[activity.subject_id]]
        key = f"so:{activity.subject_id}:ready:{activity.pk}"
        if activity.actor_id is None:
            expected[key] = Counter([project.invoicing_rep_id])
        else:
            # The flag's own move: the rep is told by the note when it tags them, else by this notification.
            tagged = "backorder flagged" in activity.detail and any(
                project.invoicing_rep_id in {u.pk for u in n.mentions.all()} for n in flag_notes.get(project.pk, [])
            )
            wanted = not tagged and activity.actor_id != project.invoicing_rep_id
            expected[key] = Counter([project.invoicing_rep_id] if wanted else [])
    for activity in Activity.objects.filter(subject_type=invoice_type, verb="emailed to the client"):
        order_rep = Invoice.objects.select_related("sales_order__project").get(pk=activity.subject_id)
        order_rep = order_rep.sales_order.project.order_rep_id
        key = f"invoice:{activity.subject_id}:sent:{activity.pk}"
        expected[key] = Counter([order_rep] if order_rep != activity.actor_id else [])
    wrong = []
    for key, wanted in expected.items():
        got = Counter(recipient for recipient, _ in by_event.get(key, []))
        if got != wanted:
            wrong.append(f"{key}: expected {dict(wanted)} got {dict(got)}")
    unexplained = [key for key in by_event if key not in expected]
    wrong += [f"{key}: no cause found" for key in unexplained[:5]]
    total_expected = sum(sum(c.values()) for c in expected.values())
    check(
        "Every expected notification exists exactly once",
        wrong,
        f"{total_expected} expected, {sum(len(v) for v in by_event.values())} found",
    )

    # Emails: every notification sent exactly once, every invoice sent to a client emailed exactly once.
    states = Counter(Notification.objects.values_list("email_state", flat=True))
    not_sent = {state: n for state, n in states.items() if state != Notification.EmailState.SENT}
    check(
        "Every notification's email state is sent",
        [f"{n} {state}" for state, n in not_sent.items()],
        f"{states.get('sent', 0)} sent",
    )
    mails = sink.snapshot()
    notification_mails: Counter = Counter()
    invoice_mails: Counter = Counter()
    for mail in mails:
        message = email.message_from_bytes(mail.data, policy=email.policy.default)
        subject = str(message["Subject"] or "")
        match = re.match(r"Invoice (INV-\d+) from", subject)
        if match:
            invoice_mails[match.group(1)] += 1
            continue
        body = message.get_body(("plain",))
        text = body.get_content() if body is not None else ""
        link = re.search(r"Open it: (\S+)", text)
        path = re.sub(r"^https?://[^/]+", "", link.group(1)) if link else "?"
        for recipient in mail.recipients:
            notification_mails[(recipient, path)] += 1
    wanted_mails = Counter(
        (email_address, url) for email_address, url in Notification.objects.values_list("recipient__email", "url")
    )
    mismatched = [
        f"{key[0]} {key[1]}: {notification_mails.get(key, 0)} emails for {wanted_mails.get(key, 0)} notifications"
        for key in set(wanted_mails) | set(notification_mails)
        if notification_mails.get(key, 0) != wanted_mails.get(key, 0)
    ]
    duplicates = sum(max(0, notification_mails[k] - wanted_mails.get(k, 0)) for k in notification_mails)
    lost = sum(max(0, wanted_mails[k] - notification_mails.get(k, 0)) for k in wanted_mails)
    check(
        "Every notification emailed exactly once (counted at the SMTP sink)",
        mismatched,
        f"{sum(notification_mails.values())} emails for {sum(wanted_mails.values())} notifications",
    )
    if mismatched:
        checks[-1] = (checks[-1][0], False, f"{lost} lost, {duplicates} duplicated; " + checks[-1][2])
    sent_invoices = [i.number for i in invoices if i.status == Invoice.Status.SENT_TO_CLIENT]
    invoice_wrong = [f"{n}: {invoice_mails.get(n, 0)} emails" for n in sent_invoices if invoice_mails.get(n, 0) != 1]
    invoice_wrong += [f"{n}: emailed but not sent_to_client" for n in invoice_mails if n not in set(sent_invoices)]
    check(
        "Every invoice sent to a client emailed exactly once",
        invoice_wrong,
        f"{sum(invoice_mails.values())} emails for {len(sent_invoices)} invoices",
    )
    return checks


def check_ledger(samples: list[Sample]) -> tuple[str, bool, str]:
    """What the client saw succeed is in the database, and nothing more than the requests of unknown outcome."""
    from backorders.models import Backorder
    from invoicing.models import Invoice
    from purchasing.models import PurchaseOrder

    seen: dict[str, Counter] = defaultdict(Counter)
    for sample in samples:
        outcome = "ok" if 200 <= sample.status < 300 else "unknown" if sample.status in (0, 500, 502, 503, 504) else ""
        seen[sample.name][outcome] += 1

    def both(*names: str) -> tuple[int, int]:
        return sum(seen[n]["ok"] for n in names), sum(seen[n]["unknown"] for n in names)

    rows = {
        "flags": (both("POST /api/purchase-orders/{id}/backorders/"), Backorder.objects.count()),
        "invoices": (both("POST /api/invoices/ (partial)", "POST /api/invoices/ (final)"), Invoice.objects.count()),
        "POs ready for billing": (
            both("POST /api/purchase-orders/{id}/stage/"),
            PurchaseOrder.objects.filter(stage=PurchaseOrder.Stage.READY_FOR_BILLING).count(),
        ),
        "backorders cancelled": (
            both("POST /api/backorders/{id}/cancel/"),
            Backorder.objects.filter(status=Backorder.Status.CANCELLED).count(),
        ),
        "invoices sent": (
            both("POST /api/invoices/{id}/send/"),
            Invoice.objects.filter(status=Invoice.Status.SENT_TO_CLIENT).count(),
        ),
    }
    problems, details = [], []
    for name, ((ok, unknown), stored) in rows.items():
        details.append(f"{name} {stored} (answered 2xx {ok}, unknown {unknown})")
        if not ok <= stored <= ok + unknown:
            problems.append(f"{name}: {stored} stored for {ok} successes and {unknown} unknown outcomes")
    return (
        "Every write answered 2xx is stored, and only those or ones whose answer was lost",
        not problems,
        "; ".join(problems or details),
    )


def check_books(services: Services) -> tuple[str, bool, str]:
    """manage.py check_books over the whole database: the counters, the invoices' clients, the kept totals."""
    started = time.monotonic()
    try:
        services.manage("check_books")
    except RuntimeError as exc:
        return ("check_books: no drift", False, str(exc).strip().splitlines()[-1][:400])
    return ("check_books: no drift", True, f"took {time.monotonic() - started:.0f} s")


def history_figures() -> str:
    """What the kept database holds before the run."""
    from backorders.models import Backorder
    from invoicing.models import Invoice
    from purchasing.models import PurchaseOrder

    return (
        f"{Invoice.objects.count():,} invoices, {PurchaseOrder.objects.count():,} purchase orders, "
        f"{Backorder.objects.count():,} backorders"
    )


def database_figures() -> dict:
    from backorders.models import Backorder
    from invoicing.models import Invoice
    from notifications.models import Notification
    from projects.models import Note, SalesOrder

    delays = [
        (sent - created).total_seconds()
        for created, sent in Notification.objects.filter(email_sent_at__isnull=False).values_list(
            "created_at", "email_sent_at"
        )
    ]
    return {
        "backorders": Backorder.objects.count(),
        "notes": Note.objects.count(),
        "invoices": Invoice.objects.count(),
        "partial invoices": Invoice.objects.filter(kind="partial").count(),
        "final invoices": Invoice.objects.filter(kind="final").count(),
        "orders invoiced": SalesOrder.objects.filter(status="invoiced").count(),
        "notifications": Notification.objects.count(),
        "notification email attempts": sum(Notification.objects.values_list("email_attempts", flat=True)),
        "notification to email sent, p50 / max s": " / ".join(
            f"{x:.1f}" for x in (percentile(delays, 50), max(delays, default=0))
        ),
    }


# --- the report ---------------------------------------------------------------------------------


def percentile(values: list[float], p: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


def classify(sample: Sample, faults: list[Fault], grace: float) -> str:
    """ok, expected (a 409 the story expects), fault (failed while a fault lasted), or error."""
    if sample.status and sample.status < 400:
        return "ok"
    if sample.status == 409 and sample.tag in ("race", "retry"):
        return "expected"
    end = sample.start + sample.latency
    for fault in faults:
        low, high = fault.window(grace)
        if sample.start <= high and end >= low:
            return "fault"
    return "error"


def server_errors(services: Services) -> list[str]:
    """Distinct exceptions behind the 500s in gunicorn's log, with their count and first path."""
    log = services.rundir / "gunicorn.log"
    if not log.exists():
        return []
    found: Counter = Counter()
    first_path: dict[str, str] = {}
    current: list[str] | None = None

    def close() -> None:
        if current is not None:
            found[current[1] or "(no traceback)"] += 1
            first_path.setdefault(current[1] or "(no traceback)", current[0])

    for line in log.read_text(errors="replace").splitlines():
        match = re.search(r"Internal Server Error: (\S+)", line)
        if match:
            close()
            current = [match.group(1), ""]
            continue
        if current is None:
            continue
        if not line.strip() or line.startswith((" ", "\t", "Traceback", "During handling", "The above exception")):
            continue
        exception_line = r"^(([A-Za-z_]\w*\.)+[A-Za-z_]\w*|\w*(Error|Exception|Exit|Interrupt|Timeout))(: |$)"
        if re.match(exception_line, line):
            current[1] = line.strip()[:240]
        else:
            close()
            current = None
    close()
    return [f"{count} × {exc} (first on {first_path[exc]})" for exc, count in found.most_common(12)]


def log_counts(services: Services) -> dict:
    counts = {}
    web = services.rundir / "gunicorn.log"
    if web.exists():
        text = web.read_text(errors="replace")
        counts["emails left pending by the web (broker unreachable)"] = text.count("Could not queue the email")
        counts["gunicorn worker timeouts"] = text.count("WORKER TIMEOUT")
    worker_text = "".join(p.read_text(errors="replace") for p in services.rundir.glob("worker*.log"))
    raised = Counter(re.findall(r"raised unexpected: (\w+)", worker_text))
    counts["worker tasks that raised"] = sum(raised.values())
    if raised:
        counts["worker exceptions"] = ", ".join(f"{name}×{n}" for name, n in raised.most_common(5))
    counts["worker task retries"] = len(re.findall(r"Retry in", worker_text))
    return counts


def render(
    *,
    opts,
    recorder: Recorder,
    elapsed: float,
    faults: list[Fault],
    counters: Counters,
    checks,
    figures,
    drained,
    errors_seen,
    logs,
    failures,
) -> str:
    grace = 2.0
    by_name: dict[str, list[Sample]] = defaultdict(list)
    for sample in recorder.samples:
        by_name[sample.name].append(sample)
    kinds = Counter(classify(s, faults, grace) for s in recorder.samples)
    total = len(recorder.samples)
    out = []
    title = "Fault test" if opts.faults else "Load test"
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True, check=False
    ).stdout.strip()
    changed = subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=no"], cwd=REPO, capture_output=True, text=True, check=False
    ).stdout.splitlines()
    if changed:
        commit += f" plus {len(changed)} uncommitted file(s)"
    from django.conf import settings

    timers = ", ".join(f"{name} {getattr(settings, name, '?')}" for name in TIMERS)
    thinking = "no think time"
    if opts.think_time:
        thinking = f"{opts.think_time:.0f} s think time on average before each page and each action"
    where = ""
    if opts.database_url:
        where = f"against the kept database {opts.database_url.rsplit('/', 1)[-1]} ({opts.history}); "
    out.append(f"# {title} of Backorder Desk\n")
    out.append(
        f"Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC at commit {commit or '?'} on {os.cpu_count()} CPU cores: "
        f"{opts.users} desk users and {opts.managers} managers for {opts.duration:.0f} s, "
        f"{thinking}; {where}"
        f"gunicorn {opts.web_workers} sync workers (DEBUG=0, WhiteNoise), one Celery worker "
        f"(concurrency {opts.worker_concurrency}) and beat, PostgreSQL {PostgresCluster().version}, Redis (no "
        f"persistence) and an SMTP sink taking {opts.smtp_delay:.1f} s per message, all on loopback. "
        f"Email requeue timers shortened for the run: {timers}. Command: `{' '.join(['python', *sys.argv])}`. "
        f"The machine's load average as the load began (other work included): "
        f"{' / '.join(f'{x:.1f}' for x in opts.load_average)}; this script's own CPU while loading: "
        f"{opts.generator_cpu:.0%} of one core.\n"
    )
    if opts.connections:
        counts = opts.connections
        out.append(
            f"**Database connections** (pg_stat_activity, client backends of the database, sampled every 0.25 s "
            f"during the load, {len(counts)} samples): max **{max(counts)}**, median {percentile(counts, 50):.0f}; "
            f"the bound the README gives for these processes, (gunicorn {opts.web_workers} + Celery "
            f"{opts.worker_concurrency + 1} + beat 1 + this script 1) x DATABASE_POOL_MAX_SIZE = "
            f"**{opts.connection_bound}**: {'within' if max(counts) <= opts.connection_bound else '**OVER**'}.\n"
        )
    out.append(
        f"**{total} requests in {elapsed:.1f} s = {total / elapsed:.1f} requests/s.** "
        f"Errors: **{kinds['error']}**"
        + (f"; failed during faults (expected): {kinds['fault']}" if opts.faults else "")
        + f"; 409s the story expects (one of two simultaneous submits, or a retry): {kinds['expected']}. "
        f"Stories: {counters.stories_started} started, {counters.stories_done} finished, "
        f"{counters.stories_abandoned} abandoned; {counters.races} double submits.\n"
    )
    header = "| page / endpoint | requests | p50 ms | p95 ms | p99 ms | max ms | errors | expected 409 |"
    if opts.faults:
        header += " failed in faults |"
    out.append(header)
    out.append("|" + "---|" * (header.count("|") - 1))
    for name in sorted(by_name, key=lambda n: (not n.startswith("page"), n)):
        samples = by_name[name]
        latencies = [s.latency * 1000 for s in samples if s.status]
        classes = Counter(classify(s, faults, grace) for s in samples)
        codes = Counter(s.status for s in samples if classify(s, faults, grace) == "error")
        error_text = str(classes["error"])
        if codes:
            error_text += " (" + ", ".join(f"{code or 'no answer'}×{n}" for code, n in sorted(codes.items())) + ")"
        row = (
            f"| {name} | {len(samples)} | {percentile(latencies, 50):.0f} | {percentile(latencies, 95):.0f} | "
            f"{percentile(latencies, 99):.0f} | {max(latencies, default=0):.0f} | {error_text} | "
            f"{classes['expected']} |"
        )
        if opts.faults:
            row += f" {classes['fault']} |"
        out.append(row)
    all_latencies = [s.latency * 1000 for s in recorder.samples if s.status]
    row = (
        f"| **all** | {total} | {percentile(all_latencies, 50):.0f} | {percentile(all_latencies, 95):.0f} | "
        f"{percentile(all_latencies, 99):.0f} | {max(all_latencies, default=0):.0f} | {kinds['error']} | "
        f"{kinds['expected']} |"
    )
    if opts.faults:
        row += f" {kinds['fault']} |"
    out.append(row + "\n")

    if opts.faults:
        out.append("## Faults\n")
        out.append(
            "| fault | at s | over at s | /healthz 200 after s | failed requests in window | of them after the fault "
            "was over | note |"
        )
        out.append("|---|---|---|---|---|---|---|")
        for fault in faults:
            low, high = fault.window(grace)
            failed = [
                s
                for s in recorder.samples
                if classify(s, faults, grace) == "fault" and s.start <= high and s.start + s.latency >= low
            ]
            codes = Counter(s.status for s in failed)
            code_text = ", ".join(f"{c or 'no answer'}×{n}" for c, n in sorted(codes.items())) or "none"
            recovery = fault.recovery_seconds
            recovery_text = (
                "never (within 60 s)"
                if recovery is None
                else f"{recovery:.2f} (that probe took {fault.probe_latency:.2f})"
            )
            verdict = "" if recovery is not None and recovery <= 10 else " **(over 10 s)**"
            out.append(
                f"| {fault.name} | {fault.start:.1f} | {fault.end:.1f} | {recovery_text}{verdict} | "
                f"{len(failed)} ({code_text}) | {sum(1 for s in failed if s.start >= fault.end)} | {fault.note} |"
            )
        out.append(
            f"\nA failed request counts against a fault when it overlaps the time from the fault's start to "
            f"/healthz answering 200 again, plus {grace:.0f} s.\n"
        )

    out.append("## Checks after the run\n")
    seconds, pending = drained
    out.append(
        f"Waited {seconds:.1f} s for the worker to drain the emails ({pending} notification emails still "
        "pending or sending at the end of the wait).\n"
    )
    out.append("| check | result | detail |")
    out.append("|---|---|---|")
    for name, passed, detail in checks:
        out.append(f"| {name} | {'pass' if passed else '**FAIL**'} | {detail} |")
    out.append("")
    out.append("Database after the run: " + ", ".join(f"{k} {v}" for k, v in figures.items()) + ".\n")
    out.append("Logs: " + ", ".join(f"{k}: {v}" for k, v in logs.items()) + ".\n")
    if errors_seen:
        out.append("Server-side exceptions (gunicorn log):\n")
        out += [f"- {line}" for line in errors_seen]
        out.append("")
    if failures:
        out.append("Simulated users that stopped on an error:\n")
        out += [f"- {line}" for line in failures]
        out.append("")
    return "\n".join(out)


# --- main ---------------------------------------------------------------------------------------


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--faults", action="store_true", help="inject the faults during the load")
    parser.add_argument("--quick", action="store_true", help="a short run to try things out")
    parser.add_argument("--users", type=int, default=20, help="simulated desk users (default 20)")
    parser.add_argument("--managers", type=int, default=3, help="managers loading the report (default 3)")
    parser.add_argument("--duration", type=float, help="seconds of load (default 60; 80 with --faults)")
    parser.add_argument("--web-workers", type=int, default=4)
    parser.add_argument("--worker-concurrency", type=int, default=2)
    parser.add_argument("--race-share", type=float, default=0.15, help="share of invoice/stage steps sent twice")
    parser.add_argument("--cancel-share", type=float, default=0.1, help="share of stories that cancel the backorder")
    parser.add_argument("--redis-down", type=float, default=20.0, help="seconds Redis stays down with --faults")
    parser.add_argument("--drain-timeout", type=float, help="seconds to wait for emails (default 60; 90 with --faults)")
    parser.add_argument(
        "--think-time",
        type=float,
        default=0.0,
        help="mean seconds a person waits before each page and each action (exponential; default 0: none)",
    )
    parser.add_argument("--smtp-delay", type=float, default=0.2, help="seconds the SMTP sink takes per message")
    parser.add_argument("--output", type=Path, help="where to write the Markdown table")
    parser.add_argument(
        "--database-url",
        default="",
        help="load an existing, kept database (say benchmarks/scale.py's million invoices) instead of a fresh one "
        "on the script's own cluster; each run's users and orders are named apart, and check_books replaces the "
        "checks that read every row (writes load-1m.md)",
    )
    parser.add_argument("--burst", action="store_true", help="before the load, 20 identical requests at every write")
    parser.add_argument("--burst-only", action="store_true", help="the bursts only, no load (writes burst.md)")
    opts = parser.parse_args(argv)
    if opts.duration is None:
        opts.duration = (55.0 if opts.faults else 15.0) if opts.quick else (80.0 if opts.faults else 60.0)
    if opts.drain_timeout is None:
        opts.drain_timeout = 90.0 if opts.faults else 60.0
    if opts.database_url and (opts.faults or opts.burst or opts.burst_only):
        parser.error("--database-url: the faults and the bursts run on the script's own cluster only.")
    if opts.output is None:
        opts.output = RESULTS / (
            "burst.md"
            if opts.burst_only
            else "faults.md"
            if opts.faults
            else "load-1m.md"
            if opts.database_url
            else "load.md"
        )
    return opts


def fault_plan(duration: float, redis_down: float) -> list[tuple[float, str]]:
    """Spread the three faults over the load, each starting after the previous one is over."""
    first = max(5.0, duration * 0.1)
    redis_at = first + 10
    kill_at = redis_at + redis_down + 8
    if kill_at > duration - 10:
        raise SystemExit(f"--duration {duration:.0f} is too short for the faults; give at least {kill_at + 10:.0f}.")
    return [(first, "postgres_restart"), (redis_at, "redis_outage"), (kill_at, "worker_kill")]


def main(argv=None) -> int:
    opts = parse_args(argv)
    install_signal_handlers()
    rundir = Path(tempfile.mkdtemp(prefix="backorder-load-"))
    services = Services(rundir=rundir)
    print(f"Logs and scratch files: {rundir}", flush=True)
    stop = threading.Event()
    try:
        return run_all(opts, services, stop)
    finally:
        stop.set()
        print("Stopping every process this run started...", flush=True)
        services.stop_all()
        # The logs stay for reading; the collected static files are only a copy.
        shutil.rmtree(rundir / "static", ignore_errors=True)


def run_all(opts, services: Services, stop: threading.Event) -> int:
    begun = time.monotonic()
    tag = ""
    if opts.database_url:
        database_url = opts.database_url
        tag = "L" + secrets.token_hex(2).upper()  # this run's users and numbers, apart from any earlier run's
    else:
        services.postgres = PostgresCluster()
        services.postgres.ensure_started()
        database_url = services.postgres.recreate_database(DATABASE)
    redis_port, smtp_port, web_port = free_port(), free_port(), free_port()
    base = f"http://127.0.0.1:{web_port}"
    (services.rundir / "loadtest_settings.py").write_text(
        SETTINGS_MODULE.format(static=str(services.rundir / "static"))
    )
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "DATABASE_", "REDIS_", "EMAIL_", "CELERY_"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="loadtest_settings",
        PYTHONPATH=os.pathsep.join([str(services.rundir), str(REPO)]),
        DATABASE_URL=database_url,
        REDIS_URL=f"redis://127.0.0.1:{redis_port}/0",
        EMAIL_URL=f"smtp://127.0.0.1:{smtp_port}",
        SECRET_KEY=secrets.token_urlsafe(50),
        DEBUG="0",
        ALLOWED_HOSTS="127.0.0.1,localhost",
        SECURE_SSL_REDIRECT="0",
        SITE_URL=base,
        LOG_LEVEL="INFO",
        PYTHONUNBUFFERED="1",
        **TIMERS,
    )
    services.env = env
    services.start_redis(redis_port)
    services.smtp = SmtpSink(smtp_port, delay=opts.smtp_delay)
    database_text = (
        f"PostgreSQL cluster {services.postgres.version}/{services.postgres.name} on port {services.postgres.port}"
        if services.postgres
        else f"database {database_url}"
    )
    print(f"{database_text}, Redis on {redis_port}, SMTP sink on {smtp_port}, gunicorn on {web_port}.", flush=True)
    services.manage("migrate", "--noinput", "--verbosity", "0")
    services.manage("collectstatic", "--noinput", "--verbosity", "0")

    os.environ.update(env)
    sys.path[:0] = [str(services.rundir), str(REPO)]
    import django

    django.setup()
    orders_per_team = max(8, int(opts.duration * 0.5))
    opts.history = history_figures() if opts.database_url else ""
    teams, managers = seed(teams=opts.users, managers=opts.managers, orders_per_team=orders_per_team, tag=tag)
    print(f"Seeded {opts.users} desk teams with {orders_per_team} orders each, {opts.managers} managers.", flush=True)

    services.start_gunicorn(web_port, opts.web_workers)
    services.start_worker("worker1", opts.worker_concurrency)
    services.start_beat()
    wait_until(lambda: healthy(base), 30, what="/healthz to answer 200")

    recorder = Recorder()
    client = Client(base, recorder)
    names = [t.production for t in teams] + [t.invoicing for t in teams] + managers
    people = {name: client.person(name, *keys) for name, keys in credentials(names).items()}
    # The managers sign in for real, through the token endpoint and the sign-in form.
    for name in managers:
        people[name] = client.sign_in(name)
    print(f"Signed in {len(people)} people; setup took {time.monotonic() - begun:.0f} s.", flush=True)

    burst_text, burst_errors = "", 0
    if opts.burst or opts.burst_only:
        bursts = run_bursts(base, people[managers[0]].api.headers["Authorization"].split()[1])
        burst_text = render_bursts(bursts)
        burst_errors = sum(result.server_errors for result in bursts) + len(server_errors(services))
        print("\n" + burst_text, flush=True)
        if opts.burst_only:
            opts.output.parent.mkdir(parents=True, exist_ok=True)
            opts.output.write_text(burst_text + "\n")
            return 0 if burst_errors == 0 else 1

    opts.load_average = os.getloadavg()
    cpu_before = resource.getrusage(resource.RUSAGE_SELF)
    counters = Counters()
    recorder.t0 = time.monotonic()
    users = [Desk(client=client, team=team, people=people, stop=stop, opts=opts, counters=counters) for team in teams]
    history = bool(opts.database_url)
    users += [
        Manager(client=client, person=people[name], stop=stop, index=i, history=history, think=opts.think_time)
        for i, name in enumerate(managers)
    ]
    sampler = ConnectionSampler(database_url, stop)
    sampler.start()
    injector = None
    if opts.faults:
        injector = FaultInjector(
            services=services,
            base=base,
            recorder=recorder,
            redis_port=redis_port,
            plan=fault_plan(opts.duration, opts.redis_down),
            opts=opts,
        )
        injector.start()
    for user in users:
        user.start()
    print(f"Load running for {opts.duration:.0f} s{' with faults' if opts.faults else ''}...", flush=True)
    while recorder.now() < opts.duration:
        time.sleep(0.5)
        if all(not user.is_alive() for user in users):
            break
    stop.set()
    for user in users:
        user.join(timeout=35)
    elapsed = recorder.now()
    cpu_after = resource.getrusage(resource.RUSAGE_SELF)
    opts.generator_cpu = (cpu_after.ru_utime + cpu_after.ru_stime - cpu_before.ru_utime - cpu_before.ru_stime) / elapsed
    if injector is not None:
        injector.join(timeout=90)
    print(f"Load over after {elapsed:.1f} s; waiting for the emails...", flush=True)

    sampler.join(timeout=5)
    opts.connections, opts.connection_bound = sampler.counts, connection_bound(opts)
    drained = drain(services.smtp, opts.drain_timeout)
    if opts.database_url:
        # The full checks read every item and invoice into memory: at a million invoices, check_books instead.
        checks = [check_books(services)]
    else:
        checks = check_database(services.smtp)
        checks.append(check_ledger(recorder.samples))
    figures = database_figures()
    failures = [f"{user.name}: {user.failure}" for user in users if user.failure]
    if sampler.failure:
        failures.append(f"connection sampler: {sampler.failure}")
    if injector is not None and injector.failure:
        failures.append(f"fault injector: {injector.failure}")
    text = render(
        opts=opts,
        recorder=recorder,
        elapsed=elapsed,
        faults=injector.faults if injector else [],
        counters=counters,
        checks=checks,
        figures=figures,
        drained=drained,
        errors_seen=server_errors(services),
        logs=log_counts(services),
        failures=failures,
    )
    if burst_text:
        text = burst_text + "\n\n" + text
    print("\n" + text, flush=True)
    opts.output.parent.mkdir(parents=True, exist_ok=True)
    opts.output.write_text(text + "\n")
    (services.rundir / "samples.json").write_text(json.dumps([s.__dict__ for s in recorder.samples]))
    print(
        f"Written to {opts.output.relative_to(REPO) if opts.output.is_relative_to(REPO) else opts.output}; "
        f"total run {time.monotonic() - begun:.0f} s.",
        flush=True,
    )
    kinds = Counter(classify(s, injector.faults if injector else [], 2.0) for s in recorder.samples)
    passed = all(passed for _, passed, _ in checks) and kinds["error"] == 0 and not failures and burst_errors == 0
    if opts.connections:
        passed = passed and max(opts.connections) <= opts.connection_bound
    if injector is not None:
        passed = passed and all(f.recovery_seconds is not None and f.recovery_seconds <= 10 for f in injector.faults)
    return 0 if passed else 1


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        print("Interrupted; every process this run started has been stopped.", file=sys.stderr)
        sys.exit(130)
