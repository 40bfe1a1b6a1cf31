"""Every page of the desk, for the browser tests that look at each one (narrow screens, accessibility).

The pages are read from the URL configuration, so a page added later is looked at too: one that
takes arguments needs an entry in KWARGS (which object of the world it shows), and a URL that is
not a page to look at needs an entry in SKIP saying why. `unmapped()` names anything else.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.contrib.auth.models import User
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from backorders.models import Backorder, SupplierProposal
from backorders.services import BackorderRequest, backorder_flag
from invoicing.credit_notes import credit_note_create
from invoicing.models import CreditNote, Invoice
from invoicing.payments import payment_record
from invoicing.services.issue import invoice_create
from notifications.models import Notification
from projects.models import Client, Note, Project, SalesOrder
from projects.services.notes import note_create
from purchasing.models import PurchaseOrder, Supplier
from reports.models import ExportJob
from tests.conftest import MugOrder
from tests.factories import SalesOrderFactory, SalesOrderItemFactory, UserFactory

# URLs under these prefixes are not pages of the desk: the API answers JSON, the admin is Django's own.
NOT_PAGES = ("api/", "admin/")

# Named URLs that are not pages to look at, and why.
SKIP = {
    # Signing in and out: the sign-in page is looked at signed out (test_signed_out_pages_fit_a_phone);
    # signed in it sends to the desk. Signing out is a POST.
    "login": "looked at signed out",
    "logout": "POST only",
    "healthz": "JSON for load balancers",
    "favicon": "the icon browsers ask for, not a page",
    # Forms post here; their pages are the project, sales order, PO and invoice pages.
    "note-create": "POST only",
    "note-pin": "POST only",
    "sales-order-status": "POST only",
    "purchase-order-stage": "POST only",
    "purchase-order-stage-bulk": "POST only",
    "purchase-order-status": "POST only",
    "backorder-flag": "POST only",
    "backorder-resolve": "POST only",
    "backorder-cancel": "POST only",
    "backorder-expected-date": "POST only",
    "supplier-proposal-confirm": "POST only",
    "supplier-proposal-dismiss": "POST only",
    "invoice-send": "POST only",
    "invoice-status": "POST only",
    "invoice-void": "POST only",
    "invoice-undo": "POST only",
    "invoice-payment-record": "POST only",
    "invoice-payment-undo": "POST only",
    "invoice-issue": "POST only",
    "invoice-delete": "POST only",
    # The create-invoice form filled from a draft's lines: the same page as invoice-create.
    "invoice-edit": "looked at as invoice-create",
    "purchase-order-email": "POST only",
    "purchase-order-stock-check": "POST only",
    "sales-order-purchase-orders-email": "POST only",
    "notification-read": "POST only",
    "notification-read-all": "POST only",
    # Marks the notification read, then sends to the page it is about, which is looked at anyway.
    "notification-open": "marks read and redirects",
    "account-token-create": "POST only",
    "account-token-revoke": "POST only",
    "account-sign-in-unlock": "POST only",
    "saved-filter-create": "POST only: comes back to its report",
    "saved-filter-delete": "POST only",
    # htmx fragments swapped into a page (the note form's suggestions, the order editor's totals).
    "mention-suggestions": "htmx fragment",
    "sales-order-totals": "POST only: htmx fragment",
    # Downloads, not pages.
    "invoice-accounting-export": "POST only: downloads an accounting import file",
    "invoice-pdf": "PDF download",
    "credit-note-pdf": "PDF download",
    "purchase-order-pdf": "PDF download",
    "invoice-client-pdf": "PDF download",
    "order-status-ok-to-ship": "POST only: comes back to the client's status page",
    "client-update-send": "POST only",
    "client-update-dismiss": "POST only",
    "import-template": "CSV or XLSX download",
    "import-confirm": "POST only: comes back to the import's page",
    "export-everything": "ZIP download",
    # The first-run page's forms post here and come back to it (welcome), which is looked at.
    "welcome-manager": "POST only: comes back to the first-run page",
    "welcome-demo": "POST only: comes back to the first-run page or goes home",
    # A large export's file (before it is written, its page, which is looked at as export-job).
    "export-job-download": "file download",
    # The client's link is looked at signed out (test_signed_out_pages_fit_a_phone).
    "invoice-client-view": "looked at signed out",
    # So is the client's status page of an order: it has no navigation to fold.
    "order-status-client-view": "looked at signed out",
}


@dataclass
class World:
    """A desk with something on every page: a project along the backorder story, and a second order to invoice."""

    manager: User
    client: Client
    supplier: Supplier
    project: Project
    order: SalesOrder
    ready_order: SalesOrder
    po: PurchaseOrder
    backorder: Backorder
    note: Note
    invoice: Invoice
    notification: Notification
    credit_note: CreditNote


# Which object of the world each page that takes arguments shows.
KWARGS: dict[str, Callable[[World], dict]] = {
    "client-detail": lambda world: {"pk": world.client.pk},
    "client-edit": lambda world: {"pk": world.client.pk},
    "supplier-detail": lambda world: {"pk": world.supplier.pk},
    "supplier-edit": lambda world: {"pk": world.supplier.pk},
    "project-detail": lambda world: {"pk": world.project.pk},
    "project-edit": lambda world: {"pk": world.project.pk},
    "sales-order-create": lambda world: {"pk": world.project.pk},
    "sales-order-detail": lambda world: {"pk": world.order.pk},
    # The order with no invoice yet: its items can still change, so the editor shows every field.
    "sales-order-edit": lambda world: {"pk": world.ready_order.pk},
    # The order with no PO yet, so the page proposes the POs to create.
    "sales-order-purchase-orders": lambda world: {"pk": world.ready_order.pk},
    "purchase-order-detail": lambda world: {"pk": world.po.pk},
    # An order Ready to be Invoiced, so the page shows its form rather than why it cannot.
    "invoice-create": lambda world: {"sales_order_pk": world.ready_order.pk},
    "invoice-detail": lambda world: {"pk": world.invoice.pk},
    # The world's invoice has one credit note and more left to credit, so the form shows its lines.
    "credit-note-create": lambda world: {"pk": world.invoice.pk},
    "credit-note-detail": lambda world: {"pk": world.credit_note.pk},
    "import-kind": lambda world: {"kind": "clients"},
    # A file of clients previewed: its page lists a row to create and a refused one.
    "import-preview": lambda world: {"pk": import_run(world).pk},
    # A file whose columns need matching by hand.
    "import-columns": lambda world: {"pk": import_run(world, headers="Account,Accounts Email").pk},
    # A large export the manager asked for, half written: the page shows its progress bar.
    "export-job": lambda world: {"pk": running_export(world).pk},
}


def import_run(world: World, headers: str = "Customer,Email"):
    """A file of clients the world's manager uploaded and has not confirmed."""
    from imports.kinds import KINDS
    from imports.services import import_upload

    content = f"{headers}\nHarbor Fair Events International,ap@harbor.example.com\nDunes,not an email\n"
    return import_upload(kind=KINDS["clients"], file_name="clients.csv", content=content.encode(), by=world.manager)


