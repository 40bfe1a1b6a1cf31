"""The status ids of the Order Status Service 1.0.0, in the order an order goes through them."""

# The standard's table: id, name, and what it means. Suppliers send their own statusName beside
# the id; the id is what the desk acts on.
STATUSES: dict[int, tuple[str, str]] = {
    10: ("Order Received", "Order has been received."),
    11: ("Order Entry Hold", "Vendor has a problem with the data in the purchase order."),
    20: ("Order Confirmed", "Order has been received, entered, and accepted."),
    30: ("Pre-Production", "Vendor has begun to process the order, but it is not in production."),
    40: ("General Hold", "Something is preventing the order from being entered."),
    41: ("Credit Hold", "Vendor is awaiting payment from the customer."),
    42: ("Proof Hold", "Vendor is awaiting response to proof."),
    43: ("Art Hold", "Vendor is awaiting suitable artwork from the customer."),
    44: ("Back Order Hold", "Order has been backordered; nothing has shipped yet."),
    60: ("In Production", "The production of the order has started."),
    70: ("In Storage", "Order is complete, but the vendor is waiting to ship the goods."),
    75: ("Partial Shipment", "Order has shipped in part; the remaining items are in production."),
    80: ("Complete", "Order has shipped in full; no further updates will be given."),
    99: ("Canceled", "Order has been canceled; no further updates will be given."),
}

BACK_ORDER_HOLD = 44
PARTIAL_SHIPMENT = 75
COMPLETE = 80
# Goods have left the supplier, in part or in full: the desk proposes "goods ready".
SHIPPED = (PARTIAL_SHIPMENT, COMPLETE)

# getOrderStatusDetails query types.
PO_SEARCH = 1
SO_SEARCH = 2
LAST_UPDATE_SEARCH = 3
ALL_OPEN_SEARCH = 4

# errorMessage codes the standard names; a message starts with its code, e.g. "105: ...".
AUTHENTICATION_FAILED = "105"
# The codes that mean "not with these credentials": id not found, not authorised for the service,
# credentials wrong, credentials missing.
CREDENTIALS_REFUSED = frozenset({"100", "104", AUTHENTICATION_FAILED, "110"})
REFERENCE_NUMBER_NOT_FOUND = "301"


def status_label(status_id: int, name: str = "") -> str:
    """Return e.g. '44 Back Order Hold': the supplier's name for the status, else the standard's."""
    standard = STATUSES.get(status_id, ("",))[0]
    return f"{status_id} {(name or '').strip() or standard or 'Unknown status'}"
