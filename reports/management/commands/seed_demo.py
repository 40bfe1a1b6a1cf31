"""Load the demo: users, clients, suppliers, a dozen projects along the backorder story, and history.

The story projects are written through the services, so their activity logs, counters and
notifications are the real thing. `--invoices N` adds N issued invoices of history in bulk for the
reports and benchmarks; those rows are written directly, with the same arithmetic as the services.
"""

import contextlib
import dataclasses
import logging
import random
import secrets
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.contrib.auth.models import Group, User
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models.functions import Length
from django.test.utils import override_settings
from django.utils import timezone

from backorders.models import Backorder
from backorders.services import BackorderRequest, backorder_flag
from core import locks
from core.money import line_amount, line_tax
from core.roles import Role
from invoicing.models import Invoice, InvoiceLine, Payment, PaymentMethod
from invoicing.services.issue import SEQUENCE_NAME, invoice_create, invoice_line_for, invoice_number
from invoicing.services.marks import invoice_status_change
from invoicing.services.sending import invoice_send
from invoicing.services.void import invoice_void
from projects.models import Client, CompanySettings, Project, SalesOrder, SalesOrderItem
from projects.services.clients import client_create
from projects.services.projects import project_create
from projects.services.sales_orders import ItemRequest, sales_order_create, sales_order_status_change
from purchasing.models import PurchaseOrder, PurchaseOrderItem, Supplier
from purchasing.services import PurchaseItemRequest, purchase_order_create, purchase_order_stage_change, supplier_create

SIGN_INS_FILE = Path(settings.BASE_DIR) / ".demo-sign-ins"

# (user name, first name, last name, group); the superuser comes first.
DEMO_USERS = [
    ("admin", "Ada", "Admin", None),
    ("pat.production", "Pat", "Producer", Role.PRODUCTION),
    ("sam.sales", "Sam", "Seller", Role.SALES),
    ("ivy.invoicing", "Ivy", "Invoicer", Role.INVOICING),
    ("max.manager", "Max", "Manager", Role.MANAGERS),
]
# More order reps, so the history and the report's rep filter have several to tell apart.
OTHER_ORDER_REPS = [
    ("nora.sales", "Nora", "North"),
    ("omar.sales", "Omar", "Ortiz"),
    ("rita.sales", "Rita", "Reyes"),
]

CLIENTS = [
    ("Harbor Coffee Roasters", 30),
    ("Summit Trail Running Club", 15),
    ("Bluebird Dental Group", 30),
    ("Lakeside Community College", 45),
    ("Redline Motorsports", 30),
    ("Greenleaf Organic Market", 15),
    ("Northstar Credit Union", 30),
    ("Maple Street Brewery", 30),
    ("Pinecrest Veterinary Clinic", 30),
    ("Orbit Software Labs", 60),
    ("Riverside Youth Soccer", 15),
    ("Copper Canyon Resort", 45),
]

SUPPLIERS = ["Cascade Drinkware Co.", "Ridge Apparel Supply", "Beacon Print Works", "Copperleaf Bags & Totes"]

# What the history sells: (description, unit price range in dollars, typical quantities).
CATALOG = [
    ("11 oz ceramic mug, 2-colour print", (3.5, 6.5), (144, 250, 500)),
    ("20 oz insulated tumbler, laser engraved", (12.0, 19.0), (50, 100, 250)),
    ("Cotton tee, 1-colour front print", (6.5, 11.0), (100, 200, 300, 500)),
    ("Pullover hoodie, embroidered left chest", (22.0, 34.0), (50, 100, 150)),
    ("Performance polo, embroidered", (18.0, 27.0), (48, 96, 144)),
    ("Canvas tote, full-colour print", (4.0, 8.5), (200, 300, 500)),
    ("Retractable ballpoint pen, imprinted", (0.6, 1.4), (500, 1000, 2500)),
    ("Lanyard with safety breakaway", (1.2, 2.6), (250, 500, 1000)),
    ("Structured cap, 3D embroidery", (9.0, 15.0), (72, 144, 288)),
    ("Stainless water bottle, 24 oz", (9.5, 16.0), (100, 200, 300)),
    ("Spiral notebook, debossed cover", (3.0, 6.0), (100, 250, 500)),
    ("Vinyl banner, 3 × 6 ft", (55.0, 95.0), (2, 4, 6)),
]
SERVICES = [
    ("Setup charge", (45.0, 95.0)),
    ("Embroidery digitizing", (35.0, 65.0)),
    ("Freight", (40.0, 180.0)),
    ("Rush production", (75.0, 150.0)),
]
TAX_RATES = [Decimal("0.00"), Decimal("6.50"), Decimal("8.25"), Decimal("10.00")]

