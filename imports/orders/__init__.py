"""Importing open orders: one row per sales order item, with its order's and its project's columns.

Rows are grouped by project number (P-) and sales order number (SO-), kept as the file writes them; the
desk's own sequences continue after the highest number imported. A project is matched by its number, an
order by its number, an item by its order and its line (1 for the order's first item, as the order's page
lists them and Export everything writes them). Importing the same file again changes nothing; a corrected
file changes only what differs; an order with invoices or purchase orders is never changed.

The records are written here in bulk, not through `project_create` and `sales_order_create`: those take
one number at a time and run several statements per record, and 100,000 items must import within a
minute. The checks are the services' own: active reps (`_check_reps`' rule), the client's PO number's
length, each item's quantity, money and tax rate (the cells below, as `_validate_item_requests` checks
them) and the order's total (`order_total_refusal`); the numbers are checked free under the number
sequences' locks, taken in the documented lock order (sales orders, their items, then the sequences).
"""

from imports.orders.columns import order_columns
from imports.orders.importer import import_orders

__all__ = ["import_orders", "order_columns"]
