"""Who may do what: every URL of the site and the API × every method it answers × every kind of user.

The URLs are read from the URL configuration itself (the router's too), so a URL added without an
entry in ROUTES fails `test_every_url_has_an_entry`, naming it. Each entry says who may use each
method it answers; everyone else gets 403 (or, for someone else's notification, 404), and signed
out a page sends to the sign-in page while the API answers 401. Methods an entry does not list must
answer 405, or exactly what the listed method answers that user (a read page that ignores the method).

Every request runs in a savepoint that is rolled back, so one user's void or resolve does not change
what the next user finds.
"""

import functools
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from http.cookies import SimpleCookie

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from backorders.models import ClientUpdate, SupplierProposal
from backorders.status_links import status_link_token
from invoicing.credit_notes import credit_note_create
from invoicing.models import CreditNote, Payment
from invoicing.payments import payment_record
from invoicing.services.void import invoice_void
from reports.models import ExportJob, SavedFilter
from tests.security.conftest import GROUP_USERS, NO_ROLE, SIGNED_OUT, SUPERUSER, USER_KEYS, World

METHODS = ("GET", "POST", "PATCH")

# What a request may get back.
OK = "ok"  # 2xx, a 3xx that is not a sign-in, or 400 / 409 for input or a state the user can see and fix
SIGN_IN = "sign in"  # 302 to the sign-in page, carrying ?next=
ADMIN_SIGN_IN = "admin sign in"  # 302 to the admin's sign-in page, carrying ?next=
UNAUTHORIZED = "401"
FORBIDDEN = "403"
NOT_FOUND = "404"
REFUSED_IN_PAGE = "409 in the page"  # the page shows the refusal next to its control
NOT_ALLOWED = "405"

PAGE, API = "page", "api"

SIGNED_IN = frozenset({*GROUP_USERS, NO_ROLE, SUPERUSER})
EVERYONE = frozenset(USER_KEYS)


def roles(*groups: str) -> frozenset[str]:
    """The users holding one of the groups; Managers and superusers hold them all."""
    return frozenset(key for key, group in GROUP_USERS.items() if group in (*groups, "Managers")) | {SUPERUSER}


OWNER = frozenset({"invoicing"})  # the world's notification is the invoicing rep's


@dataclass(frozen=True)
class Allow:
    """Who may use one method of a URL, with what (valid) input, and what everyone else signed in gets."""

    who: frozenset[str]
    data: Callable[[World], dict] | None = None
    others: str = FORBIDDEN


@dataclass(frozen=True)
class Route:
    kind: str
    methods: dict[str, Allow]
    kwargs: Callable[[World], dict] = field(default=lambda world: {})


def locked_attempt() -> int:
    """A user name locked out from one address, as django-axes records it."""
    attempt, _ = AccessAttempt.objects.get_or_create(
        username="matrix.locked",
        ip_address="203.0.113.9",
        user_agent="matrix",
        defaults={
            "get_data": "",
            "post_data": "",
            "http_accept": "*/*",
            "path_info": "/accounts/login/",
            "failures_since_start": 5,
        },
    )
    return attempt.pk


def pk(name: str) -> Callable[[World], dict]:
    return lambda world: {"pk": getattr(world, name).pk}


def body(**values) -> Callable[[World], dict]:
    return lambda world: values


def world_credit_note(world: World) -> dict:
    """A credit note of one mug on the world's invoice, for the URLs that name one."""
    note = CreditNote.objects.filter(invoice=world.invoice).first() or credit_note_create(
        invoice=world.invoice,
        lines=[(world.invoice.lines.get(sales_order_item=world.mugs).pk, 1)],
        reason="One mug chipped",
        by=world.users["managers"],
    )
    return {"pk": note.pk}


def world_payment(world: World) -> dict:
    """A payment of 1.00 on the world's invoice, recorded today, for the URLs that name one."""
    payment = Payment.objects.filter(invoice=world.invoice).first() or payment_record(
        invoice=world.invoice,
        date=timezone.localdate(),
        amount=Decimal("1.00"),
        method="check",
        by=world.users["invoicing"],
    )
    return {"pk": payment.pk}


def payment_form(world: World) -> dict:
    return {"date": timezone.localdate().isoformat(), "amount": "1.00", "method": "check", "reference": "Matrix"}


def project_form(world: World) -> dict:
    return {
        "name": "Matrix project",
        "client": world.client.pk,
        "order_rep": world.users["sales"].pk,
        "production_rep": world.users["production"].pk,
        "invoicing_rep": world.users["invoicing"].pk,
    }


def item_row(world: World) -> dict:
    return {
        "items-0-kind": "product",
        "items-0-description": "Matrix pen",
        "items-0-supplier": world.po.supplier_id,
        "items-0-quantity": "10",
        "items-0-unit_price": "1.00",
    }


def expected_date_form(world: World) -> dict:
    return {f"expected-{world.backorder.pk}-expected_date": (timezone.localdate() + timezone.timedelta(days=30))}


def proposal(world: World) -> dict:
    """A pending goods-ready proposal on the world's PO, as a supplier's order status leaves one."""
    found, _ = SupplierProposal.objects.get_or_create(
        purchase_order=world.po,
        purchase_order_item=None,
        kind="goods_ready",
        status="pending",
        defaults={"supplier_status_code": "80", "supplier_status": "80 Complete"},
    )
    return {"pk": found.pk}


