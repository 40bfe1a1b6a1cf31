"""The site's URLs: pages per app, the API under /api/, the admin and the health check."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from config.favicon import favicon
from config.health import healthz

urlpatterns = [
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(redirect_authenticated_user=True),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/", include("accounts.urls")),
    path("admin/", admin.site.urls),
    path("api/", include("config.api_urls")),
    path("healthz", healthz, name="healthz"),
    path("favicon.ico", favicon, name="favicon"),
    path("", include("reports.urls")),
    path("backorders/", include("backorders.urls")),
    path("invoices/", include("invoicing.urls")),
    path("status/", include("invoicing.status_urls")),
    path("notifications/", include("notifications.urls")),
    path("", include("imports.urls")),
    path("", include("projects.urls")),
    path("", include("purchasing.urls")),
    path("", include("backorders.purchase_order_urls")),
    path("", include("backorders.client_update_urls")),
]