# The seller's details on every invoice: filled where the admin has left them blank (the name and
# address come from DISTRIBUTOR_NAME and DISTRIBUTOR_ADDRESS the first time the settings are read).
DEMO_COMPANY = {
    "tax_id": "EIN 93-4418207",
    "email": "billing@northwind-promo.example.com",
    "phone": "+1 503 555 0142",
    "website": "www.northwind-promo.example.com",
    "remit_to": (
        "Northwind Promotional Products, Accounts Receivable\n"
        "120 Harbor Street, Portland, OR 97201\n"
        "ACH / wire: Pacific Harbor Bank, routing (ABA) 123000848, account 4471 0093 2218\n"
        "SWIFT PHBKUS6P"
    ),
}

HISTORY_DAYS = 730  # the bulk history covers about the last 24 months
CHUNK_INVOICES = 2000  # invoices written per transaction


class Command(BaseCommand):
    help = "Load demo users, clients, suppliers and projects; --invoices N adds N invoices of history in bulk."

    def add_arguments(self, parser):
        parser.add_argument("--if-empty", action="store_true", help="Do nothing when any user exists.")
        parser.add_argument("--password", help="The demo users' password (default: a random one).")
        parser.add_argument("--invoices", type=int, default=0, help="Add this many issued invoices of history.")
        parser.add_argument("--seed", type=int, default=None, help="Random seed of the history, to repeat it.")
        parser.add_argument(
            "--sign-ins-file", default=str(SIGN_INS_FILE), help="Where to write the sign-ins ('' to skip)."
        )

    def handle(self, *args, **options):
        if options["invoices"] < 0:
            raise CommandError("--invoices must be 0 or more.")
        if options["if_empty"] and User.objects.exists():
            self.stdout.write("demo data already loaded")
            return
        password = options["password"] or secrets.token_urlsafe(12)
        users = self._users(password)
        self._write_sign_ins(password, options["sign_ins_file"])
        self._company()

        # The console mail backend would print every demo notification and invoice email here, and
        # eager Celery a line per task (and kombu a warning that no broker host was given).
        quiet_mail = settings.EMAIL_BACKEND.endswith("console.EmailBackend")
        mail = override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend")
        noisy = [logging.getLogger(name) for name in ("celery.app.trace", "kombu.connection")]
        levels = [log.level for log in noisy]
        for log in noisy:
            log.setLevel(logging.ERROR)
        try:
            with mail if quiet_mail else contextlib.nullcontext():
                self._load_story(users)
        finally:
            for log, level in zip(noisy, levels, strict=True):
                log.setLevel(level)
        if options["invoices"]:
            history = History(
                users=users, rng=random.Random(options["seed"]), today=timezone.localdate(), stdout=self.stdout
            )
            started = timezone.now()
            history.add(options["invoices"])
            seconds = (timezone.now() - started).total_seconds()
            self.stdout.write(f"Added {options['invoices']:,} invoices of history in {seconds:.1f} s.")

    def _company(self) -> None:
        company = CompanySettings.load()
        blank = [name for name, value in DEMO_COMPANY.items() if not getattr(company, name).strip()]
        for name in blank:
            setattr(company, name, DEMO_COMPANY[name])
        if blank:
            company.save(update_fields=blank)

    def _load_story(self, users: dict[str, User]) -> None:
        if Project.objects.filter(name__in=[story.name for story in STORIES]).exists():
            self.stdout.write("The demo projects are already there; leaving them as they are.")
            return
        DemoStory(users=users, today=timezone.localdate()).load()
        self.stdout.write(f"Loaded {len(STORIES)} demo projects along the backorder story.")

    def _users(self, password: str) -> dict[str, User]:
        users: dict[str, User] = {}
        groups = {group.name: group for group in Group.objects.filter(name__in=Role.ALL)}
        rows = [*DEMO_USERS, *((name, first, last, Role.SALES) for name, first, last in OTHER_ORDER_REPS)]
        for username, first_name, last_name, role in rows:
            user, _ = User.objects.get_or_create(username=username)
            user.first_name, user.last_name = first_name, last_name
            user.email = f"{username}@desk.example.com"
            user.is_active = True
            user.is_staff = user.is_superuser = role is None
            user.set_password(password)
            user.save()
            if role is not None:
                user.groups.set([groups[role]])
            users[username] = user
        return users

    def _write_sign_ins(self, password: str, path: str) -> None:
        lines = [f"Demo sign-ins (every user's password: {password})"]
        for username, _first, _last, role in DEMO_USERS:
            lines.append(f"  {username:<16} {role or 'superuser (also /admin/)'}")
        lines.append(f"  Other order reps: {', '.join(name for name, _f, _l in OTHER_ORDER_REPS)}")
        text = "\n".join(lines) + "\n"
        self.stdout.write(text, ending="")
        if path:
            Path(path).write_text(text)


