from django.urls import path

from backorders.views import actions, report

urlpatterns = [
    path("", report.backorder_report, name="backorder-report"),
    path("<int:pk>/resolve/", actions.backorder_resolve_view, name="backorder-resolve"),
    path("<int:pk>/cancel/", actions.backorder_cancel_view, name="backorder-cancel"),
]