def company_form(world: World) -> dict:
    return {"name": "Matrix Promotions", "address": "1 Matrix Way", "currency": "USD", "email": "desk@example.com"}


def saved_filter(world: World) -> dict:
    """Filters of the Backorders report saved by the invoicing rep, for the URL that deletes them."""
    found, _ = SavedFilter.objects.get_or_create(
        user=world.users["invoicing"], report="backorders", name="Matrix overdue", defaults={"query": "overdue=yes"}
    )
    return {"pk": found.pk}


def import_run(world: World) -> dict:
    """A file of clients a manager has uploaded and not confirmed yet, for the URLs that name one."""
    from imports.kinds import KINDS
    from imports.models import ImportRun
    from imports.services import import_upload

    run = ImportRun.objects.filter(file_name="matrix-clients.csv").first() or import_upload(
        kind=KINDS["clients"],
        file_name="matrix-clients.csv",
        content=b"Customer,Email\nMatrix Imports,ap@matrix.example.com\n",
        by=world.users["managers"],
    )
    return {"pk": run.pk}


def export_job(world: World) -> dict:
    """A large Invoices Report download the invoicing rep asked for, still waiting for a worker."""
    found, _ = ExportJob.objects.get_or_create(
        requested_by=world.users["invoicing"],
        kind="invoices_csv",
        defaults={"filename": "invoices-report.csv", "expires_at": timezone.now() + timezone.timedelta(days=1)},
    )
    return {"pk": found.pk}


def status_token(world: World) -> dict:
    """The client's status link of the world's order, for the pages that take it."""
    return {"token": status_link_token(world.order)}


def client_update(world: World) -> dict:
    """An update proposed to the order rep on the world's order, for the URL that dismisses one."""
    found = ClientUpdate.objects.filter(sales_order=world.order, automatic=False, status="proposed").first()
    found = found or ClientUpdate.objects.create(
        sales_order=world.order, reason="by_hand", automatic=False, day=timezone.localdate(), body="Matrix update."
    )
    return {"pk": found.pk}


READ = Allow(SIGNED_IN)
PUBLIC = Allow(EVERYONE)
MANAGERS = Allow(roles("Managers"))

