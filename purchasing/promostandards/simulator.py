"""A small supplier that speaks the Order Status Service 1.0.0, the Order Shipment Notification Service
2.0.0 and the Inventory Service 2.0.0, for tests and for trying the syncs locally.

SupplierSimulator is a WSGI app: it reads the SOAP request (by element names, whatever the
prefixes), checks the id and password, and answers getOrderStatusDetails and getOrderStatusTypes
from a table of PO number -> status and dates, and getOrderShipmentNotification from a table of PO
number -> packages (`shipments`), and getInventoryLevels from a table of product id -> parts (`stock`).
The services answer at either path; its mode makes it misbehave as real suppliers do:

    ok           answers from the table
    slow         sleeps `slow_seconds` first (longer than the desk's timeout), then answers
    garbage      answers an HTML error page: not XML
    fault        answers HTTP 500 with a SOAP fault
    wrong_shape  answers a SOAP envelope whose body the WSDL does not allow

"down" is the server's business, not the app's: SimulatorServer.stop() closes the port, so the
desk meets a refused connection; start() opens the same port again.

    server = SimulatorServer(SupplierSimulator(orders={"PO-1001": SimulatedOrder(44)})).start()
    server.url  # http://127.0.0.1:<port>/orderStatus/1.0.0
    server.shipment_url  # http://127.0.0.1:<port>/orderShipmentNotification/2.0.0
    server.inventory_url  # http://127.0.0.1:<port>/inventory/2.0.0
"""

import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from lxml import etree

from purchasing.promostandards.statuses import (
    ALL_OPEN_SEARCH,
    COMPLETE,
    LAST_UPDATE_SEARCH,
    PO_SEARCH,
    SO_SEARCH,
    STATUSES,
)

SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"
NS = "http://www.promostandards.org/WSDL/OrderStatusService/1.0.0/"
PATH = "/orderStatus/1.0.0"
OSN_NS = "http://www.promostandards.org/WSDL/OrderShipmentNotificationService/2.0.0/"
OSN_SHARED = "http://www.promostandards.org/WSDL/OrderShipmentNotificationService/2.0.0/SharedObjects/"
SHIPMENT_PATH = "/orderShipmentNotification/2.0.0"
SHIPMENT_OPERATION = "GetOrderShipmentNotificationRequest"
INV_NS = "http://www.promostandards.org/WSDL/Inventory/2.0.0/"
INV_SHARED = "http://www.promostandards.org/WSDL/Inventory/2.0.0/SharedObjects/"
INVENTORY_PATH = "/inventory/2.0.0"
INVENTORY_OPERATION = "GetInventoryLevelsRequest"
MAX_REQUEST_BYTES = 100_000
MODES = ("ok", "slow", "garbage", "fault", "wrong_shape")
# No DTDs, no entities, no network: a request is data, never instructions to the parser.
PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)


@dataclass
class SimulatedOrder:
    """What the simulated supplier says about one PO."""

    status_id: int
    expected_ship_date: date | None = None
    expected_delivery_date: date | None = None
    status_name: str = ""  # blank: the standard's name for the id
    explanation: str = ""
    factory_order_number: str = ""


@dataclass
class SimulatedPackage:
    """One package the simulated supplier shipped on a PO: its lines are PO line number -> quantity."""

    tracking_number: str
    lines: dict[int, int]
    carrier: str = "UPS"
    ship_date: date | None = None


@dataclass
class SimulatedPart:
    """One part of a product the simulated supplier stocks: what is available now, and later (quantity, day)."""

    part_id: str
    available: int | str  # "2.5" for a part of a case
    future: list[tuple[int, date]] = field(default_factory=list)
    uom: str = "EA"  # the unit every quantity of the part is counted in


