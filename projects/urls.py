from django.urls import path

from projects.views import desk, notes, projects, purchase_orders, sales_orders
from projects.views.search import search_view

urlpatterns = [
    path("", desk.desk, name="desk"),
    path("search/", search_view, name="search"),
    path("projects/", projects.project_list, name="project-list"),
    path("projects/<int:pk>/", projects.project_detail, name="project-detail"),
    path("projects/<int:pk>/notes/", notes.note_create_view, name="note-create"),
    path("projects/<int:pk>/mention-suggestions/", notes.mention_suggestions, name="mention-suggestions"),
    path("notes/<int:pk>/pin/", notes.note_pin_view, name="note-pin"),
    path("sales-orders/<int:pk>/", sales_orders.sales_order_detail, name="sales-order-detail"),
    path("sales-orders/<int:pk>/status/", sales_orders.sales_order_status, name="sales-order-status"),
    path("purchase-orders/", purchase_orders.purchase_order_list, name="purchase-order-list"),
    path("purchase-orders/<int:pk>/", purchase_orders.purchase_order_detail, name="purchase-order-detail"),
    path("purchase-orders/<int:pk>/stage/", purchase_orders.purchase_order_stage, name="purchase-order-stage"),
    path("purchase-orders/<int:pk>/status/", purchase_orders.purchase_order_status, name="purchase-order-status"),
    path("purchase-orders/<int:pk>/flag/", purchase_orders.backorder_flag_view, name="backorder-flag"),
]
