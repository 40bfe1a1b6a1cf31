from django.urls import path

from backorders.views import actions, proposals

urlpatterns = [
    path("<int:pk>/resolve/", actions.backorder_resolve_view, name="backorder-resolve"),
    path("<int:pk>/cancel/", actions.backorder_cancel_view, name="backorder-cancel"),
    path("<int:pk>/expected-date/", actions.backorder_expected_date_view, name="backorder-expected-date"),
    path("proposals/<int:pk>/confirm/", proposals.supplier_proposal_confirm_view, name="supplier-proposal-confirm"),
    path("proposals/<int:pk>/dismiss/", proposals.supplier_proposal_dismiss_view, name="supplier-proposal-dismiss"),
]