class SupplierSimulator:
    """The WSGI app: one supplier account, a table of orders and a mode."""

    def __init__(
        self,
        *,
        username: str = "distributor",
        password: str = "s3cret",  # noqa: S107 - the simulated supplier's demo account, not a secret
        orders: dict[str, SimulatedOrder] | None = None,
        shipments: dict[str, list[SimulatedPackage]] | None = None,
        stock: dict[str, list[SimulatedPart]] | None = None,
        mode: str = "ok",
        slow_seconds: float = 15.0,
    ):
        self.username = username
        self.password = password
        self.orders: dict[str, SimulatedOrder] = dict(orders or {})
        self.shipments: dict[str, list[SimulatedPackage]] = dict(shipments or {})
        self.stock: dict[str, list[SimulatedPart]] = dict(stock or {})
        self.slow_seconds = slow_seconds
        self.requests: list[dict[str, str]] = []  # every request's fields, for tests to read
        self._lock = threading.Lock()
        self.mode = mode

    @property
    def mode(self) -> str:
        return self._mode

    @mode.setter
    def mode(self, value: str) -> None:
        if value not in MODES:
            raise ValueError(f"Unknown mode {value!r}; choose one of {', '.join(MODES)}.")
        self._mode = value

    def __call__(self, environ, start_response):
        if environ["REQUEST_METHOD"] != "POST":
            return self._respond(start_response, "405 Method Not Allowed", "text/plain", b"POST a SOAP request.\n")
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        body = environ["wsgi.input"].read(min(length, MAX_REQUEST_BYTES))
        try:
            operation, fields = self._read_request(body)
        except ValueError as error:
            return self._fault(start_response, "soap:Client", str(error))
        with self._lock:
            self.requests.append({"operation": operation, **fields})
        mode = self.mode
        if mode == "slow":
            time.sleep(self.slow_seconds)
        elif mode == "garbage":
            page = b"<html><head><title>502 Bad Gateway</title></head><body><h1>Bad Gateway</h1><br></body>"
            return self._respond(start_response, "200 OK", "text/html; charset=utf-8", page)
        elif mode == "fault":
            return self._fault(start_response, "soap:Server", "Order status database is unavailable")
        elif mode == "wrong_shape":
            ns = {SHIPMENT_OPERATION: OSN_NS, INVENTORY_OPERATION: INV_NS}.get(operation, NS)
            response = etree.Element(f"{{{ns}}}{operation.replace('Request', 'Response')}", nsmap={"ns1": ns})
            etree.SubElement(response, f"{{{ns}}}Orders").text = "see attached spreadsheet"
            return self._envelope(start_response, response)
        if operation == INVENTORY_OPERATION:
            return self._envelope(start_response, self._inventory_levels(fields))
        if operation == SHIPMENT_OPERATION:
            return self._envelope(start_response, self._shipment_notification(fields))
        if operation == "GetOrderStatusTypesRequest":
            return self._envelope(start_response, self._status_types(fields))
        return self._envelope(start_response, self._status_details(fields))

    # --- reading -------------------------------------------------------------------------------

    @staticmethod
    def _read_request(body: bytes) -> tuple[str, dict[str, str]]:
        try:
            root = etree.fromstring(body, PARSER)
        except etree.XMLSyntaxError as error:
            raise ValueError(f"The request is not XML: {error}") from error
        soap_body = root.find(f"{{{SOAP_ENV}}}Body")
        if soap_body is None or len(soap_body) == 0:
            raise ValueError("The request has no SOAP body.")
        request = soap_body[0]
        operation = etree.QName(request).localname
        if operation not in (
            "GetOrderStatusDetailsRequest",
            "GetOrderStatusTypesRequest",
            SHIPMENT_OPERATION,
            INVENTORY_OPERATION,
        ):
            raise ValueError(f"Unknown operation {operation}.")
        fields = {etree.QName(child).localname: (child.text or "").strip() for child in request if len(child) == 0}
        # The inventory request's Filter/partIdArray/partId, as one comma-separated field.
        part_ids = [(element.text or "").strip() for element in request.iter(f"{{{INV_SHARED}}}partId")]
        if part_ids:
            fields["partIds"] = ",".join(part_ids)
        return operation, fields

    def _refusal(self, fields: dict[str, str], *, version: str = "1.0.0") -> str:
        if fields.get("wsVersion") != version:
            return f"wsVersion not supported: this service speaks {version}"
        if fields.get("id") != self.username or fields.get("password") != self.password:
            return "105: Authentication Credentials failed"
        return ""

    # --- answering -----------------------------------------------------------------------------

    def _status_details(self, fields: dict[str, str]):
        response = etree.Element(f"{{{NS}}}GetOrderStatusDetailsResponse", nsmap={"ns1": NS})
        refusal = self._refusal(fields)
        if refusal:
            etree.SubElement(response, f"{{{NS}}}errorMessage").text = refusal
            return response
        query_type = fields.get("queryType", "")
        reference = fields.get("referenceNumber", "")
        orders = dict(self.orders)
        if query_type == str(PO_SEARCH):
            found = {reference: orders[reference]} if reference in orders else {}
        elif query_type == str(SO_SEARCH):
            found = {po: order for po, order in orders.items() if order.factory_order_number == reference}
        elif query_type in (str(LAST_UPDATE_SEARCH), str(ALL_OPEN_SEARCH)):
            found = {po: order for po, order in orders.items() if order.status_id < COMPLETE}
        else:
            etree.SubElement(response, f"{{{NS}}}errorMessage").text = "queryType not supported"
            return response
        if not found and query_type in (str(PO_SEARCH), str(SO_SEARCH)):
            etree.SubElement(response, f"{{{NS}}}errorMessage").text = "301: referenceNumber not found"
            return response
        array = etree.SubElement(response, f"{{{NS}}}OrderStatusArray")
        now = datetime.now(UTC).replace(microsecond=0).isoformat()
        for number, order in found.items():
            status = etree.SubElement(array, f"{{{NS}}}OrderStatus")
            etree.SubElement(status, f"{{{NS}}}purchaseOrderNumber").text = number
            details = etree.SubElement(status, f"{{{NS}}}OrderStatusDetailArray")
            detail = etree.SubElement(details, f"{{{NS}}}OrderStatusDetail")
            values = [
                ("factoryOrderNumber", order.factory_order_number or f"F-{number}"),
                ("statusID", str(order.status_id)),
                ("statusName", order.status_name or STATUSES.get(order.status_id, ("Unknown",))[0]),
                ("responseRequired", "false"),
                ("validTimestamp", now),
                ("expectedShipDate", _supplier_time(order.expected_ship_date)),
                ("expectedDeliveryDate", _supplier_time(order.expected_delivery_date)),
                ("additionalExplanation", order.explanation),
            ]
            for name, value in values:
                if value:
                    etree.SubElement(detail, f"{{{NS}}}{name}").text = value
        return response

    def _shipment_notification(self, fields: dict[str, str]):
        response = etree.Element(
            f"{{{OSN_NS}}}GetOrderShipmentNotificationResponse", nsmap={"ns1": OSN_NS, "shar": OSN_SHARED}
        )

        def shared(parent, name: str, text: str):
            element = etree.SubElement(parent, f"{{{OSN_SHARED}}}{name}")
            element.text = text
            return element

        def message(code: str, description: str):
            array = etree.SubElement(response, f"{{{OSN_SHARED}}}ServiceMessageArray")
            item = etree.SubElement(array, f"{{{OSN_SHARED}}}ServiceMessage")
            shared(item, "code", code)
            shared(item, "description", description)
            shared(item, "severity", "Error")
            return response

        refusal = self._refusal(fields, version="2.0.0")
        if refusal:
            code, _, text = refusal.partition(": ") if refusal[0].isdigit() else ("120", "", refusal)
            return message(code, text)
        if fields.get("queryType") != str(PO_SEARCH):
            return message("140", "queryType not supported")
        number = fields.get("referenceNumber", "")
        packages = list(self.shipments.get(number) or [])
        if not packages:
            return message("301", "Reference Number not found")
        array = etree.SubElement(response, f"{{{OSN_NS}}}OrderShipmentNotificationArray")
        notification = etree.SubElement(array, f"{{{OSN_NS}}}OrderShipmentNotification")
        shared(notification, "purchaseOrderNumber", number)
        shared(notification, "complete", "false")
        sales_order = etree.SubElement(
            etree.SubElement(notification, f"{{{OSN_NS}}}SalesOrderArray"), f"{{{OSN_NS}}}SalesOrder"
        )
        shared(sales_order, "salesOrderNumber", f"S-{number}")
        shared(sales_order, "complete", "false")
        locations = etree.SubElement(sales_order, f"{{{OSN_NS}}}ShipmentLocationArray")
        location = etree.SubElement(locations, f"{{{OSN_NS}}}ShipmentLocation")
        etree.SubElement(location, f"{{{OSN_NS}}}id").text = "1"
        shared(location, "complete", "false")
        for address in ("ShipFromAddress", "ShipToAddress"):
            etree.SubElement(
                etree.SubElement(location, f"{{{OSN_NS}}}{address}"), f"{{{OSN_SHARED}}}country"
            ).text = "US"
        package_array = etree.SubElement(location, f"{{{OSN_NS}}}PackageArray")
        for index, package in enumerate(packages, start=1):
            element = etree.SubElement(package_array, f"{{{OSN_NS}}}Package")
            etree.SubElement(element, f"{{{OSN_NS}}}id").text = str(index)
            etree.SubElement(element, f"{{{OSN_NS}}}trackingNumber").text = package.tracking_number
            shipped_on = package.ship_date or datetime.now(UTC).date()
            etree.SubElement(element, f"{{{OSN_NS}}}shipmentDate").text = f"{shipped_on.isoformat()}T15:30:00-07:00"
            etree.SubElement(element, f"{{{OSN_NS}}}carrier").text = package.carrier
            items = etree.SubElement(element, f"{{{OSN_NS}}}ItemArray")
            for line_number, quantity in package.lines.items():
                item = etree.SubElement(items, f"{{{OSN_NS}}}Item")
                shared(item, "supplierProductId", f"P-{line_number}")
                shared(item, "purchaseOrderLineNumber", str(line_number))
                shared(item, "quantity", str(quantity))
        return response

    def _inventory_levels(self, fields: dict[str, str]):
        response = etree.Element(f"{{{INV_NS}}}GetInventoryLevelsResponse", nsmap={"ns1": INV_NS, "shar": INV_SHARED})

        def shared(parent, name: str, text: str):
            element = etree.SubElement(parent, f"{{{INV_SHARED}}}{name}")
            element.text = text
            return element

        def quantity(parent, value: int | str, uom: str = "EA"):
            element = etree.SubElement(parent, f"{{{INV_SHARED}}}Quantity")
            shared(element, "uom", uom)
            shared(element, "value", str(value))

        def message(code: str, description: str):
            array = etree.SubElement(response, f"{{{INV_SHARED}}}ServiceMessageArray")
            item = etree.SubElement(array, f"{{{INV_SHARED}}}ServiceMessage")
            shared(item, "code", code)
            shared(item, "description", description)
            shared(item, "severity", "Error")
            return response

        refusal = self._refusal(fields, version="2.0.0")
        if refusal:
            code, _, text = refusal.partition(": ") if refusal[0].isdigit() else ("120", "", refusal)
            return message(code, text)
        product_id = fields.get("productId", "")
        if product_id not in self.stock:
            return message("130", "Product Id not found")
        wanted = {part for part in fields.get("partIds", "").split(",") if part}
        inventory = etree.SubElement(response, f"{{{INV_NS}}}Inventory")
        shared(inventory, "productId", product_id)
        parts = etree.SubElement(inventory, f"{{{INV_NS}}}PartInventoryArray")
        for part in self.stock[product_id]:
            if wanted and part.part_id not in wanted:
                continue
            element = etree.SubElement(parts, f"{{{INV_NS}}}PartInventory")
            shared(element, "partId", part.part_id)
            etree.SubElement(element, f"{{{INV_NS}}}mainPart").text = "false"
            quantity(etree.SubElement(element, f"{{{INV_NS}}}quantityAvailable"), part.available, part.uom)
            etree.SubElement(element, f"{{{INV_NS}}}manufacturedItem").text = "false"
            etree.SubElement(element, f"{{{INV_NS}}}buyToOrder").text = "false"
            locations = etree.SubElement(element, f"{{{INV_NS}}}InventoryLocationArray")
            location = etree.SubElement(locations, f"{{{INV_NS}}}InventoryLocation")
            etree.SubElement(location, f"{{{INV_NS}}}inventoryLocationId").text = "MAIN"
            quantity(etree.SubElement(location, f"{{{INV_NS}}}inventoryLocationQuantity"), part.available, part.uom)
            if part.future:
                future = etree.SubElement(location, f"{{{INV_NS}}}FutureAvailabilityArray")
                for amount, day in part.future:
                    entry = etree.SubElement(future, f"{{{INV_NS}}}FutureAvailability")
                    quantity(entry, amount, part.uom)
                    etree.SubElement(entry, f"{{{INV_NS}}}availableOn").text = f"{day.isoformat()}T00:00:00-05:00"
        return response

    def _status_types(self, fields: dict[str, str]):
        response = etree.Element(f"{{{NS}}}GetOrderStatusTypesResponse", nsmap={"ns1": NS})
        refusal = self._refusal(fields)
        if refusal:
            etree.SubElement(response, f"{{{NS}}}errorMessage").text = refusal
            return response
        array = etree.SubElement(response, f"{{{NS}}}StatusArray")
        for status_id, (name, _meaning) in STATUSES.items():
            status = etree.SubElement(array, f"{{{NS}}}Status")
            etree.SubElement(status, f"{{{NS}}}id").text = str(status_id)
            etree.SubElement(status, f"{{{NS}}}name").text = name
        return response

    def _envelope(self, start_response, payload):
        envelope = etree.Element(f"{{{SOAP_ENV}}}Envelope", nsmap={"SOAP-ENV": SOAP_ENV})
        etree.SubElement(envelope, f"{{{SOAP_ENV}}}Body").append(payload)
        content = etree.tostring(envelope, xml_declaration=True, encoding="UTF-8")
        return self._respond(start_response, "200 OK", "text/xml; charset=utf-8", content)

    def _fault(self, start_response, code: str, message: str):
        envelope = etree.Element(f"{{{SOAP_ENV}}}Envelope", nsmap={"soap": SOAP_ENV})
        fault = etree.SubElement(etree.SubElement(envelope, f"{{{SOAP_ENV}}}Body"), f"{{{SOAP_ENV}}}Fault")
        etree.SubElement(fault, "faultcode").text = code
        etree.SubElement(fault, "faultstring").text = message
        content = etree.tostring(envelope, xml_declaration=True, encoding="UTF-8")
        return self._respond(start_response, "500 Internal Server Error", "text/xml; charset=utf-8", content)

    @staticmethod
    def _respond(start_response, status: str, content_type: str, content: bytes):
        start_response(status, [("Content-Type", content_type), ("Content-Length", str(len(content)))])
        return [content]


