"""The client's status page of one sales order, behind a signed, expiring link (no sign-in)."""

from django.urls import path

from invoicing.views import client_status

urlpatterns = [
    path("<str:token>/", client_status.order_status_client_view, name="order-status-client-view"),
    path("<str:token>/ok-to-ship/", client_status.order_status_ok_to_ship, name="order-status-ok-to-ship"),
]
