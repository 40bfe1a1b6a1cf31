"""Serve a simulated supplier's Order Status Service (PromoStandards 1.0.0), Order Shipment Notification
Service (2.0.0) and Inventory Service (2.0.0) on a local port.

    python manage.py run_supplier_simulator --port 8765 --order PO-1001:44:2027-03-01 --order PO-1002:75 \
        --shipment PO-1002:UPS:1Z999AA10123456784:2027-02-20:1=300,2=1 --stock MUG11:MUG11-WHT:120:400@2027-03-01

Then, as a Manager, give a supplier the URL it prints, the user id and the password (the defaults
below) on its edit page; the desk calls it because SUPPLIER_SERVICE_ALLOWED_HOSTS names its address
(by default with DEBUG, for port 8765). Each --order is PO number : status id [: expected ship date].
Each --shipment is one package: PO number : carrier : tracking number : ship date : line=quantity,...
(line 1 is the PO's first line). Each --stock is one part: product id : part id : available now
[: quantity@YYYY-MM-DD, ... expected later]. --mode makes every service misbehave.
"""

from datetime import date

from django.core.management.base import BaseCommand, CommandError

from purchasing.promostandards.addresses import host_allowed
from purchasing.promostandards.simulator import (
    INVENTORY_PATH,
    MODES,
    SHIPMENT_PATH,
    SimulatedOrder,
    SimulatedPackage,
    SimulatedPart,
    SimulatorServer,
    SupplierSimulator,
)


def _order(value: str) -> tuple[str, SimulatedOrder]:
    parts = value.split(":")
    if len(parts) not in (2, 3) or not parts[0] or not parts[1].isdigit():
        raise CommandError(f"--order {value!r}: write PO number:status id[:YYYY-MM-DD], e.g. PO-1001:44:2027-03-01.")
    try:
        ship_date = date.fromisoformat(parts[2]) if len(parts) == 3 else None
    except ValueError as error:
        raise CommandError(f"--order {value!r}: the ship date must be YYYY-MM-DD.") from error
    return parts[0], SimulatedOrder(status_id=int(parts[1]), expected_ship_date=ship_date)


def _shipment(value: str) -> tuple[str, SimulatedPackage]:
    example = "PO-1002:UPS:1Z999AA10123456784:2027-02-20:1=300,2=1"
    parts = value.split(":")
    if len(parts) != 5 or not all(parts[:3]):
        raise CommandError(
            f"--shipment {value!r}: write PO number:carrier:tracking:YYYY-MM-DD:line=qty,..., e.g. {example}."
        )
    try:
        ship_date = date.fromisoformat(parts[3])
        lines = {int(line): int(quantity) for line, quantity in (pair.split("=") for pair in parts[4].split(","))}
    except ValueError as error:
        raise CommandError(
            f"--shipment {value!r}: the date is YYYY-MM-DD and each line line=quantity, e.g. {example}."
        ) from error
    return parts[0], SimulatedPackage(tracking_number=parts[2], lines=lines, carrier=parts[1], ship_date=ship_date)


def _stock(value: str) -> tuple[str, SimulatedPart]:
    example = "MUG11:MUG11-WHT:120:400@2027-03-01"
    parts = value.split(":")
    if len(parts) not in (3, 4) or not all(parts[:2]) or not parts[2].isdigit():
        raise CommandError(
            f"--stock {value!r}: write product id:part id:available[:qty@YYYY-MM-DD,...], e.g. {example}."
        )
    future = []
    try:
        for pair in parts[3].split(",") if len(parts) == 4 and parts[3] else []:
            amount, day = pair.split("@")
            future.append((int(amount), date.fromisoformat(day)))
    except ValueError as error:
        raise CommandError(f"--stock {value!r}: each future quantity is qty@YYYY-MM-DD, e.g. {example}.") from error
    return parts[0], SimulatedPart(part_id=parts[1], available=int(parts[2]), future=future)


class Command(BaseCommand):
    help = "Serve a local supplier that answers the PromoStandards Order Status Service from a table."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8765)
        parser.add_argument("--username", default="distributor", help="The user id it accepts")
        parser.add_argument("--password", default="s3cret", help="The password it accepts")
        parser.add_argument("--order", action="append", default=[], help="PO number:status id[:ship date]")
        parser.add_argument(
            "--shipment", action="append", default=[], help="PO number:carrier:tracking:ship date:line=qty,..."
        )
        parser.add_argument(
            "--stock", action="append", default=[], help="product id:part id:available[:qty@YYYY-MM-DD,...]"
        )
        parser.add_argument("--mode", choices=MODES, default="ok")
        parser.add_argument("--slow-seconds", type=float, default=15.0, help="How long --mode slow waits")

    def handle(self, *args, **options):
        orders = dict(_order(value) for value in options["order"])
        shipments: dict[str, list[SimulatedPackage]] = {}
        for value in options["shipment"]:
            number, package = _shipment(value)
            shipments.setdefault(number, []).append(package)
        stock: dict[str, list[SimulatedPart]] = {}
        for value in options["stock"]:
            product_id, part = _stock(value)
            stock.setdefault(product_id, []).append(part)
        app = SupplierSimulator(
            username=options["username"],
            password=options["password"],
            orders=orders,
            shipments=shipments,
            stock=stock,
            mode=options["mode"],
            slow_seconds=options["slow_seconds"],
        )
        server = SimulatorServer(app, host=options["host"], port=options["port"])
        self.stdout.write(
            f"Supplier simulator at http://{options['host']}:{options['port']}/orderStatus/1.0.0 "
            f"(user id {options['username']}, mode {options['mode']}, {len(orders)} order(s)); Ctrl-C stops it."
        )
        self.stdout.write(
            f"Shipment notifications at http://{options['host']}:{options['port']}{SHIPMENT_PATH} "
            f"({sum(len(packages) for packages in shipments.values())} package(s))."
        )
        self.stdout.write(
            f"Inventory at http://{options['host']}:{options['port']}{INVENTORY_PATH} "
            f"({sum(len(parts) for parts in stock.values())} part(s))."
        )
        if not host_allowed(options["host"], options["port"]):
            # Plain http on a local address: the desk calls it only where the settings say so.
            self.stdout.write(
                f"The desk calls it only if SUPPLIER_SERVICE_ALLOWED_HOSTS names {options['host']}:{options['port']} "
                "(with DEBUG, 127.0.0.1:8765 and localhost:8765 are named by default)."
            )
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            self.stdout.write("Stopped.")
