from django import forms


class NotificationPreferenceForm(forms.Form):
    email_enabled = forms.BooleanField(
        required=False,
        label="Email me my notifications",
        help_text="Untick to stop notification emails; they still appear here and in the navigation.",
    )
