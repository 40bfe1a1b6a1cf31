"""TIME_ZONE is the company's: it decides an invoice's date and the times the pages show."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import formats

from invoicing.services.issue import invoice_create
from projects.models import Activity
from tests.factories import goods_ready

# UTC+14 and UTC-11: at any moment at least one of the two is on another day than UTC.
ZONES = ["Pacific/Kiritimati", "Pacific/Pago_Pago"]


@pytest.mark.parametrize("zone", ZONES)
def test_an_invoice_is_dated_by_the_companys_calendar(settings, zone, mug_order, invoicing_rep):
    settings.TIME_ZONE = zone
    goods_ready(mug_order.order.pk)
    invoice = invoice_create(sales_order=mug_order.order, by=invoicing_rep)
    assert invoice.date == datetime.now(ZoneInfo(zone)).date()


@pytest.mark.parametrize("zone", ZONES)
def test_the_activity_log_shows_times_in_the_companys_zone(settings, zone, client, mug_order, manager):
    settings.TIME_ZONE = zone
    activity = Activity.objects.create(
        project=mug_order.order.project, subject=mug_order.order, subject_label="SO-1001", verb="checked"
    )
    local = activity.created_at.astimezone(ZoneInfo(zone))
    client.force_login(manager)
    page = client.get(reverse("project-detail", args=[mug_order.order.project.pk])).content.decode()
    assert formats.date_format(local, settings.DATE_FORMAT) in page
    assert local.strftime("%H:%M") in page
