"""The demo's cast: users, clients, suppliers, the catalog, tax rates, the company and the story projects."""

from dataclasses import dataclass
from decimal import Decimal

from core.roles import Role

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
