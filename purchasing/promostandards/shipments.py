"""Ask a supplier's Order Shipment Notification Service (PromoStandards 2.0.0) what it shipped on a PO.

The same client as the order status service (client.py: zeep, the guarded transport, one error with a
category for the page and a detail for the log), with the WSDL beside this file. One call per PO:
getOrderShipmentNotification with queryType 1 and the PO number. What is read of the answer:

    OrderShipmentNotificationArray/OrderShipmentNotification   purchaseOrderNumber (must be ours)
      SalesOrderArray/SalesOrder/ShipmentLocationArray/ShipmentLocation/PackageArray/Package
        trackingNumber, shipmentDate (the day as the supplier wrote it), carrier
        ItemArray/Item   purchaseOrderLineNumber (the line's place on our PO, 1 first), quantity
    ServiceMessageArray/ServiceMessage   code, description, severity (301 with no shipment: nothing shipped yet)

Addresses, dimensions, weights, shipment method and terms, product and part ids are not read.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

from purchasing.promostandards import failures
from purchasing.promostandards.client import OrderStatusClient, OrderStatusServiceError, _calendar_date
from purchasing.promostandards.statuses import CREDENTIALS_REFUSED, PO_SEARCH, REFERENCE_NUMBER_NOT_FOUND

WSDL_PATH = Path(__file__).with_name("shipment_notification.wsdl")
WS_VERSION = "2.0.0"
BINDING = (
    "{http://www.promostandards.org/WSDL/OrderShipmentNotificationService/2.0.0/}"
    "OrderShipmentNotificationServiceBinding"
)


@dataclass(frozen=True)
class PackageLine:
    line_number: int  # the line's place on the PO, 1 for its first
    quantity: int


@dataclass(frozen=True)
class Package:
    """One package the supplier shipped: what the desk records as a shipment."""

    tracking_number: str
    carrier: str
    ship_date: date | None
    lines: tuple[PackageLine, ...]


class ShipmentNotificationClient(OrderStatusClient):
    """One supplier's Order Shipment Notification Service, asked one purchase order at a time."""

    wsdl_path = WSDL_PATH
    binding = BINDING
    not_the_service = failures.NOT_THE_SHIPMENT_SERVICE
    service_name = "Order Shipment Notification Service"

    def purchase_order_shipments(self, *, number: str) -> list[Package]:
        """Return the packages the supplier shipped on one PO; none when it shipped nothing (or knows no such PO)."""
        response = self._call(
            "getOrderShipmentNotification",
            wsVersion=WS_VERSION,
            id=self.username,
            password=self.password,
            queryType=PO_SEARCH,
            referenceNumber=number,
        )
        if response is None:
            raise self._error(self.not_the_service, "The service answered an empty message instead of shipments.")
        messages = getattr(getattr(response, "ServiceMessageArray", None), "ServiceMessage", None) or []
        notifications = getattr(
            getattr(response, "OrderShipmentNotificationArray", None), "OrderShipmentNotification", None
        )
        errors = [message for message in messages if (message.severity or "") == "Error"]
        if errors and not notifications:
            codes = {str(message.code) for message in errors}
            if codes == {REFERENCE_NUMBER_NOT_FOUND}:
                return []
            text = "; ".join(f"{message.code}: {message.description}" for message in errors)
            category = failures.REFUSED_CREDENTIALS if codes & CREDENTIALS_REFUSED else failures.SERVICE_ERROR
            raise self._error(category, f"{self.url} answered: {text}")
        packages: dict[str, Package] = {}
        for notification in notifications or []:
            if (notification.purchaseOrderNumber or "").strip() != number:
                raise self._error(
                    failures.UNUSABLE_SHIPMENTS,
                    f"The service answered about purchase order {notification.purchaseOrderNumber!r:.40}, "
                    f"not {number}.",
                )
            for sales_order in notification.SalesOrderArray.SalesOrder:
                for location in sales_order.ShipmentLocationArray.ShipmentLocation:
                    for package in getattr(location.PackageArray, "Package", None) or []:
                        read = self._package(package, number)
                        if read.tracking_number in packages:
                            read = _merged(packages[read.tracking_number], read)
                        packages[read.tracking_number] = read
        return list(packages.values())

    def _package(self, package, number: str) -> Package:
        tracking = (package.trackingNumber or "").strip()
        if not tracking:
            raise self._error(failures.UNUSABLE_SHIPMENTS, f"A package of {number} has no tracking number.")
        lines: dict[int, int] = {}
        for item in getattr(package.ItemArray, "Item", None) or []:
            try:
                line_number = int(str(item.purchaseOrderLineNumber or "").strip())
                quantity = Decimal(item.quantity)
            except (ValueError, ArithmeticError, TypeError) as error:
                raise self._error(
                    failures.UNUSABLE_SHIPMENTS,
                    f"Package {tracking} of {number} has an item without a line number or a quantity.",
                ) from error
            if quantity != quantity.to_integral_value() or quantity < 1 or line_number < 1:
                raise self._error(
                    failures.UNUSABLE_SHIPMENTS,
                    f"Package {tracking} of {number} ships {quantity} of line {line_number}: not a whole quantity.",
                )
            lines[line_number] = lines.get(line_number, 0) + int(quantity)
        try:
            ship_date = _calendar_date(package.shipmentDate)
        except OrderStatusServiceError as error:
            raise self._error(failures.UNUSABLE_SHIPMENTS, error.detail) from error
        return Package(
            tracking_number=tracking[:100],
            carrier=(package.carrier or "").strip()[:100],
            ship_date=ship_date,
            lines=tuple(PackageLine(line_number=n, quantity=q) for n, q in sorted(lines.items())),
        )


def _merged(first: Package, second: Package) -> Package:
    # One tracking number listed under two locations or sales orders: one shipment, its items added up.
    quantities: dict[int, int] = {}
    for line in (*first.lines, *second.lines):
        quantities[line.line_number] = quantities.get(line.line_number, 0) + line.quantity
    return Package(
        tracking_number=first.tracking_number,
        carrier=first.carrier or second.carrier,
        ship_date=first.ship_date or second.ship_date,
        lines=tuple(PackageLine(line_number=n, quantity=q) for n, q in sorted(quantities.items())),
    )