def running_export(world: World) -> ExportJob:
    job, _ = ExportJob.objects.get_or_create(
        requested_by=world.manager,
        kind=ExportJob.Kind.INVOICES_CSV,
        defaults={
            "status": ExportJob.Status.RUNNING,
            "rows_total": 48_000,
            "rows_written": 12_000,
            "filename": "invoices-report.csv",
            "expires_at": timezone.now() + timedelta(days=1),
        },
    )
    return job


# Query strings that make a page show rows rather than its empty state.
QUERIES = {"search": "q=Northwind", "sales-order-list": "status=ready_to_be_invoiced"}


@dataclass(frozen=True)
class Route:
    name: str
    route: str
    arguments: tuple[str, ...]


def walk(patterns, prefix: str = "") -> list[Route]:
    """Every named URL of the site with its route and the names of its arguments."""
    found = []
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            found += walk(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern) and pattern.name:
            arguments = tuple(getattr(pattern.pattern, "converters", {})) or tuple(pattern.pattern.regex.groupindex)
            found.append(Route(pattern.name, prefix + str(pattern.pattern), arguments))
    return found


def page_routes() -> list[Route]:
    return [route for route in walk(get_resolver().url_patterns) if not route.route.startswith(NOT_PAGES)]


def unmapped() -> list[str]:
    """The page URLs that take arguments and have no entry in KWARGS or SKIP."""
    return [
        f"{route.name} (/{route.route}, takes {', '.join(route.arguments)})"
        for route in page_routes()
        if route.arguments and route.name not in KWARGS and route.name not in SKIP
    ]


