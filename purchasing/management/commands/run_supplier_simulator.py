"""Serve a simulated supplier's Order Status Service (PromoStandards 1.0.0) on a local port.

    python manage.py run_supplier_simulator --port 8765 --order PO-1001:44:2027-03-01 --order PO-1002:75

Then, as a Manager, give a supplier the URL it prints, the user id and the password (the defaults
below) on its edit page; the desk calls it because SUPPLIER_SERVICE_ALLOWED_HOSTS names its address
(by default with DEBUG, for port 8765). Each --order is PO number : status id [: expected ship date].
--mode makes it misbehave.
"""

from datetime import date

from django.core.management.base import BaseCommand, CommandError

from purchasing.promostandards.addresses import host_allowed
from purchasing.promostandards.simulator import MODES, SimulatedOrder, SimulatorServer, SupplierSimulator


def _order(value: str) -> tuple[str, SimulatedOrder]:
    parts = value.split(":")
    if len(parts) not in (2, 3) or not parts[0] or not parts[1].isdigit():
        raise CommandError(f"--order {value!r}: write PO number:status id[:YYYY-MM-DD], e.g. PO-1001:44:2027-03-01.")
    try:
        ship_date = date.fromisoformat(parts[2]) if len(parts) == 3 else None
    except ValueError as error:
        raise CommandError(f"--order {value!r}: the ship date must be YYYY-MM-DD.") from error
    return parts[0], SimulatedOrder(status_id=int(parts[1]), expected_ship_date=ship_date)


class Command(BaseCommand):
    help = "Serve a local supplier that answers the PromoStandards Order Status Service from a table."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8765)
        parser.add_argument("--username", default="distributor", help="The user id it accepts")
        parser.add_argument("--password", default="s3cret", help="The password it accepts")
        parser.add_argument("--order", action="append", default=[], help="PO number:status id[:ship date]")
        parser.add_argument("--mode", choices=MODES, default="ok")
        parser.add_argument("--slow-seconds", type=float, default=15.0, help="How long --mode slow waits")

    def handle(self, *args, **options):
        orders = dict(_order(value) for value in options["order"])
        app = SupplierSimulator(
            username=options["username"],
            password=options["password"],
            orders=orders,
            mode=options["mode"],
            slow_seconds=options["slow_seconds"],
        )
        server = SimulatorServer(app, host=options["host"], port=options["port"])
        self.stdout.write(
            f"Supplier simulator at http://{options['host']}:{options['port']}/orderStatus/1.0.0 "
            f"(user id {options['username']}, mode {options['mode']}, {len(orders)} order(s)); Ctrl-C stops it."
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
