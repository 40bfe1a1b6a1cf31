from axes.admin import AccessAttemptAdmin
from axes.models import AccessAttempt
from django.contrib import admin, messages

from accounts.services import sign_in_unlock
from core.errors import RoleRequired

# axes registers its own admin for the attempts; this one adds an explicit Unlock.
admin.site.unregister(AccessAttempt)


@admin.register(AccessAttempt)
class SignInAttemptAdmin(AccessAttemptAdmin):
    actions = [*AccessAttemptAdmin.actions, "unlock"]

    @admin.action(description="Unlock: clear these failed sign-ins")
    def unlock(self, request, queryset):
        try:
            cleared = sum(sign_in_unlock(attempt=attempt, by=request.user) for attempt in queryset)
        except RoleRequired as error:
            self.message_user(request, str(error), messages.ERROR)
            return
        self.message_user(request, f"Cleared {cleared} failed sign-in record(s).", messages.SUCCESS)
