"""The first-run page's forms: the first manager, and the demo's password."""

from typing import Any

from django import forms
from django.contrib.auth.validators import UnicodeUsernameValidator


class FirstManagerForm(forms.Form):
    username = forms.CharField(
        label="User name",
        max_length=150,
        validators=[UnicodeUsernameValidator()],
        help_text="What the manager signs in with: letters, digits and @ . + - _ only.",
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "none"}),
    )
    email = forms.EmailField(label="Email", help_text="Where the desk's notifications reach the manager.")
    password = forms.CharField(
        label="Password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="At least 8 characters, not too common, not all digits, not like the user name.",
    )
    password_again = forms.CharField(
        label="Password again", strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        password, again = cleaned.get("password"), cleaned.get("password_again")
        if password and again and password != again:
            self.add_error("password_again", "The two passwords differ: type the same password twice.")
        return cleaned


class DemoForm(forms.Form):
    password = forms.CharField(
        label="Password for the demo's people",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=(
            "Sam (sales), Pat (production), Ivy (invoicing) and Max (manager) sign in with it as sam.sales, "
            "pat.production, ivy.invoicing and max.manager. At least 8 characters, not too common."
        ),
    )
