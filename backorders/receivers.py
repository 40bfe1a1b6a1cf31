"""Reactions of the backorder workflow to purchase-order stage changes."""

from backorders.client_updates import client_update_after_stage_change
from backorders.services import backorders_resolve_when_ready_for_billing


def on_purchase_order_stage_changed(sender, *, purchase_order, previous, by, **kwargs) -> None:
    backorders_resolve_when_ready_for_billing(purchase_order=purchase_order, previous_stage=previous, by=by)
    client_update_after_stage_change(purchase_order=purchase_order, previous=previous)
