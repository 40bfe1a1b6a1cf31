from django.urls import path

from projects.views import notes, order_entry, projects, sales_orders
from projects.views.clients import client_detail, client_edit, client_list, client_new
from projects.views.company_settings import company_settings_page

urlpatterns = [
    # Managers' home is Money waiting; everyone else's is My desk, which managers find at desk/.
    path("projects/", projects.project_list, name="project-list"),
    path("projects/new/", order_entry.project_create_view, name="project-create"),
    path("projects/<int:pk>/", projects.project_detail, name="project-detail"),
    path("projects/<int:pk>/edit/", order_entry.project_edit_view, name="project-edit"),
    path("projects/<int:pk>/sales-orders/new/", order_entry.sales_order_create_view, name="sales-order-create"),
    path("sales-orders/totals/", order_entry.sales_order_totals_view, name="sales-order-totals"),
    path("projects/<int:pk>/notes/", notes.note_create_view, name="note-create"),
    path("projects/<int:pk>/mention-suggestions/", notes.mention_suggestions, name="mention-suggestions"),
    path("notes/<int:pk>/pin/", notes.note_pin_view, name="note-pin"),
    path("sales-orders/<int:pk>/", sales_orders.sales_order_detail, name="sales-order-detail"),
    path("sales-orders/<int:pk>/status/", sales_orders.sales_order_status, name="sales-order-status"),
    path("sales-orders/<int:pk>/edit/", order_entry.sales_order_edit_view, name="sales-order-edit"),
    path("clients/", client_list, name="client-list"),
    path("clients/new/", client_new, name="client-create"),
    path("clients/<int:pk>/", client_detail, name="client-detail"),
    path("clients/<int:pk>/edit/", client_edit, name="client-edit"),
    path("settings/company/", company_settings_page, name="company-settings"),
]
