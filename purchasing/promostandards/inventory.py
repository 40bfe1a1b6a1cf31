"""Ask a supplier's Inventory Service (PromoStandards 2.0.0) how much of a product it has in stock.

The same client as the order status service (client.py: zeep, the guarded transport, one error with a
category for the page and a detail for the log), with the WSDL beside this file. One call per product:
getInventoryLevels with the productId and, when the desk knows them, a Filter of partIds. What is read of
the answer, per part:

    Inventory   productId (must be the one asked about)
      PartInventoryArray/PartInventory
        partId
        quantityAvailable/Quantity/value   (a whole number of at least 0)
        InventoryLocationArray/InventoryLocation/FutureAvailabilityArray/FutureAvailability
          Quantity/value, availableOn (the day as the supplier wrote it)
    ServiceMessageArray/ServiceMessage   code, description, severity (an Error is a failure)

The units (uom), colours, sizes, descriptions, lead times, locations' names and quantities are not read.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

from purchasing.promostandards import failures
from purchasing.promostandards.client import OrderStatusClient, OrderStatusServiceError, _calendar_date
from purchasing.promostandards.statuses import CREDENTIALS_REFUSED

WSDL_PATH = Path(__file__).with_name("inventory.wsdl")
WS_VERSION = "2.0.0"
BINDING = "{http://www.promostandards.org/WSDL/Inventory/2.0.0/}InventoryServiceBinding"


@dataclass(frozen=True)
class FutureStock:
    quantity: int
    available_on: date


@dataclass(frozen=True)
class PartStock:
    """One part of a product: what the supplier has now, and what it expects and when."""

    part_id: str
    available: int
    future: tuple[FutureStock, ...]

    @property
    def next_future(self) -> FutureStock | None:
        """The earliest future availability, its quantities on that day added up."""
        if not self.future:
            return None
        day = min(entry.available_on for entry in self.future)
        return FutureStock(
            quantity=sum(entry.quantity for entry in self.future if entry.available_on == day), available_on=day
        )


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
        available = self._whole(part.quantityAvailable.Quantity, f"part {part_id} of {product_id}")
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
                quantity = self._whole(entry.Quantity, f"the future stock of part {part_id} of {product_id}")
                future.append(FutureStock(quantity=quantity, available_on=day))
        return PartStock(part_id=part_id[:64], available=available, future=tuple(future))

    def _whole(self, quantity, what: str) -> int:
        try:
            value = Decimal(quantity.value)
        except (ArithmeticError, TypeError, ValueError, AttributeError) as error:
            raise self._error(failures.UNUSABLE_INVENTORY, f"No quantity for {what}.") from error
        if value != value.to_integral_value() or value < 0:
            raise self._error(failures.UNUSABLE_INVENTORY, f"The quantity {value} for {what} is not a whole number.")
        return int(value)
