from django import forms

from notifications.models import Notification


class NotificationPreferenceForm(forms.Form):
    email_enabled = forms.BooleanField(
        required=False,
        label="Email me my notifications",
        help_text="Untick to stop notification emails; they still appear here and in the navigation.",
    )


class InboxFilterForm(forms.Form):
    """The inbox's filter: one kind of notification, or every kind."""

    kind = forms.ChoiceField(
        label="Kind",
        required=False,
        choices=[("", "All kinds"), *Notification.Kind.choices],
        error_messages={"invalid_choice": "There is no kind “%(value)s”: every kind is shown."},
    )

    def kind_shown(self) -> str:
        """The kind to show, "" for every kind; an unknown one shows every kind, its message beside the filter."""
        return self.cleaned_data.get("kind", "") if self.is_valid() else ""
