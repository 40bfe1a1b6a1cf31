"""The sales order's updates to its client: sent or dismissed by the order rep."""

from django.urls import path

from backorders.views import client_updates

urlpatterns = [
    path(
        "sales-orders/<int:pk>/client-updates/send/", client_updates.client_update_send_view, name="client-update-send"
    ),
    path("client-updates/<int:pk>/dismiss/", client_updates.client_update_dismiss_view, name="client-update-dismiss"),
]
