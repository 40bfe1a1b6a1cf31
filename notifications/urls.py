from django.urls import path

from notifications import views

urlpatterns = [
    path("", views.inbox, name="notification-inbox"),
    path("<int:pk>/read/", views.notification_read_view, name="notification-read"),
    path("<int:pk>/open/", views.notification_open_view, name="notification-open"),
    path("read-all/", views.notification_read_all_view, name="notification-read-all"),
    path("preferences/", views.preference_view, name="notification-preferences"),
]