ROUTES: dict[str, Route] = {
    # --- signing in and out, health ---------------------------------------------------------------
    "login": Route(PAGE, {"GET": PUBLIC, "POST": Allow(EVERYONE, body(username="", password=""))}),
    "logout": Route(PAGE, {"POST": PUBLIC}),
    # Load balancers call it without credentials; it says ok or error per service, nothing else.
    "healthz": Route(PAGE, {"GET": PUBLIC}),
    # Browsers ask for it on their own, signed in or not; it sends them to the static icon.
    "favicon": Route(PAGE, {"GET": PUBLIC}),
    # --- production and sales pages -------------------------------------------------------------
    # Home: Money waiting for managers, My desk for everyone else.
    "home": Route(PAGE, {"GET": READ}),
    "desk": Route(PAGE, {"GET": READ}),
    "money-waiting": Route(PAGE, {"GET": Allow(roles("Managers"))}),
    "sales-order-list": Route(PAGE, {"GET": READ}),
    # The header's search box: everyone signed in may read everything it finds.
    "search": Route(PAGE, {"GET": READ}),
    "project-list": Route(PAGE, {"GET": READ}),
    "project-detail": Route(PAGE, {"GET": READ}, pk("project")),
    "note-create": Route(
        PAGE, {"POST": Allow(SIGNED_IN, body(body="Checked by the matrix.", pinned="on"))}, pk("project")
    ),
    "mention-suggestions": Route(PAGE, {"GET": READ}, pk("project")),
    "note-pin": Route(PAGE, {"POST": Allow(SIGNED_IN, body(pinned="0"))}, pk("note")),
    "sales-order-detail": Route(PAGE, {"GET": READ}, pk("order")),
    # The status control only offers the moves open to the user; a move the table refuses the user
    # (for their role or the order's status) is shown next to the control with 409, as in the API's 403.
    "sales-order-status": Route(
        PAGE, {"POST": Allow(roles("Sales"), body(status="shipped"), others=REFUSED_IN_PAGE)}, pk("order")
    ),
    # --- the sales rep's project and order pages: the forms themselves are write pages -------------
    "project-create": Route(
        PAGE, {"GET": Allow(roles("Sales")), "POST": Allow(roles("Sales"), lambda world: project_form(world))}
    ),
    "project-edit": Route(
        PAGE,
        {"GET": Allow(roles("Sales")), "POST": Allow(roles("Sales"), lambda world: project_form(world))},
        pk("project"),
    ),
    "sales-order-create": Route(
        PAGE,
        {"GET": Allow(roles("Sales")), "POST": Allow(roles("Sales"), lambda world: item_row(world))},
        pk("project"),
    ),
    "sales-order-edit": Route(
        PAGE, {"GET": Allow(roles("Sales")), "POST": Allow(roles("Sales"), lambda world: item_row(world))}, pk("order")
    ),
    "sales-order-totals": Route(PAGE, {"POST": Allow(roles("Sales"), lambda world: item_row(world))}),
    # Every item of the world's order is on its PO: the writers see that nothing is left to order (409).
    "sales-order-purchase-orders": Route(
        PAGE, {"GET": Allow(roles("Sales")), "POST": Allow(roles("Sales"))}, pk("order")
    ),
    "purchase-order-list": Route(PAGE, {"GET": READ}),
    "purchase-order-detail": Route(PAGE, {"GET": READ}, pk("po")),
    "purchase-order-stage": Route(PAGE, {"POST": Allow(roles("Production"), body(stage="shipped"))}, pk("po")),
    # The list's "Move selected to": the same role as one PO's stage control.
    "purchase-order-stage-bulk": Route(
        PAGE, {"POST": Allow(roles("Production"), lambda world: {"po": [world.po.pk], "stage": "shipped"})}
    ),
    "purchase-order-status": Route(PAGE, {"POST": Allow(roles("Production"), body(status="follow_up"))}, pk("po")),
    "backorder-flag": Route(PAGE, {"POST": Allow(roles("Production"))}, pk("po")),
    "purchase-order-pdf": Route(PAGE, {"GET": READ}, pk("po")),
    "purchase-order-email": Route(PAGE, {"POST": Allow(roles("Sales", "Production"))}, pk("po")),
    "purchase-order-stock-check": Route(PAGE, {"POST": Allow(roles("Sales", "Production"))}, pk("po")),
    "sales-order-purchase-orders-email": Route(PAGE, {"POST": Allow(roles("Sales", "Production"))}, pk("order")),
    "backorder-report": Route(PAGE, {"GET": READ}),
    "backorder-resolve": Route(PAGE, {"POST": Allow(roles("Production"))}, pk("backorder")),
    "backorder-cancel": Route(
        PAGE,
        {"POST": Allow(roles("Production"), lambda world: {f"cancel-{world.backorder.pk}-reason": "Discontinued"})},
        pk("backorder"),
    ),
    "backorder-expected-date": Route(
        PAGE,
        {"POST": Allow(roles("Production"), lambda world: expected_date_form(world))},
        pk("backorder"),
    ),
    # A supplier's proposal on the PO page: Production (and Managers) confirm or dismiss it.
    "supplier-proposal-confirm": Route(PAGE, {"POST": Allow(roles("Production"))}, lambda world: proposal(world)),
    "supplier-proposal-dismiss": Route(PAGE, {"POST": Allow(roles("Production"))}, lambda world: proposal(world)),
    # --- clients and suppliers: everyone signed in reads; the form pages are the writers' own -------
    "client-list": Route(PAGE, {"GET": READ}),
    "client-detail": Route(PAGE, {"GET": READ}, pk("client")),
    # The form itself is a write page: others get 403 for the GET too, as for the POST.
    "client-create": Route(
        PAGE,
        {
            "GET": Allow(roles("Sales")),
            "POST": Allow(roles("Sales"), body(name="Matrix Client", billing_email="ap@m.example", terms_days="30")),
        },
    ),
    "client-edit": Route(
        PAGE,
        {
            "GET": Allow(roles("Sales")),
            "POST": Allow(roles("Sales"), body(name="Renamed", billing_email="ap@m.example", terms_days="45")),
        },
        pk("client"),
    ),
    "supplier-list": Route(PAGE, {"GET": READ}),
    # Supplier performance: read by everyone signed in, like the suppliers and the Backorders report.
    "supplier-performance": Route(PAGE, {"GET": READ}),
    "supplier-detail": Route(PAGE, {"GET": READ}, lambda world: {"pk": world.po.supplier_id}),
    "supplier-create": Route(
        PAGE,
        {
            "GET": Allow(roles("Sales", "Production")),
            "POST": Allow(roles("Sales", "Production"), body(name="Matrix Supplier", email="po@matrix.example")),
        },
    ),
    "supplier-edit": Route(
        PAGE,
        {
            "GET": Allow(roles("Sales", "Production")),
            "POST": Allow(roles("Sales", "Production"), body(name="Renamed Supplier", phone="+1 555 0100")),
        },
        lambda world: {"pk": world.po.supplier_id},
    ),
    # --- invoicing pages ------------------------------------------------------------------------
    "invoice-report": Route(PAGE, {"GET": Allow(roles("Invoicing"))}),
    "invoice-aging": Route(PAGE, {"GET": Allow(roles("Invoicing"))}),
    "invoice-payment-record": Route(PAGE, {"POST": Allow(roles("Invoicing"), payment_form)}, pk("invoice")),
    # No payment chosen: the managers see the form's refusal (400); nothing is taken back.
    "invoice-payment-undo": Route(
        PAGE, {"POST": Allow(roles("Managers"), body(reason="Recorded twice"))}, pk("invoice")
    ),
    # Every matching invoice, exported again if need be: the world's invoice downloads as a Xero file.
    "invoice-accounting-export": Route(
        PAGE, {"POST": Allow(roles("Invoicing"), body(format="xero", all_matching="on", include_exported="on"))}
    ),
    # The world's order waits in production, so the allowed roles see why nothing can be issued (409).
    "invoice-create": Route(
        PAGE,
        {"GET": Allow(roles("Invoicing")), "POST": Allow(roles("Invoicing"))},
        lambda world: {"sales_order_pk": world.order.pk},
    ),
    "invoice-detail": Route(PAGE, {"GET": READ}, pk("invoice")),
    "invoice-pdf": Route(PAGE, {"GET": READ}, pk("invoice")),
    "invoice-send": Route(PAGE, {"POST": Allow(roles("Invoicing"))}, pk("invoice")),
    "invoice-status": Route(PAGE, {"POST": Allow(roles("Invoicing"), body(status="paid"))}, pk("invoice")),
    "invoice-void": Route(PAGE, {"POST": Allow(roles("Managers"), body(reason="Issued twice"))}, pk("invoice")),
    # The world's invoice is open, so a manager's undo is refused in the page (409): there is no mark.
    # The world's invoice is issued, not a draft: the draft actions refuse it with a message (302 back).
    "invoice-edit": Route(PAGE, {"GET": Allow(roles("Invoicing")), "POST": Allow(roles("Invoicing"))}, pk("invoice")),
    "invoice-issue": Route(PAGE, {"POST": Allow(roles("Invoicing"))}, pk("invoice")),
    "invoice-delete": Route(PAGE, {"POST": Allow(roles("Invoicing"))}, pk("invoice")),
    "invoice-undo": Route(PAGE, {"POST": Allow(roles("Managers"), body(reason="Marked by mistake"))}, pk("invoice")),
    # Crediting is the managers' own, the form as much as its answer; the notes are everyone's to read.
    "credit-note-create": Route(
        PAGE,
        {"GET": Allow(roles("Managers")), "POST": Allow(roles("Managers"), body(whole="on", reason="Matrix credit"))},
        pk("invoice"),
    ),
    "credit-note-detail": Route(PAGE, {"GET": READ}, world_credit_note),
    "credit-note-pdf": Route(PAGE, {"GET": READ}, world_credit_note),
    # The client's link: the signed token is the key (an invalid one is tested below).
    "invoice-client-view": Route(PAGE, {"GET": PUBLIC}, lambda world: {"token": world.client_token}),
    "invoice-client-pdf": Route(PAGE, {"GET": PUBLIC}, lambda world: {"token": world.client_token}),
    # The client's status page of an order, and its "OK to ship what is ready now": the signed link is the key.
    "order-status-client-view": Route(PAGE, {"GET": PUBLIC}, status_token),
    "order-status-ok-to-ship": Route(PAGE, {"POST": PUBLIC}, status_token),
    # The order rep (Sales) sends or dismisses an update to the client; an empty text answers 400.
    "client-update-send": Route(
        PAGE, {"POST": Allow(roles("Sales"), body(body="Your order is on its way."))}, pk("order")
    ),
    "client-update-dismiss": Route(PAGE, {"POST": Allow(roles("Sales"))}, client_update),
    # --- notifications ------------------------------------------------------------------------------
    "notification-inbox": Route(PAGE, {"GET": READ}),
    # Someone else's notification answers like a missing one.
    "notification-read": Route(PAGE, {"POST": Allow(OWNER, others=NOT_FOUND)}, pk("notification")),
    # Opening marks read and goes to the notification's page; someone else's is missing too.
    "notification-open": Route(PAGE, {"GET": Allow(OWNER, others=NOT_FOUND)}, pk("notification")),
    "notification-read-all": Route(PAGE, {"POST": Allow(SIGNED_IN)}),
    "notification-preferences": Route(PAGE, {"GET": READ, "POST": Allow(SIGNED_IN, body(email_enabled="on"))}),
    # --- accounts: everyone keeps their own API token; locked sign-ins are the managers' to lift ---
    # The seller printed on every PDF: Managers edit it; a refused field would come back 400 by the field.
    "company-settings": Route(PAGE, {"GET": Allow(roles("Managers")), "POST": Allow(roles("Managers"), company_form)}),
    # Importing data (the Settings menu): Managers only. A POST with no file or no column chosen comes back 400.
    "import-index": Route(PAGE, {"GET": MANAGERS}),
    "import-kind": Route(PAGE, {"GET": MANAGERS, "POST": MANAGERS}, lambda world: {"kind": "clients"}),
    "import-template": Route(PAGE, {"GET": MANAGERS}, lambda world: {"kind": "suppliers"}),
    "import-columns": Route(PAGE, {"GET": MANAGERS, "POST": MANAGERS}, import_run),
    "import-preview": Route(PAGE, {"GET": MANAGERS}, import_run),
    "import-confirm": Route(PAGE, {"POST": MANAGERS}, import_run),
    # Every record of the desk in one ZIP: the whole book of business, so Managers only.
    "export-everything": Route(PAGE, {"GET": MANAGERS}),
    # The first-run page and its two forms. A POST with nothing filled in comes back 400 by the fields; the
    # world's desk has a manager and clients, so nothing would be created or loaded anyway.
    "welcome": Route(PAGE, {"GET": MANAGERS}),
    "welcome-manager": Route(PAGE, {"POST": MANAGERS}),
    "welcome-demo": Route(PAGE, {"POST": MANAGERS}),
    # A report's filters saved by name: everyone who reads the Backorders report saves on it; each
    # deletes only their own, and someone else's are not there for them (404).
    "saved-filter-create": Route(
        PAGE,
        {"POST": Allow(SIGNED_IN, body(name="Overdue", query="overdue=yes"))},
        lambda world: {"report": "backorders"},
    ),
    "saved-filter-delete": Route(PAGE, {"POST": Allow(OWNER, others=NOT_FOUND)}, saved_filter),
    # A large download the worker writes: its page and file are the asker's and the managers'; for
    # anyone else it is not there (404). The file not being written yet, the download goes to the page.
    "export-job": Route(PAGE, {"GET": Allow(OWNER | roles("Managers"), others=NOT_FOUND)}, export_job),
    "export-job-download": Route(PAGE, {"GET": Allow(OWNER | roles("Managers"), others=NOT_FOUND)}, export_job),
    "account-tokens": Route(PAGE, {"GET": READ}),
    "account-token-create": Route(PAGE, {"POST": Allow(SIGNED_IN)}),
    "account-token-revoke": Route(PAGE, {"POST": Allow(SIGNED_IN)}),
    "account-sign-in-locks": Route(PAGE, {"GET": Allow(roles("Managers"))}),
    "account-sign-in-unlock": Route(PAGE, {"POST": Allow(roles("Managers"))}, lambda world: {"pk": locked_attempt()}),
    # --- the API: open parts ----------------------------------------------------------------------
    # The schema and its browser describe the contract (paths, fields, enums) and hold no data:
    # test_the_open_api_schema_holds_no_data checks that nothing of the world appears in them.
    "api-schema": Route(API, {"GET": PUBLIC}),
    "api-docs": Route(API, {"GET": PUBLIC}),
    # Empty: a wrong password would count against the account's sign-in lock.
    "api-token": Route(API, {"POST": PUBLIC}),
    # --- the API: everyone signed in reads, the roles write -----------------------------------------
    "api-user-list": Route(API, {"GET": READ}),
    "api-user-detail": Route(API, {"GET": READ}, lambda world: {"pk": world.users["sales"].pk}),
    "api-client-list": Route(
        API,
        {
            "GET": READ,
            "POST": Allow(
                roles("Sales"),
                body(
                    name="Matrix Client", billing_email="ap@matrix.example.com", billing_address="1 Way", terms_days=30
                ),
            ),
        },
    ),
    "api-client-detail": Route(API, {"GET": READ, "PATCH": Allow(roles("Sales"), body(terms_days=45))}, pk("client")),
    "api-supplier-list": Route(
        API,
        {"GET": READ, "POST": Allow(roles("Sales", "Production"), body(name="Matrix Supplier", email="s@x.example"))},
    ),
    "api-supplier-detail": Route(
        API,
        {"GET": READ, "PATCH": Allow(roles("Sales", "Production"), body(email="orders@x.example"))},
        lambda world: {"pk": world.po.supplier_id},
    ),
    "api-project-list": Route(API, {"GET": READ, "POST": Allow(roles("Sales"))}),
    "api-project-detail": Route(
        API, {"GET": READ, "PATCH": Allow(roles("Sales"), body(name="Renamed"))}, pk("project")
    ),
    "api-sales-order-list": Route(API, {"GET": READ, "POST": Allow(roles("Sales"))}),
    "api-sales-order-detail": Route(
        API, {"GET": READ, "PATCH": Allow(roles("Sales"), body(in_hands_date="2031-05-01"))}, pk("order")
    ),
    # Production may move an order too, but not to shipped: 403 by the transition table.
    "api-sales-order-status": Route(API, {"POST": Allow(roles("Sales"), body(status="shipped"))}, pk("order")),
    "api-purchase-order-list": Route(API, {"GET": READ, "POST": Allow(roles("Sales", "Production"))}),
    "api-purchase-order-detail": Route(API, {"GET": READ}, pk("po")),
    "api-purchase-order-stage": Route(API, {"POST": Allow(roles("Production"), body(stage="shipped"))}, pk("po")),
    "api-purchase-order-status": Route(API, {"POST": Allow(roles("Production"), body(status="follow_up"))}, pk("po")),
    "api-purchase-order-backorders": Route(API, {"POST": Allow(roles("Production"))}, pk("po")),
    "api-backorder-list": Route(API, {"GET": READ}),
    "api-backorder-detail": Route(API, {"GET": READ}, pk("backorder")),
    "api-backorder-resolve": Route(API, {"POST": Allow(roles("Production"))}, pk("backorder")),
    "api-backorder-cancel": Route(
        API, {"POST": Allow(roles("Production"), body(reason="Discontinued"))}, pk("backorder")
    ),
    "api-note-list": Route(
        API,
        {"GET": READ, "POST": Allow(SIGNED_IN, lambda world: {"project": world.project.pk, "body": "Checked."})},
    ),
    "api-note-detail": Route(API, {"GET": READ}, pk("note")),
    "api-note-pin": Route(API, {"POST": Allow(SIGNED_IN)}, pk("note")),
    "api-note-unpin": Route(API, {"POST": Allow(SIGNED_IN)}, pk("note")),
    # The order waits in production: the roles that may issue get 409.
    "api-invoice-list": Route(
        API, {"GET": READ, "POST": Allow(roles("Invoicing"), lambda world: {"sales_order": world.order.pk})}
    ),
    "api-invoice-detail": Route(API, {"GET": READ}, pk("invoice")),
    "api-invoice-pdf": Route(API, {"GET": READ}, pk("invoice")),
    "api-invoice-send": Route(API, {"POST": Allow(roles("Invoicing"))}, pk("invoice")),
    # Only a draft is issued: the world's issued invoice answers 409.
    "api-invoice-issue": Route(API, {"POST": Allow(roles("Invoicing"))}, pk("invoice")),
    "api-invoice-status": Route(API, {"POST": Allow(roles("Invoicing"), body(status="paid"))}, pk("invoice")),
    "api-invoice-void": Route(API, {"POST": Allow(roles("Managers"), body(reason="Issued twice"))}, pk("invoice")),
    "api-invoice-undo": Route(API, {"POST": Allow(roles("Managers"), body(reason="Marked by mistake"))}, pk("invoice")),
    "api-invoice-report": Route(API, {"GET": Allow(roles("Invoicing"))}),
    "api-invoice-credit-notes": Route(
        API, {"GET": READ, "POST": Allow(roles("Managers"), body(whole=True, reason="Matrix credit"))}, pk("invoice")
    ),
    "api-credit-note-list": Route(API, {"GET": READ}),
    "api-credit-note-detail": Route(API, {"GET": READ}, world_credit_note),
    "api-credit-note-pdf": Route(API, {"GET": READ}, world_credit_note),
    "api-invoice-payments": Route(
        API, {"GET": READ, "POST": Allow(roles("Invoicing"), body(amount="1.00", method="check"))}, pk("invoice")
    ),
    "api-payment-list": Route(API, {"GET": READ}),
    "api-payment-detail": Route(API, {"GET": READ}, world_payment),
    "api-payment-undo": Route(API, {"POST": Allow(roles("Managers"), body(reason="Recorded twice"))}, world_payment),
    "api-invoice-export": Route(
        API, {"POST": Allow(roles("Invoicing"), body(format="xero", filters={}, include_exported=True))}
    ),
    "api-notification-list": Route(API, {"GET": READ}),
    "api-notification-read-all": Route(API, {"POST": Allow(SIGNED_IN)}),
    "api-notification-detail": Route(API, {"GET": Allow(OWNER, others=NOT_FOUND)}, pk("notification")),
    "api-notification-read": Route(API, {"POST": Allow(OWNER, others=NOT_FOUND)}, pk("notification")),
}

