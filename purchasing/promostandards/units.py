"""A supplier's units of measure (PromoStandards uom), turned into the desk's: it counts items one by one.

PromoStandards quantities carry a uom: BX box, CA case, DZ dozen, EA each, KT kit, PR pair, PK package, RL roll,
ST set, SL sleeve, TH thousand. An each, a dozen and a thousand are the same size whatever the item; a box, a case
or a pack holds as many as the item's `supplier_units_per_pack` says, and without it the quantity cannot be
compared with the line's (None). A pair is an item's own (a pair of socks may be one item): it needs the item's
figure too. A quantity with no uom is taken as eaches.
"""

from decimal import ROUND_FLOOR, Decimal

EACH = "EA"
FIXED_SIZES = {"EA": 1, "DZ": 12, "TH": 1000}


def unit_of(uom: str | None) -> str:
    """The unit as the desk keeps it: upper case, eaches when the supplier wrote none."""
    return (uom or "").strip().upper()[:8] or EACH


def eaches(value: Decimal, uom: str | None, units_per_pack: int | None) -> int | None:
    """The whole number of items a quantity in the supplier's unit makes (rounded down), or None if unknown."""
    unit = unit_of(uom)
    size = FIXED_SIZES.get(unit, units_per_pack)
    if size is None:
        return None
    return int((value * size).to_integral_value(rounding=ROUND_FLOOR))
