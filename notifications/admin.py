from django.contrib import admin

from notifications.models import Notification, NotificationPreference


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["created_at", "recipient", "kind", "email_state", "read_at"]
    list_filter = ["kind", "email_state"]
    list_select_related = ["recipient"]
    readonly_fields = ["recipient", "kind", "event_key", "project", "message", "url", "email_state"]


@admin.register(NotificationPreference)
class NotificationPreferenceAdmin(admin.ModelAdmin):
    list_display = ["user", "email_enabled"]