# --- the story: a dozen projects, each waiting at one step ---------------------------------------


@dataclass(frozen=True)
class StoryProject:
    name: str
    client: str
    supplier: str
    step: str  # where the project waits, for the reader of this file


STORIES = [
    StoryProject("Spring fair mugs", "Harbor Coffee Roasters", "Cascade Drinkware Co.", "backorder just flagged"),
    StoryProject("Trail race tees and hoodies", "Summit Trail Running Club", "Ridge Apparel Supply", "partly invoiced"),
    StoryProject("Patient welcome totes", "Bluebird Dental Group", "Copperleaf Bags & Totes", "ready for billing"),
    StoryProject("Campus welcome kits", "Lakeside Community College", "Beacon Print Works", "fully invoiced"),
    StoryProject("Pit crew jackets", "Redline Motorsports", "Ridge Apparel Supply", "new"),
    StoryProject("Market day totes", "Greenleaf Organic Market", "Copperleaf Bags & Totes", "pending approval"),
    StoryProject("Member appreciation pens", "Northstar Credit Union", "Beacon Print Works", "client approved"),
    StoryProject("Taproom pint glasses", "Maple Street Brewery", "Cascade Drinkware Co.", "in production"),
    StoryProject("Holiday gift boxes", "Harbor Coffee Roasters", "Beacon Print Works", "shipped"),
    StoryProject("Staff polo shirts", "Pinecrest Veterinary Clinic", "Ridge Apparel Supply", "invoice voided"),
    StoryProject("Fun run water bottles", "Riverside Youth Soccer", "Cascade Drinkware Co.", "overdue backorder"),
    StoryProject("Open house banners", "Orbit Software Labs", "Beacon Print Works", "invoiced and paid"),
]


def _item(description: str, quantity: int, price: str, cost: str, tax: str = "8.25", service: bool = False):
    return ItemRequest(
        description=description,
        quantity=quantity,
        unit_price=Decimal(price),
        unit_cost=Decimal(cost),
        tax_rate=Decimal(tax),
        kind=SalesOrderItem.Kind.SERVICE if service else SalesOrderItem.Kind.PRODUCT,
    )


