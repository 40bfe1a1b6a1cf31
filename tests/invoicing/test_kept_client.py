"""Each invoice keeps its project's client: set when it is made, moved with the project, checked by check_books."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from invoicing.aging import ar_aging
from invoicing.models import Invoice
from invoicing.selectors import invoice_report_filtered
from projects.services.projects import project_update
from tests.factories import ClientFactory
from tests.invoicing.test_aging import AS_OF, bill  # noqa: F401  (bill is a fixture)

pytestmark = pytest.mark.django_db


def test_an_invoice_keeps_its_project_s_client_and_moves_with_the_project(bill, sales_rep):  # noqa: F811
    acme, globex = ClientFactory(name="Acme"), ClientFactory(name="Globex")
    invoice = bill(acme, "100.00", 10)
    assert Invoice.objects.values_list("client_id", flat=True).get(pk=invoice.pk) == acme.pk

    project_update(project=invoice.sales_order.project, by=sales_rep, client=globex)

    assert Invoice.objects.values_list("client_id", flat=True).get(pk=invoice.pk) == globex.pk
    assert [row.client_name for row in ar_aging(as_of=AS_OF).rows] == ["Globex"]
    assert list(invoice_report_filtered({"client": globex.pk})) == [invoice]
    assert not invoice_report_filtered({"client": acme.pk}).exists()


def test_check_books_names_an_invoice_that_keeps_another_client(bill):  # noqa: F811
    acme, globex = ClientFactory(name="Acme"), ClientFactory(name="Globex")
    invoice = bill(acme, "100.00", 10)
    call_command("check_books", stdout=StringIO())  # clean first
    Invoice.objects.filter(pk=invoice.pk).update(client=globex)  # as a write that bypassed the services would

    out = StringIO()
    with pytest.raises(CommandError) as refused:
        call_command("check_books", stdout=out)

    assert out.getvalue() == f"{invoice.number}: kept client Globex, its project's client Acme\n"
    assert str(refused.value) == "Checked 1 items: invoices on another client than their project's: 1."
    assert refused.value.returncode == 1
