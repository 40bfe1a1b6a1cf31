from django.urls import path

from projects.views import desk, money_waiting, notes, order_entry, projects, purchase_orders, sales_orders
from projects.views.clients import client_detail, client_edit, client_list, client_new
from projects.views.sales_order_report import sales_order_report
from projects.views.search import search_view
from projects.views.supplier_performance import supplier_performance_page
from projects.views.suppliers import supplier_detail, supplier_edit, supplier_list, supplier_new

urlpatterns = [
    # Managers' home is Money waiting; everyone else's is My desk, which managers find at desk/.
    path("", money_waiting.home, name="home"),
    path("desk/", desk.desk, name="desk"),
    path("money-waiting/", money_waiting.money_waiting_page, name="money-waiting"),
    path("search/", search_view, name="search"),
    path("projects/", projects.project_list, name="project-list"),
    path("projects/new/", order_entry.project_create_view, name="project-create"),
    path("projects/<int:pk>/", projects.project_detail, name="project-detail"),
    path("projects/<int:pk>/edit/", order_entry.project_edit_view, name="project-edit"),
    path("projects/<int:pk>/sales-orders/new/", order_entry.sales_order_create_view, name="sales-order-create"),
    path("sales-orders/", sales_order_report, name="sales-order-list"),
    path("sales-orders/totals/", order_entry.sales_order_totals_view, name="sales-order-totals"),
    path("projects/<int:pk>/notes/", notes.note_create_view, name="note-create"),
    path("projects/<int:pk>/mention-suggestions/", notes.mention_suggestions, name="mention-suggestions"),
    path("notes/<int:pk>/pin/", notes.note_pin_view, name="note-pin"),
    path("sales-orders/<int:pk>/", sales_orders.sales_order_detail, name="sales-order-detail"),
    path("sales-orders/<int:pk>/status/", sales_orders.sales_order_status, name="sales-order-status"),
    path("sales-orders/<int:pk>/edit/", order_entry.sales_order_edit_view, name="sales-order-edit"),
    path(
        "sales-orders/<int:pk>/purchase-orders/new/",
        order_entry.purchase_orders_create_view,
        name="sales-order-purchase-orders",
    ),
    path("purchase-orders/", purchase_orders.purchase_order_list, name="purchase-order-list"),
    path("purchase-orders/<int:pk>/", purchase_orders.purchase_order_detail, name="purchase-order-detail"),
    path("purchase-orders/<int:pk>/stage/", purchase_orders.purchase_order_stage, name="purchase-order-stage"),
    path("purchase-orders/<int:pk>/status/", purchase_orders.purchase_order_status, name="purchase-order-status"),
    path("purchase-orders/<int:pk>/flag/", purchase_orders.backorder_flag_view, name="backorder-flag"),
    path("purchase-orders/<int:pk>/pdf/", purchase_orders.purchase_order_pdf, name="purchase-order-pdf"),
    path("purchase-orders/<int:pk>/email/", purchase_orders.purchase_order_email, name="purchase-order-email"),
    path("clients/", client_list, name="client-list"),
    path("clients/new/", client_new, name="client-create"),
    path("clients/<int:pk>/", client_detail, name="client-detail"),
    path("clients/<int:pk>/edit/", client_edit, name="client-edit"),
    path("suppliers/", supplier_list, name="supplier-list"),
    path("suppliers/new/", supplier_new, name="supplier-create"),
    path("suppliers/performance/", supplier_performance_page, name="supplier-performance"),
    path("suppliers/<int:pk>/", supplier_detail, name="supplier-detail"),
    path("suppliers/<int:pk>/edit/", supplier_edit, name="supplier-edit"),
]