class DemoStory:
    """Walk each demo project to its step through the services, as the reps would."""

    def __init__(self, *, users: dict[str, User], today: date):
        self.today = today
        self.sam = users["sam.sales"]
        self.pat = users["pat.production"]
        self.ivy = users["ivy.invoicing"]
        self.max = users["max.manager"]
        self.order_reps = [users["sam.sales"], *(users[name] for name, _f, _l in OTHER_ORDER_REPS)]
        self.clients: dict[str, Client] = {}
        self.suppliers: dict[str, Supplier] = {}

    @transaction.atomic
    def load(self) -> None:
        for name, terms in CLIENTS:
            self.clients[name] = Client.objects.filter(name=name).first() or client_create(
                by=self.sam,
                name=name,
                billing_email=f"accounts@{name.lower().replace(' ', '-').replace('&', 'and')}.example.com",
                billing_address="100 Commerce Way\nPortland, OR 97201",
                terms_days=terms,
            )
        for name in SUPPLIERS:
            self.suppliers[name] = Supplier.objects.filter(name=name).first() or supplier_create(
                by=self.sam, name=name, email=f"orders@{name.lower().split()[0]}.example.com"
            )
        for story in STORIES:
            getattr(self, "_" + story.step.replace(" ", "_"))(story)

    # Helpers that move one order along.

    def _order(self, story: StoryProject, items: list[ItemRequest], rep: User | None = None):
        project = project_create(
            name=story.name,
            client=self.clients[story.client],
            order_rep=rep or self.sam,
            production_rep=self.pat,
            invoicing_rep=self.ivy,
            by=self.sam,
        )
        # Every item names its supplier, so "Create purchase orders" works on the demo's new orders.
        supplier = self.suppliers[story.supplier]
        order = sales_order_create(
            project=project,
            items=[dataclasses.replace(item, supplier=supplier) for item in items],
            by=self.sam,
            in_hands_date=self.today + timedelta(days=21),
        )
        return project, order

    def _purchase(self, story: StoryProject, order: SalesOrder) -> PurchaseOrder:
        return purchase_order_create(
            sales_order=order,
            supplier=self.suppliers[story.supplier],
            items=[PurchaseItemRequest(item, item.quantity) for item in order.items.all()],
            by=self.sam,
        )

    def _to_production(self, order: SalesOrder) -> None:
        sales_order_status_change(sales_order=order, status=SalesOrder.Status.CLIENT_APPROVED, by=self.sam)
        sales_order_status_change(sales_order=order, status=SalesOrder.Status.IN_PRODUCTION, by=self.sam)

    def _stage(self, po: PurchaseOrder, stage: str) -> None:
        purchase_order_stage_change(purchase_order=po, stage=stage, by=self.pat)

    def _flag(self, po: PurchaseOrder, description: str, quantity: int, reason: str, ready: bool = True):
        po_item = PurchaseOrderItem.objects.get(purchase_order=po, sales_order_item__description=description)
        order = po.sales_order
        return backorder_flag(
            purchase_order=po,
            status=PurchaseOrder.Status.PROBLEM,
            items=[BackorderRequest(po_item, quantity, self.today + timedelta(days=10), reason)],
            note=(
                f"@{self.sam.username} @{self.ivy.username} {quantity} × {description} are backordered "
                f"({reason.lower()}). Everything else on {order.number} can be invoiced now."
            ),
            by=self.pat,
            ready_to_invoice=ready,
        )

    def _backorder_story(self, story: StoryProject, items: list[ItemRequest], short: tuple[str, int, str]):
        project, order = self._order(story, items)
        po = self._purchase(story, order)
        self._to_production(order)
        self._stage(po, PurchaseOrder.Stage.CONFIRMED)
        self._flag(po, *short)
        return project, order, po

    def _days_ago(self, days: int) -> date:
        return self.today - timedelta(days=days)

    # One method per step of the story.

    def _backorder_just_flagged(self, story: StoryProject) -> None:
        self._backorder_story(
            story,
            [
                _item("11 oz mug, 2-colour print", 500, "4.25", "2.10"),
                _item("Setup charge", 1, "65.00", "40.00", service=True),
            ],
            ("11 oz mug, 2-colour print", 200, "Supplier short on white mugs"),
        )

    def _partly_invoiced(self, story: StoryProject) -> None:
        _project, order, _po = self._backorder_story(
            story,
            [
                _item("Cotton tee, 1-colour front print", 300, "8.50", "4.20"),
                _item("Pullover hoodie, embroidered left chest", 150, "24.00", "13.50"),
                _item("Embroidery digitizing", 1, "45.00", "25.00", service=True),
            ],
            ("Pullover hoodie, embroidered left chest", 100, "Heather grey hoodies out of stock"),
        )
        invoice_create(sales_order=order, by=self.ivy, invoice_date=self._days_ago(6))

    def _ready_for_billing(self, story: StoryProject) -> None:
        _project, order, po = self._backorder_story(
            story,
            [
                _item("Canvas tote, full-colour print", 400, "6.75", "3.10"),
                _item("Freight", 1, "85.00", "70.00", tax="0.00", service=True),
            ],
            ("Canvas tote, full-colour print", 150, "Print run split over two days"),
        )
        invoice_create(sales_order=order, by=self.ivy, invoice_date=self._days_ago(12))
        self._stage(po, PurchaseOrder.Stage.READY_FOR_BILLING)

    def _fully_invoiced(self, story: StoryProject) -> None:
        _project, order, po = self._backorder_story(
            story,
            [
                _item("Spiral notebook, debossed cover", 600, "4.10", "1.90"),
                _item("Retractable ballpoint pen, imprinted", 1200, "0.95", "0.35"),
                _item("Setup charge", 1, "75.00", "45.00", service=True),
            ],
            ("Retractable ballpoint pen, imprinted", 500, "Blue barrels on back order at the mill"),
        )
        partial = invoice_create(sales_order=order, by=self.ivy, invoice_date=self._days_ago(40))
        invoice_status_change(invoice=partial, status=Invoice.Status.PAID, by=self.ivy)
        self._stage(po, PurchaseOrder.Stage.READY_FOR_BILLING)
        final = invoice_create(sales_order=order, by=self.ivy, invoice_date=self._days_ago(8))
        invoice_send(invoice=final, by=self.ivy)

    def _new(self, story: StoryProject) -> None:
        self._order(
            story,
            [
                _item("Softshell jacket, embroidered back", 40, "58.00", "31.00"),
                _item("Embroidery digitizing", 1, "65.00", "35.00", service=True),
            ],
            rep=self.order_reps[1],
        )

    def _pending_approval(self, story: StoryProject) -> None:
        _project, order = self._order(
            story, [_item("Jute market tote, 1-colour print", 250, "5.40", "2.60")], rep=self.order_reps[2]
        )
        sales_order_status_change(sales_order=order, status=SalesOrder.Status.PENDING_CLIENT_APPROVAL, by=self.sam)

    def _client_approved(self, story: StoryProject) -> None:
        _project, order = self._order(
            story,
            [
                _item("Retractable ballpoint pen, imprinted", 2500, "0.85", "0.31"),
                _item("Setup charge", 1, "55.00", "30.00", service=True),
            ],
        )
        sales_order_status_change(sales_order=order, status=SalesOrder.Status.CLIENT_APPROVED, by=self.sam)
        self._purchase(story, order)

    def _in_production(self, story: StoryProject) -> None:
        _project, order = self._order(story, [_item("16 oz pint glass, 2-colour print", 288, "5.95", "2.70")])
        po = self._purchase(story, order)
        self._to_production(order)
        self._stage(po, PurchaseOrder.Stage.SUBMITTED)

    def _shipped(self, story: StoryProject) -> None:
        _project, order = self._order(
            story,
            [
                _item("Kraft gift box with coffee and mug", 120, "32.00", "18.00"),
                _item("Freight", 1, "140.00", "120.00", tax="0.00", service=True),
            ],
            rep=self.order_reps[3],
        )
        po = self._purchase(story, order)
        self._to_production(order)
        self._stage(po, PurchaseOrder.Stage.SHIPPED)  # every PO shipped: the order ships too (rule 3)

    def _invoice_voided(self, story: StoryProject) -> None:
        _project, order = self._order(
            story, [_item("Performance polo, embroidered", 60, "23.50", "12.75")], rep=self.order_reps[1]
        )
        po = self._purchase(story, order)
        self._to_production(order)
        self._stage(po, PurchaseOrder.Stage.READY_FOR_BILLING)
        invoice = invoice_create(sales_order=order, by=self.ivy, invoice_date=self._days_ago(3))
        invoice_void(
            invoice=invoice, reason="Client asked for the polos to be billed to their second office.", by=self.max
        )

    def _overdue_backorder(self, story: StoryProject) -> None:
        _project, order = self._order(
            story,
            [
                _item("Stainless water bottle, 24 oz", 350, "11.80", "6.10"),
                _item("Setup charge", 1, "60.00", "35.00", service=True),
            ],
            rep=self.order_reps[2],
        )
        po = self._purchase(story, order)
        self._to_production(order)
        self._stage(po, PurchaseOrder.Stage.CONFIRMED)
        result = self._flag(po, "Stainless water bottle, 24 oz", 120, "Powder coat line down", ready=False)
        # The services refuse past dates, as a person would be refused; the demo needs one that slipped.
        Backorder.objects.filter(pk__in=[b.pk for b in result.backorders]).update(
            expected_date=self._days_ago(5), created_at=timezone.now() - timedelta(days=26)
        )

    def _invoiced_and_paid(self, story: StoryProject) -> None:
        _project, order = self._order(
            story, [_item("Vinyl banner, 3 × 6 ft", 4, "78.00", "41.00")], rep=self.order_reps[3]
        )
        po = self._purchase(story, order)
        self._to_production(order)
        self._stage(po, PurchaseOrder.Stage.READY_FOR_BILLING)
        invoice = invoice_create(sales_order=order, by=self.ivy, invoice_date=self._days_ago(25))
        invoice_status_change(invoice=invoice, status=Invoice.Status.PAID, by=self.ivy)