# Every view of the Django admin is wrapped in AdminSite.admin_view: staff only, others to its sign-in.
ADMIN_NAMESPACE = "admin"
ADMIN_OPEN = {"admin:login", "admin:logout"}
FORMAT_SUFFIX = "(?P<format>"


# --- discovering the URLs -----------------------------------------------------------------------


@dataclass(frozen=True)
class Found:
    route: str  # the pattern as written, prefixes joined: "api/^clients/(?P<pk>[^/.]+)/$"
    name: str | None  # namespaced: "admin:index"
    namespace: str

    @property
    def key(self) -> str:
        """The entry this URL needs; a format-suffix variant (a DefaultRouter's .json) answers like its base."""
        return self.name or f"/{self.route}"

    @property
    def format_suffix(self) -> bool:
        return FORMAT_SUFFIX in self.route


def walk(patterns, prefix: str = "", namespace: str = "") -> list[Found]:
    found = []
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}:{pattern.namespace}".strip(":") if pattern.namespace else namespace
            found += walk(pattern.url_patterns, prefix + str(pattern.pattern), inner)
        elif isinstance(pattern, URLPattern):
            name = f"{namespace}:{pattern.name}".strip(":") if pattern.name else None
            found.append(Found(route=prefix + str(pattern.pattern), name=name, namespace=namespace))
    return found


