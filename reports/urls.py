"""The pages that read across apps: the desks, Money waiting, search and the reports."""

from django.urls import path

from reports.views import backorder_report, desk, exports, invoice_report, money_waiting
from reports.views.sales_order_report import sales_order_report
from reports.views.saved_filters import saved_filter_create, saved_filter_delete
from reports.views.search import search_view
from reports.views.supplier_performance import supplier_performance_page
from reports.views.welcome import welcome, welcome_demo, welcome_manager

urlpatterns = [
    path("", money_waiting.home, name="home"),
    path("desk/", desk.desk, name="desk"),
    path("welcome/", welcome, name="welcome"),
    path("welcome/manager/", welcome_manager, name="welcome-manager"),
    path("welcome/demo/", welcome_demo, name="welcome-demo"),
    path("money-waiting/", money_waiting.money_waiting_page, name="money-waiting"),
    path("search/", search_view, name="search"),
    path("sales-orders/", sales_order_report, name="sales-order-list"),
    path("backorders/", backorder_report.backorder_report, name="backorder-report"),
    path("invoices/report/", invoice_report.invoice_report, name="invoice-report"),
    path("invoices/report/export/", invoice_report.invoice_accounting_export, name="invoice-accounting-export"),
    path("exports/<int:pk>/", exports.export_job_page, name="export-job"),
    path("exports/<int:pk>/download/", exports.export_job_download, name="export-job-download"),
    path("suppliers/performance/", supplier_performance_page, name="supplier-performance"),
    path("reports/<str:report>/saved-filters/", saved_filter_create, name="saved-filter-create"),
    path("reports/saved-filters/<int:pk>/delete/", saved_filter_delete, name="saved-filter-delete"),
]