# --- the history: N issued invoices in bulk -----------------------------------------------------


@dataclass
class _Order:
    """One sales order of the history and the invoices it gets, before anything is written."""

    project: int  # index into the chunk's projects
    client: Client
    items: list[SalesOrderItem]
    invoices: list[tuple[Invoice, list[tuple[int, int]]]] = field(default_factory=list)  # (invoice, [(item, qty)])
    status: str = SalesOrder.Status.INVOICED


class History:
    """Write issued invoices with their projects, orders and items, consistent with the services' rules."""

    def __init__(self, *, users: dict[str, User], rng: random.Random, today: date, stdout):
        self.rng = rng
        self.today = today
        self.stdout = stdout
        self.order_reps = [users["sam.sales"], *(users[name] for name, _f, _l in OTHER_ORDER_REPS)]
        self.production_rep = users["pat.production"]
        self.invoicing_reps = [users["ivy.invoicing"], users["ivy.invoicing"], users["max.manager"]]
        self.clients = list(Client.objects.order_by("name"))
        if not self.clients:
            raise CommandError("The history needs clients; load the demo first.")
        self.project_number = _last_number(Project, "P-")
        self.order_number = _last_number(SalesOrder, "SO-")

    def add(self, count: int) -> None:
        done = 0
        self._progress(done, count)
        while done < count:
            size = min(CHUNK_INVOICES, count - done)
            self._chunk(first=done, size=size, total=count)
            done += size
            self._progress(done, count)
        self.stdout.write("")

    def _progress(self, done: int, total: int) -> None:
        percent = 100 * done // total if total else 100
        self.stdout.write(f"\r  {percent:3d}% {done}/{total}", ending="")
        self.stdout.flush()

    def _date_for(self, position: int, total: int) -> date:
        # Spread the history evenly over the period, oldest first, with a little jitter.
        day = HISTORY_DAYS - (HISTORY_DAYS * position) // max(total, 1) + self.rng.randint(-3, 3)
        return self.today - timedelta(days=min(max(day, 0), HISTORY_DAYS))

    @transaction.atomic
    def _chunk(self, *, first: int, size: int, total: int) -> None:
        rng = self.rng
        orders: list[_Order] = []
        projects: list[Project] = []
        planned = 0
        while planned < size:
            if not projects or rng.random() < 0.6:
                client = rng.choice(self.clients)
                self.project_number += 1
                projects.append(
                    Project(
                        number=f"P-{self.project_number}",
                        name=f"{client.name.split()[0]} {rng.choice(PROJECT_NAMES)}",
                        client=client,
                        order_rep=rng.choice(self.order_reps),
                        production_rep=self.production_rep,
                        invoicing_rep=self.invoicing_reps[0],
                    )
                )
            order = self._plan_order(
                project=len(projects) - 1,
                client=projects[-1].client,
                position=first + planned,
                total=total,
                room=size - planned,
            )
            orders.append(order)
            planned += len(order.invoices)

        Project.objects.bulk_create(projects, batch_size=1000)
        sales_orders = []
        for order in orders:
            self.order_number += 1
            sales_orders.append(
                SalesOrder(number=f"SO-{self.order_number}", project=projects[order.project], status=order.status)
            )
        SalesOrder.objects.bulk_create(sales_orders, batch_size=1000)
        items = []
        for order, sales_order in zip(orders, sales_orders, strict=True):
            for item in order.items:
                item.sales_order = sales_order
                items.append(item)
        SalesOrderItem.objects.bulk_create(items, batch_size=1000)

        # Numbers are taken under the sequence's row lock, in this transaction, so they stay gapless.
        sequence = locks.lock_number_sequence("invoicing.InvoiceNumberSequence", SEQUENCE_NAME)
        invoices, lines = [], []
        for order, sales_order in zip(orders, sales_orders, strict=True):
            for invoice, invoice_lines in order.invoices:
                sequence.last_value += 1
                invoice.sequence_number = sequence.last_value
                invoice.number = invoice_number(sequence.last_value)
                invoice.sales_order = sales_order
                invoices.append(invoice)
                for position, quantity in invoice_lines:
                    lines.append(invoice_line_for(invoice=invoice, item=order.items[position], quantity=quantity))
        sequence.save(update_fields=["last_value"])
        Invoice.objects.bulk_create(invoices, batch_size=1000)
        InvoiceLine.objects.bulk_create(lines, batch_size=2000)
        # A paid invoice of the history was paid in full, by one payment: its counter, its payments and
        # the AR aging agree, as they do for an invoice paid through the services.
        Payment.objects.bulk_create(
            (
                Payment(
                    invoice=invoice,
                    date=timezone.localdate(invoice.paid_at),
                    amount=invoice.total,
                    method=PaymentMethod.ACH,
                    reference=f"Remittance {invoice.number}",
                    recorded_by=invoice.issued_by,
                )
                for invoice in invoices
                if invoice.status == Invoice.Status.PAID
            ),
            batch_size=2000,
        )

    def _plan_order(self, *, project: int, client: Client, position: int, total: int, room: int) -> _Order:
        """Choose an order's items and invoices; the items' counters follow from the invoices."""
        rng = self.rng
        items = self._items()
        order = _Order(project=project, client=client, items=items)
        first_date = self._date_for(position, total)
        age = (self.today - first_date).days
        splittable = any(item.quantity > 1 for item in items)
        roll = rng.random()
        if room >= 2 and splittable and roll < 0.30 and age >= 10:
            # Partial now, the backordered rest later.
            partial = self._split(items)
            later = min(first_date + timedelta(days=rng.randint(7, 45)), self.today)
            self._issue(order, partial, first_date, final=False)
            rest = [(i, item.quantity - dict(partial).get(i, 0)) for i, item in enumerate(items)]
            self._issue(order, [(i, q) for i, q in rest if q > 0], later, final=True)
        elif room >= 2 and roll < 0.38:
            # Issued, voided (say, billed to the wrong office), and issued again.
            everything = [(i, item.quantity) for i, item in enumerate(items)]
            self._issue(order, everything, first_date, final=True, void=True)
            self._issue(order, everything, min(first_date + timedelta(days=rng.randint(0, 5)), self.today), final=True)
        elif splittable and roll < 0.52:
            # Partial only: the rest is still awaited, or was never billed and the order closed.
            self._issue(order, self._split(items), first_date, final=False)
            order.status = SalesOrder.Status.READY_TO_BE_INVOICED if age < 60 else SalesOrder.Status.CLOSED
        else:
            self._issue(order, [(i, item.quantity) for i, item in enumerate(items)], first_date, final=True)
        return order

    def _items(self) -> list[SalesOrderItem]:
        rng = self.rng
        count = rng.choices([1, 2, 3, 4, 5], weights=[30, 30, 20, 12, 8])[0]
        products = rng.sample(CATALOG, k=min(count, len(CATALOG)))
        items = []
        tax_rate = rng.choice(TAX_RATES)
        for position, (description, (low, high), quantities) in enumerate(products):
            if position == count - 1 and count > 1 and rng.random() < 0.5:
                description, (low, high) = rng.choice(SERVICES)
                quantity, kind = 1, SalesOrderItem.Kind.SERVICE
            else:
                quantity, kind = rng.choice(quantities), SalesOrderItem.Kind.PRODUCT
            price = Decimal(rng.randint(int(low * 100), int(high * 100))) / 100
            items.append(
                SalesOrderItem(
                    position=position,
                    kind=kind,
                    description=description,
                    quantity=quantity,
                    unit_price=price,
                    unit_cost=(price * Decimal("0.55")).quantize(Decimal("0.01")),
                    tax_rate=tax_rate,
                )
            )
        return items

    def _split(self, items: list[SalesOrderItem]) -> list[tuple[int, int]]:
        """What a partial invoice bills: part of one multi-unit item, and some or all of the others."""
        rng = self.rng
        short = rng.choice([i for i, item in enumerate(items) if item.quantity > 1])
        lines = []
        for i, item in enumerate(items):
            if i == short:
                lines.append((i, max(1, int(item.quantity * rng.uniform(0.3, 0.8)))))
            elif rng.random() < 0.85:
                lines.append((i, item.quantity))
        return lines

    def _issue(self, order: _Order, lines: list[tuple[int, int]], on: date, *, final: bool, void: bool = False):
        rng = self.rng
        age = (self.today - on).days
        if void:
            status = Invoice.Status.VOID
        elif age > 60:
            status = rng.choices(["paid", "exported", "sent_to_client"], weights=[80, 15, 5])[0]
        else:
            status = rng.choices(["open", "sent_to_client", "exported", "paid"], weights=[30, 40, 10, 20])[0]
        subtotal = tax = Decimal("0.00")
        for position, quantity in lines:
            item = order.items[position]
            amount = line_amount(quantity, item.unit_price)
            subtotal += amount
            tax += line_tax(amount, item.tax_rate)
            if not void:
                item.invoiced_quantity += quantity
        client = order.client
        emailed = status == Invoice.Status.SENT_TO_CLIENT
        paid_on = min(on + timedelta(days=client.terms_days), self.today)
        paid_at = timezone.make_aware(datetime.combine(paid_on, time(11))) if status == Invoice.Status.PAID else None
        sent_at = timezone.make_aware(datetime.combine(on, time(10))) if emailed else None
        invoice = Invoice(
            date=on,
            due_date=on + timedelta(days=client.terms_days),
            bill_to_name=client.name,
            bill_to_address=client.billing_address,
            bill_to_email=client.billing_email,
            sent_at=sent_at,
            email_state=Invoice.EmailState.SENT if emailed else Invoice.EmailState.NOT_REQUESTED,
            email_sent_at=sent_at,
            kind=Invoice.Kind.FINAL if final else Invoice.Kind.PARTIAL,
            status=status,
            subtotal=subtotal,
            tax=tax,
            total=subtotal + tax,
            paid_amount=subtotal + tax if paid_at else Decimal("0.00"),
            paid_at=paid_at,
            issued_by=rng.choice(self.invoicing_reps),
            void_reason="Billed to the wrong office." if void else "",
        )
        order.invoices.append((invoice, lines))


PROJECT_NAMES = [
    "trade show kit",
    "staff uniforms",
    "holiday gifts",
    "onboarding swag",
    "summer event",
    "fundraiser merch",
    "anniversary giveaways",
    "conference booth",
    "customer thank-yous",
    "volunteer tees",
]


def _last_number(model, prefix: str) -> int:
    """The highest number after the prefix; compared by length first, since P-10000 sorts before P-9999."""
    numbers = (
        model.objects.filter(number__startswith=prefix)
        .annotate(length=Length("number"))
        .order_by("-length", "-number")
        .values_list("number", flat=True)
    )
    for number in numbers[:50]:
        if number[len(prefix) :].isdigit():
            return int(number[len(prefix) :])
    return 1000