ALL_URLS = walk(get_resolver().url_patterns)
SITE_URLS = [found for found in ALL_URLS if found.namespace != ADMIN_NAMESPACE]
ADMIN_URLS = [found for found in ALL_URLS if found.namespace == ADMIN_NAMESPACE]


def test_every_url_has_an_entry():
    missing = [f"{found.key} (/{found.route})" for found in SITE_URLS if found.key not in ROUTES]
    assert not missing, "URLs without an entry in ROUTES (say who may use them): " + ", ".join(missing)


def test_every_entry_is_a_url():
    known = {found.key for found in SITE_URLS}
    assert not set(ROUTES) - known, f"entries for URLs that no longer exist: {sorted(set(ROUTES) - known)}"


def test_the_admin_is_discovered_too():
    # The admin's URLs come from its registrations; they are checked by rule in test_admin_is_staff_only.
    assert {"admin:index", "admin:login", "admin:projects_client_changelist"} <= {found.name for found in ADMIN_URLS}


# --- asking and judging ---------------------------------------------------------------------------


@functools.cache
def shared_client() -> Client:
    """One client for every request: each new one loads the middleware again, WhiteNoise's file scan included."""
    return Client()


class Session:
    """Send requests as each user, signed in with the world's sessions, each request in a rolled-back savepoint."""

    def __init__(self, world: World):
        self.world = world
        self.client = shared_client()

    def send(self, user: str, method: str, url: str, *, kind: str, data: dict | None = None):
        client = self.client
        client.cookies = SimpleCookie()
        headers = {}
        if user != SIGNED_OUT:
            if kind == API:
                headers["HTTP_AUTHORIZATION"] = f"Token {self.world.tokens[user]}"
            else:
                # A sign-out in the request is rolled back with it, so the session is good for the next.
                client.cookies[settings.SESSION_COOKIE_NAME] = self.world.sessions[user]
        with transaction.atomic():
            if method == "GET":
                response = client.get(url, **headers)
            elif kind == API:
                response = client.generic(method, url, json.dumps(data or {}), "application/json", **headers)
            elif method == "POST":
                response = client.post(url, data or {}, **headers)
            elif method in ("HEAD", "OPTIONS"):
                response = client.generic(method, url, **headers)
            else:
                response = client.generic(method, url, "", "application/x-www-form-urlencoded", **headers)
            if response.streaming:
                b"".join(response.streaming_content)
            transaction.set_rollback(True)
        return response


