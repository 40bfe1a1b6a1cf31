"""A refused page names every role that may enter it, Managers included, since they may enter every page."""

import pytest
from django.urls import reverse

from core.errors import RoleRequired
from core.roles import Role, roles_phrase
from projects.services.clients import client_create
from tests.factories import ClientFactory, UserFactory


@pytest.mark.parametrize(
    ("roles", "phrase"),
    [
        ((Role.SALES,), "Sales or Managers"),
        ((Role.SALES, Role.PRODUCTION), "Production, Sales or Managers"),
        ((Role.INVOICING, Role.PRODUCTION, Role.SALES), "Production, Sales, Invoicing or Managers"),
        ((Role.MANAGERS,), "Managers"),
        ((Role.MANAGERS, Role.INVOICING), "Invoicing or Managers"),
    ],
)
def test_roles_phrase_names_every_role_and_managers_last(roles, phrase):
    assert roles_phrase(*roles) == phrase


@pytest.mark.parametrize(
    ("user_roles", "url_name", "arguments", "message"),
    [
        (["Production"], "client-create", (), "This page is for Sales or Managers."),
        (["Production"], "project-create", (), "This page is for Sales or Managers."),
        (["Invoicing"], "supplier-create", (), "This page is for Production, Sales or Managers."),
        (["Sales"], "invoice-report", (), "This page is for Invoicing or Managers."),
        ([], "invoice-report", (), "This page is for Invoicing or Managers."),
    ],
)
def test_a_refused_page_names_every_role_that_may_enter(signed_in, user_roles, url_name, arguments, message):
    refused = signed_in(UserFactory(roles=user_roles)).get(reverse(url_name, args=arguments))
    assert refused.status_code == 403
    assert message in refused.content.decode()


def test_a_refused_edit_page_names_managers_too(signed_in, sales_rep):
    record = ClientFactory()
    refused = signed_in(UserFactory(roles=["Invoicing"])).get(reverse("client-edit", args=[record.pk]))
    assert refused.status_code == 403
    assert "This page is for Sales or Managers." in refused.content.decode()


def test_a_refused_service_names_managers_too(production_rep):
    with pytest.raises(RoleRequired, match=r"^Only Sales or Managers may create clients\.$"):
        client_create(name="Acme", billing_email="ap@acme.example", billing_address="1 Main St", by=production_rep)


def test_a_refused_invoice_page_action_names_managers_too(signed_in, mug_order):
    # Sales may read the sales order but not create its invoice.
    refused = signed_in(UserFactory(roles=["Sales"])).get(reverse("invoice-create", args=[mug_order.order.pk]))
    assert refused.status_code == 403
    assert "This page is for Invoicing or Managers." in refused.content.decode()
