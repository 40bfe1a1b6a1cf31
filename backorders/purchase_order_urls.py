"""A purchase order's pages: where production follows it and flags its backorders."""

from django.urls import path

from backorders.views import purchase_order_list, purchase_orders, stock

urlpatterns = [
    path("purchase-orders/", purchase_order_list.purchase_order_list, name="purchase-order-list"),
    path("purchase-orders/stage/", purchase_order_list.purchase_order_stage_bulk, name="purchase-order-stage-bulk"),
    path("purchase-orders/<int:pk>/", purchase_orders.purchase_order_detail, name="purchase-order-detail"),
    path("purchase-orders/<int:pk>/stage/", purchase_orders.purchase_order_stage, name="purchase-order-stage"),
    path("purchase-orders/<int:pk>/status/", purchase_orders.purchase_order_status, name="purchase-order-status"),
    path("purchase-orders/<int:pk>/flag/", purchase_orders.backorder_flag_view, name="backorder-flag"),
    path(
        "purchase-orders/<int:pk>/stock-check/",
        stock.purchase_order_stock_check_view,
        name="purchase-order-stock-check",
    ),
    path("purchase-orders/<int:pk>/pdf/", purchase_orders.purchase_order_pdf, name="purchase-order-pdf"),
    path("purchase-orders/<int:pk>/email/", purchase_orders.purchase_order_email, name="purchase-order-email"),
]