def outcome(response) -> str:
    """Name what came back, in the words of the table."""
    status = response.status_code
    if status in (301, 302, 303, 307, 308):
        location = response["Location"]
        if location.startswith(reverse("login") + "?next="):
            return SIGN_IN
        if location.startswith(reverse("admin:login") + "?next="):
            return ADMIN_SIGN_IN
        return OK
    if status == 409 and response.get("Content-Type", "").startswith("text/html"):
        return REFUSED_IN_PAGE
    if 200 <= status < 300 or status in (400, 409):
        return OK
    return str(status)


def expected(route: Route, method: str, user: str) -> set[str]:
    rule = route.methods.get(method)
    if rule is None:
        # A method the URL does not answer: 405, or whatever its own method answers this user.
        primary = next(iter(route.methods))
        return {NOT_ALLOWED} | expected(route, primary, user)
    if user in rule.who:
        # Allowed, though the world's state may refuse the move itself (an order not ready to invoice).
        return {OK, REFUSED_IN_PAGE}
    if user == SIGNED_OUT:
        return {SIGN_IN if route.kind == PAGE else UNAUTHORIZED}
    return {rule.others}


def test_the_table_answers_like_the_domain_says():
    # Spot checks of the table itself, in words.
    assert expected(ROUTES["invoice-void"], "POST", "invoicing") == {FORBIDDEN}
    assert expected(ROUTES["invoice-void"], "POST", SIGNED_OUT) == {SIGN_IN}
    assert expected(ROUTES["api-invoice-void"], "POST", SIGNED_OUT) == {UNAUTHORIZED}
    assert OK in expected(ROUTES["api-invoice-void"], "POST", "managers")
    assert expected(ROUTES["backorder-resolve"], "GET", "sales") == {NOT_ALLOWED, FORBIDDEN}


