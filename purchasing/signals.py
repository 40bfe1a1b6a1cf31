"""Signals one app sends for another to react to."""

from django.dispatch import Signal

# Sent by the PO stage service inside its transaction, with purchase_order, previous and by.
purchase_order_stage_changed = Signal()
