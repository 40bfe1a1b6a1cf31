"""The sign-in form, with the throttle in front of the password check."""

from django import forms
from django.contrib.auth.forms import AuthenticationForm

from config.throttle import LOCKED_MESSAGE, sign_in_locked


class ThrottledAuthenticationForm(AuthenticationForm):
    def clean(self):
        if sign_in_locked(self.data.get("username", "")):
            raise forms.ValidationError(LOCKED_MESSAGE, code="locked")
        return super().clean()