@pytest.mark.parametrize("found", SITE_URLS, ids=lambda found: found.key)
def test_who_may_use_each_url(world, found):
    route = ROUTES.get(found.key)
    if route is None:
        pytest.fail(f"{found.key} (/{found.route}) has no entry in ROUTES")
    kwargs = route.kwargs(world)
    url = reverse(found.name, kwargs={**kwargs, "format": "json"} if found.format_suffix else kwargs)
    session = Session(world)
    wrong = []
    for method in METHODS:
        rule = route.methods.get(method)
        data = rule.data(world) if rule and rule.data else None
        for user in USER_KEYS:
            response = session.send(user, method, url, kind=route.kind, data=data)
            got = outcome(response)
            want = expected(route, method, user)
            if got not in want:
                wrong.append(f"{method} {url} as {user}: {response.status_code} ({got}), expected {' or '.join(want)}")
    assert not wrong, "\n".join(wrong)


# --- the client's link, the open API description, the health check --------------------------------


@pytest.mark.parametrize("name", ["invoice-client-view", "invoice-client-pdf"])
@pytest.mark.parametrize(
    "token",
    ["not-a-token", "eyJpZCI6MX0:1tAbCd:forged-signature", "", "..", "%00"],
    ids=["garbage", "forged", "empty", "dots", "nul"],
)
def test_an_invalid_client_link_is_not_found(world, client, name, token):
    if not token:
        # An empty token does not even match the route.
        assert client.get("/invoices/c//").status_code == 404
        return
    response = client.get(reverse(name, args=[token]))
    assert response.status_code == 404
    assert world.invoice.number not in response.content.decode(errors="replace")


def test_a_tampered_client_link_is_not_found(world, client):
    head, _, signature = world.client_token.rpartition(":")
    tampered = f"{head}:{signature[::-1]}"
    assert client.get(reverse("invoice-client-view", args=[tampered])).status_code == 404
    assert client.get(reverse("invoice-client-view", args=[world.client_token])).status_code == 200


def test_a_client_link_shows_its_invoice_and_nothing_else(world, client):
    page = client.get(reverse("invoice-client-view", args=[world.client_token])).content.decode()
    assert world.invoice.number in page
    # No way into the desk from the client's page: no navigation, no project, no note, no PO.
    links = {link.split('"')[0] for link in page.split('href="')[1:]}
    assert all(link.startswith(("/static/", "/invoices/c/")) for link in links), links
    for private in (world.project.number, world.po.number, world.note.body[:20], world.users["sales"].username):
        assert private not in page


def test_an_expired_client_link_is_not_found(world, client, settings):
    settings.CLIENT_LINK_MAX_AGE_DAYS = -1  # every link is older than that
    assert client.get(reverse("invoice-client-view", args=[world.client_token])).status_code == 404
    assert client.get(reverse("invoice-client-pdf", args=[world.client_token])).status_code == 404


def test_a_void_invoice_link_is_not_found(world, client):
    invoice_void(invoice=world.invoice, reason="Issued twice", by=world.users["managers"])
    assert client.get(reverse("invoice-client-view", args=[world.client_token])).status_code == 404
    assert client.get(reverse("invoice-client-pdf", args=[world.client_token])).status_code == 404


def private(found: Found) -> bool:
    route = ROUTES.get(found.key)
    return route is not None and not any(SIGNED_OUT in rule.who for rule in route.methods.values())