def build_world(*, mug_order: MugOrder, production_rep: User, sales_rep: User, invoicing_rep: User) -> World:
    """Write the world every page is looked at in; the caller's settings hash passwords cheaply."""
    manager = UserFactory(
        username="morgan",
        first_name="Morgan",
        last_name="Montgomery-Featherstonehaugh",
        roles=["Production", "Sales", "Invoicing", "Managers"],
    )
    project = mug_order.order.project
    # Long names and an unbroken web address: what pushes a narrow page sideways if anything does.
    client = project.client
    client.name = "Northwind Promotional Products & Corporate Events International"
    client.billing_email = "accounts.payable.department@northwind-promotional-products.example.com"
    client.save()
    project.name = "Spring trade fair giveaways for the regional sales conference"
    project.save()
    mug_order.mugs.description = "11 oz ceramic mug, white, two-colour screen print on both sides, gift boxed"
    mug_order.mugs.save()
    supplier = mug_order.po.supplier
    supplier.name = "Consolidated Drinkware Manufacturing Company"
    # Its order status service, last asked in vain: the supplier page shows the address and the error.
    supplier.order_status_url = (
        "https://orderstatus.consolidated-drinkware-manufacturing.example.com/promostandards/OrderStatus/1.0.0"
    )
    supplier.order_status_username = "northwind-promotional-products-order-desk"
    supplier.order_status_error = "The service did not answer within 10 seconds."
    supplier.order_status_error_at = timezone.now()
    supplier.save()

    flagged = backorder_flag(
        purchase_order=mug_order.po,
        status=PurchaseOrder.Status.PROBLEM,
        items=[
            BackorderRequest(
                mug_order.po_mugs, 200, timezone.localdate() + timedelta(days=7), "Supplier short on white mugs"
            )
        ],
        note=(
            "@sam @ivy 300 mugs and the setup charge can be invoiced now; 200 mugs follow. Tracking: "
            "https://tracking.drinkware.example.com/shipments/1Z999AA10123456784?reference=PO-1001-backorder"
        ),
        by=production_rep,
    )
    # What the supplier's status proposes on the PO page: one needs a date typed, one is a single click.
    proposed = ((SupplierProposal.Kind.BACKORDER, mug_order.po_setup), (SupplierProposal.Kind.GOODS_READY, None))
    for kind, item in proposed:
        SupplierProposal.objects.create(
            purchase_order=mug_order.po,
            purchase_order_item=item,
            kind=kind,
            quantity=1 if item else None,
            supplier_status_code="44",
            supplier_status="44 Back Order Hold",
            detail="Imprint plates delayed at the engraver; the factory expects them within two weeks",
        )
    invoice = invoice_create(sales_order=mug_order.order, by=invoicing_rep)
    # Ten mugs came chipped: the invoice page lists a credit note, and the order has them to invoice again.
    credit_note = credit_note_create(
        invoice=invoice,
        lines=[(invoice.lines.get(sales_order_item=mug_order.mugs).pk, 10)],
        reason="Ten mugs arrived chipped; the client keeps the rest",
        by=manager,
    )
    # Part of it paid today: the invoice page lists the payment, and a manager may still take it back.
    payment_record(
        invoice=invoice,
        date=timezone.localdate(),
        amount=Decimal("500.00"),
        method="ach",
        reference="ACH trace 091000019-2026-000417-NORTHWIND-PROMOTIONAL",
        by=invoicing_rep,
    )
    note_create(project=project, body="@morgan the client asked for the final invoice by Friday.", by=sales_rep)
    ready_order = SalesOrderFactory(number="SO-1002", project=project, status=SalesOrder.Status.READY_TO_BE_INVOICED)
    SalesOrderItemFactory(
        sales_order=ready_order,
        description="Embroidered six-panel cap, navy, left-front logo",
        quantity=120,
        unit_price=Decimal("12.40"),
        position=0,
    )
    SalesOrderItemFactory(sales_order=ready_order, description="Tote bag", quantity=40, unit_price=Decimal("3.35"))
    mug_order.order.refresh_from_db()
    return World(
        manager=manager,
        client=client,
        supplier=supplier,
        project=project,
        order=mug_order.order,
        ready_order=ready_order,
        po=mug_order.po,
        backorder=flagged.backorders[0],
        note=flagged.note,
        invoice=invoice,
        notification=Notification.objects.get(recipient=manager),
        credit_note=credit_note,
    )


def addresses(world: World) -> list[tuple[str, str]]:
    """(name, address) of every page of the desk, signed in; `unmapped()` names those it cannot open."""
    found = []
    for route in page_routes():
        if route.name in SKIP or (route.arguments and route.name not in KWARGS):
            continue
        kwargs = KWARGS[route.name](world) if route.arguments else {}
        query = QUERIES.get(route.name)
        found.append((route.name, reverse(route.name, kwargs=kwargs) + (f"?{query}" if query else "")))
    return found
