"""Money arithmetic: Decimal everywhere, rounded half-up to cents."""

from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")


def cents(value: Decimal | int) -> Decimal:
    """Round an amount half-up to whole cents."""
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def line_amount(quantity: int, unit_price: Decimal) -> Decimal:
    """A line's net amount: quantity × unit price, rounded half-up to cents."""
    return cents(Decimal(quantity) * Decimal(unit_price))


def line_tax(amount: Decimal, tax_rate: Decimal) -> Decimal:
    """A line's tax: amount × tax rate (a percent), rounded half-up to cents."""
    return cents(Decimal(amount) * Decimal(tax_rate) / Decimal(100))