@pytest.mark.parametrize("found", [found for found in SITE_URLS if private(found)], ids=lambda found: found.key)
def test_signed_out_no_other_method_reads_anything_either(world, found):
    route = ROUTES[found.key]
    url = reverse(found.name, kwargs=route.kwargs(world))
    session = Session(world)
    for method in ("HEAD", "OPTIONS", "PUT", "DELETE"):
        response = session.send(SIGNED_OUT, method, url, kind=route.kind)
        want = SIGN_IN if route.kind == PAGE else UNAUTHORIZED
        assert outcome(response) == want, (method, url, response.status_code)


@pytest.mark.parametrize(
    "found",
    [found for found in SITE_URLS if found.key.startswith("api-") and found.key in ROUTES],
    ids=lambda found: found.key,
)
def test_nothing_is_replaced_or_deleted_through_the_api(world, found):
    route = ROUTES[found.key]
    url = reverse(found.name, kwargs=route.kwargs(world))
    session = Session(world)
    for method in ("PUT", "DELETE"):
        response = session.send(SUPERUSER, method, url, kind=API, data={})
        assert response.status_code == 405, (method, url, response.status_code)


def test_the_open_api_schema_holds_no_data(world, client):
    schema = client.get(reverse("api-schema") + "?format=json")
    docs = client.get(reverse("api-docs"))
    assert schema.status_code == docs.status_code == 200
    text = schema.content.decode() + docs.content.decode()
    for private in (
        world.client.name,
        world.client.billing_email,
        world.project.name,
        world.mugs.description,
        world.invoice.number,
        world.note.body[:20],
        *[user.username for user in world.users.values()],
        *world.tokens.values(),
    ):
        assert private not in text


def test_the_health_check_says_ok_or_error_and_nothing_else(db, client, fresh_heartbeats):
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    answer = response.json()
    assert set(answer) == {"status", "database", "broker", "worker", "beat"}
    assert answer["status"] == "ok" and answer["database"] == "ok"


# --- CSRF -------------------------------------------------------------------------------------------


def test_a_page_post_without_the_csrf_token_is_refused(world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.users["production"])
    response = client.post(reverse("note-create", args=[world.project.pk]), {"body": "Forged"})
    assert response.status_code == 403
    assert not world.project.notes.filter(body="Forged").exists()


def test_an_api_post_with_the_session_cookie_but_no_csrf_token_is_refused(world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.users["production"])
    response = client.post(
        reverse("api-note-list"), {"project": world.project.pk, "body": "Forged"}, content_type="application/json"
    )
    assert response.status_code == 403
    assert not world.project.notes.filter(body="Forged").exists()


# --- the Django admin ---------------------------------------------------------------------------------


def admin_url(found: Found, world: World) -> str:
    """A real address for an admin pattern: ids of the world's objects where the pattern takes one."""
    if found.name == "admin:app_list":
        return reverse("admin:app_list", kwargs={"app_label": "projects"})
    if found.route.endswith("(?P<url>.*)$"):
        return "/admin/no-such-page/"
    model_ids = {
        "auth/group": world.users["sales"].groups.first().pk,
        "auth/user": world.users["sales"].pk,
        "authtoken/tokenproxy": world.users["sales"].pk,
        "projects/client": world.client.pk,
        "projects/supplier": world.po.supplier_id,
        "projects/project": world.project.pk,
        "projects/salesorder": world.order.pk,
        "projects/purchaseorder": world.po.pk,
        "projects/note": world.note.pk,
        "projects/activity": world.project.activities.first().pk,
        "backorders/backorder": world.backorder.pk,
        "invoicing/invoice": world.invoice.pk,
        "invoicing/invoicenumbersequence": "invoice",
        "notifications/notification": world.notification.pk,
        "notifications/notificationpreference": 0,
    }
    route = found.route.removeprefix("admin/")
    object_id = next((value for prefix, value in model_ids.items() if route.startswith(prefix + "/")), 1)
    route = route.replace("<path:object_id>", str(object_id)).replace("<id>", str(object_id))
    route = route.replace("<path:content_type_id>", str(ContentType.objects.get_for_model(world.project).pk))
    return "/admin/" + route


# To the admin, every desk user is alike: not staff. The most trusted of them stands for all.
ADMIN_USERS = (SIGNED_OUT, "managers", SUPERUSER)


@pytest.mark.parametrize("found", ADMIN_URLS, ids=lambda found: found.name or found.route)
def test_admin_is_staff_only(world, found):
    url = admin_url(found, world)
    session = Session(world)
    wrong = []
    for method in ("GET", "POST"):
        for user in ADMIN_USERS:
            if user == SUPERUSER and method == "POST":
                continue  # the admin's own forms; staff use them knowingly
            response = session.send(user, method, url, kind=PAGE)
            got = outcome(response)
            if found.name in ADMIN_OPEN:
                want = {OK, NOT_ALLOWED}
            elif user == SUPERUSER:
                # Staff get in; the admin still refuses to add or delete what only the services write
                # (403), autocomplete wants its query (403) and an unknown admin page is not found.
                want = {OK, FORBIDDEN, NOT_FOUND}
            else:
                want = {ADMIN_SIGN_IN}
            if got not in want:
                wrong.append(f"{method} {url} as {user}: {response.status_code} ({got}), expected {' or '.join(want)}")
    assert not wrong, "\n".join(wrong)