def _supplier_time(day: date | None) -> str:
    # Suppliers write a ship date as a time on that day, e.g. "2027-03-01T23:59:00+00:00".
    return f"{day.isoformat()}T23:59:00+00:00" if day else ""


class _ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True  # a slow answer still sleeping never holds the test run open
    allow_reuse_address = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - the base class names it so
        pass


class SimulatorServer:
    """The simulator on a local port, in a thread; stop() takes the supplier down, start() brings it back."""

    def __init__(self, app: SupplierSimulator, *, host: str = "127.0.0.1", port: int = 0):
        self.app = app
        self.host = host
        self.port = port
        self._server: WSGIServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}{PATH}"

    @property
    def shipment_url(self) -> str:
        return f"http://{self.host}:{self.port}{SHIPMENT_PATH}"

    @property
    def inventory_url(self) -> str:
        return f"http://{self.host}:{self.port}{INVENTORY_PATH}"

    def start(self) -> "SimulatorServer":
        self._server = make_server(
            self.host, self.port, self.app, server_class=_ThreadingWSGIServer, handler_class=_QuietHandler
        )
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, name="supplier-simulator", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def serve_forever(self) -> None:
        """Serve in this thread until interrupted (the management command)."""
        self._server = make_server(
            self.host, self.port, self.app, server_class=_ThreadingWSGIServer, handler_class=_QuietHandler
        )
        self.port = self._server.server_address[1]
        try:
            self._server.serve_forever()
        finally:
            self._server.server_close()
