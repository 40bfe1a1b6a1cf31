"""The API's fields for what people type: money and whole quantities, read as core.fields reads them.

The words of each refusal are the pages' own (core.fields); the schema documents the plain notation
with a pattern, so a client can check an amount before sending it.
"""

from decimal import Decimal

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.fields import MAX_MONEY, Refused, amount_messages, read_amount, read_whole_number, whole_number_message


def _amount_schema(whole_digits: int, example: str) -> dict:
    return {
        "type": "string",
        "format": "decimal",
        "pattern": rf"^[0-9]{{1,{whole_digits}}}(\.[0-9]{{1,2}})?$",
        "example": example,
    }


class MoneyField(serializers.DecimalField):
    """An amount as a string in plain decimal notation ("4.25"); a JSON integer is taken too, never a float.

    Shown as a string with two decimals, as every amount the API answers.
    """

    def __init__(self, *, example: str = "4.25", max_value: Decimal = MAX_MONEY, **kwargs):
        self.example, self.largest = example, max_value
        super().__init__(max_digits=len(str(int(max_value))) + 2, decimal_places=2, **kwargs)

    def to_internal_value(self, data):
        try:
            return read_amount(data, max_value=self.largest)
        except Refused as refused:
            words = amount_messages(str(self.label), example=self.example, max_value=self.largest)
            raise serializers.ValidationError(words[refused.code], code=refused.code) from None


@extend_schema_field(_amount_schema(12, "4.25"))
class AmountField(MoneyField):
    """Money up to what the money columns hold (999,999,999,999.99)."""


@extend_schema_field(_amount_schema(3, "8.25"))
class PercentField(MoneyField):
    """A percent from 0 to 100 with at most two decimals ("8.25")."""

    def __init__(self, **kwargs):
        super().__init__(example="8.25", max_value=Decimal("100"), **kwargs)


class QuantityField(serializers.IntegerField):
    """A whole number: a JSON integer, or a string of plain digits; never a float, 1_0 or ١٠."""

    def __init__(self, *, min_value: int, max_value: int, **kwargs):
        # Kept apart from IntegerField's own bounds, whose validators would refuse with other words.
        self.lowest, self.highest = min_value, max_value
        super().__init__(**kwargs)
        self.min_value, self.max_value = min_value, max_value  # for the schema's minimum and maximum

    def to_internal_value(self, data):
        try:
            return read_whole_number(data, min_value=self.lowest, max_value=self.highest)
        except Refused:
            message = whole_number_message(str(self.label), min_value=self.lowest, max_value=self.highest)
            raise serializers.ValidationError(message, code="invalid") from None
