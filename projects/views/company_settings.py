"""The managers' Company settings page: the seller's name, address, tax id, contact and bank details."""

from typing import cast

from django.contrib import messages
from django.contrib.auth.models import User
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from core.roles import Role
from core.views import role_required
from projects.forms import CompanySettingsForm
from projects.models import CompanySettings
from projects.services.company import company_settings_update


@role_required(Role.MANAGERS)
def company_settings_page(request: HttpRequest) -> HttpResponse:
    company = CompanySettings.load()
    form = CompanySettingsForm(request.POST if request.method == "POST" else None, instance=company)
    if request.method == "POST" and form.is_valid():
        _company, changed = company_settings_update(by=cast(User, request.user), **form.cleaned_data)
        if changed:
            labels = ", ".join(str(form.fields[name].label).lower() for name in changed)
            messages.success(
                request, f"Company settings saved ({labels}); new invoices, POs and credit notes print them."
            )
        else:
            messages.info(request, "Nothing changed in the company settings.")
        return redirect("company-settings")
    context = {"form": form, "nav_section": "company_settings"}
    return render(request, "projects/company_settings.html", context, status=400 if form.errors else 200)
