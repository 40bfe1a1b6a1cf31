"""Ask a supplier's Inventory Service (PromoStandards 2.0.0) how much of a product it has in stock.

The same client as the order status service (client.py: zeep, the guarded transport, one error with a
category for the page and a detail for the log), with the WSDL beside this file. One call per product:
getInventoryLevels with the productId and, when the desk knows them, a Filter of partIds. What is read of
the answer, per part:

    Inventory   productId (must be the one asked about)
      PartInventoryArray/PartInventory
        partId
        quantityAvailable/Quantity/value, uom   (at least 0; a whole number when counted in eaches)
        InventoryLocationArray/InventoryLocation/FutureAvailabilityArray/FutureAvailability
          Quantity/value, uom, availableOn (the day as the supplier wrote it)
    ServiceMessageArray/ServiceMessage   code, description, severity (an Error is a failure)

The quantities are returned in the supplier's unit (uom, units.py turns them into eaches where it can). The
colours, sizes, descriptions, lead times, locations' names and quantities are not read.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

from purchasing.promostandards import failures
from purchasing.promostandards.client import OrderStatusClient, OrderStatusServiceError, _calendar_date
from purchasing.promostandards.statuses import CREDENTIALS_REFUSED
from purchasing.promostandards.units import EACH, unit_of

WSDL_PATH = Path(__file__).with_name("inventory.wsdl")
WS_VERSION = "2.0.0"
BINDING = "{http://www.promostandards.org/WSDL/Inventory/2.0.0/}InventoryServiceBinding"


@dataclass(frozen=True)
class FutureStock:
    quantity: Decimal | int
    available_on: date
    uom: str = EACH


@dataclass(frozen=True)
class PartStock:
    """One part of a product: what the supplier has now, and what it expects and when."""

    part_id: str
    available: Decimal | int
    future: tuple[FutureStock, ...]
    uom: str = EACH  # the unit of `available`

    @property
    def next_future(self) -> FutureStock | None:
        """The earliest future availability, its quantities on that day added up."""
        if not self.future:
            return None
        day = min(entry.available_on for entry in self.future)
        first = [entry for entry in self.future if entry.available_on == day]
        return FutureStock(quantity=sum(entry.quantity for entry in first), available_on=day, uom=first[0].uom)


class InventoryClient(OrderStatusClient):
    """One supplier's Inventory Service, asked one product at a time."""

    wsdl_path = WSDL_PATH
    binding = BINDING
    not_the_service = failures.NOT_THE_INVENTORY_SERVICE
    service_name = "Inventory Service"

    def inventory_levels(self, *, product_id: str, part_ids: list[str] | None = None) -> list[PartStock]:
        """Return the stock of each part of one product (only the parts asked for, when some are named)."""
        fields: dict[str, object] = {
            "wsVersion": WS_VERSION,
            "id": self.username,
            "password": self.password,
            "productId": product_id,
        }
        if part_ids:
            fields["Filter"] = {"partIdArray": {"partId": list(part_ids)}}
        response = self._call("getInventoryLevels", **fields)
        if response is None:
            raise self._error(self.not_the_service, "The service answered an empty message instead of stock levels.")
        messages = getattr(getattr(response, "ServiceMessageArray", None), "ServiceMessage", None) or []
        errors = [message for message in messages if (message.severity or "") == "Error"]
        if errors:
            codes = {str(message.code) for message in errors}
            text = "; ".join(f"{message.code}: {message.description}" for message in errors)
            category = failures.REFUSED_CREDENTIALS if codes & CREDENTIALS_REFUSED else failures.SERVICE_ERROR
            raise self._error(category, f"{self.url} answered about {product_id}: {text}")
        inventory = getattr(response, "Inventory", None)
        if inventory is None:
            raise self._error(failures.UNUSABLE_INVENTORY, f"The service answered no inventory for {product_id}.")
        if (inventory.productId or "").strip() != product_id:
            raise self._error(
                failures.UNUSABLE_INVENTORY,
                f"The service answered about product {inventory.productId!r:.40}, not {product_id}.",
            )
        parts = getattr(getattr(inventory, "PartInventoryArray", None), "PartInventory", None) or []
        return [self._part(part, product_id) for part in parts]

    def _part(self, part, product_id: str) -> PartStock:
        part_id = (part.partId or "").strip()
        available, uom = self._quantity(part.quantityAvailable.Quantity, f"part {part_id} of {product_id}")
        future = []
        locations = getattr(getattr(part, "InventoryLocationArray", None), "InventoryLocation", None) or []
        for location in locations:
            entries = getattr(getattr(location, "FutureAvailabilityArray", None), "FutureAvailability", None) or []
            for entry in entries:
                try:
                    day = _calendar_date(entry.availableOn)
                except OrderStatusServiceError as error:
                    raise self._error(failures.UNUSABLE_INVENTORY, error.detail) from error
                if day is None:
                    continue
                quantity, unit = self._quantity(entry.Quantity, f"the future stock of part {part_id} of {product_id}")
                future.append(FutureStock(quantity=quantity, available_on=day, uom=unit))
        return PartStock(part_id=part_id[:64], available=available, future=tuple(future), uom=uom)

    def _quantity(self, quantity, what: str) -> tuple[Decimal, str]:
        """A quantity and its unit: at least 0, and whole when counted in eaches (2.5 cases may be)."""
        try:
            value = Decimal(quantity.value)
        except (ArithmeticError, TypeError, ValueError, AttributeError) as error:
            raise self._error(failures.UNUSABLE_INVENTORY, f"No quantity for {what}.") from error
        unit = unit_of(getattr(quantity, "uom", None))
        if not value.is_finite() or value < 0 or (unit == EACH and value != value.to_integral_value()):
            raise self._error(failures.UNUSABLE_INVENTORY, f"The quantity {value} for {what} is not a whole number.")
        return value, unit
