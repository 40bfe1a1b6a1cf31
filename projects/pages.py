"""Where higher apps add to the project and sales order pages (see core.pages)."""

from core.pages import PageHook

# Called with (request, project); purchasing/, backorders/ and invoicing/ add their lists.
project_overview = PageHook("project overview")
# Called with (request, sales order).
sales_order_page = PageHook("sales order page")
