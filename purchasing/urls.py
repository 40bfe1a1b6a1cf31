"""Suppliers' pages."""

from django.urls import path

from purchasing.views.sales_order_purchase_orders import purchase_orders_create_view, purchase_orders_email_all_view
from purchasing.views.suppliers import supplier_detail, supplier_edit, supplier_list, supplier_new

urlpatterns = [
    path(
        "sales-orders/<int:pk>/purchase-orders/new/",
        purchase_orders_create_view,
        name="sales-order-purchase-orders",
    ),
    path(
        "sales-orders/<int:pk>/purchase-orders/email/",
        purchase_orders_email_all_view,
        name="sales-order-purchase-orders-email",
    ),
    path("suppliers/", supplier_list, name="supplier-list"),
    path("suppliers/new/", supplier_new, name="supplier-create"),
    path("suppliers/<int:pk>/", supplier_detail, name="supplier-detail"),
    path("suppliers/<int:pk>/edit/", supplier_edit, name="supplier-edit"),
]
