"""Sam finds the notes that mention him in the Notifications inbox, reads them, and switches emails off."""

import re

import pytest
from playwright.sync_api import expect

from projects.services.notes import note_create

pytestmark = pytest.mark.browser


def test_sam_reads_his_notifications_and_switches_emails_off(
    page,  # noqa: F811
    sign_in,  # noqa: F811
    screenshot,  # noqa: F811
    mug_order,
    production_rep,
    sales_rep,
):
    project = mug_order.order.project
    note_create(project=project, body="@sam the supplier is short on white mugs.", by=production_rep)
    note_create(project=project, body="@sam @ivy 300 mugs can be invoiced now.", by=production_rep)

    sign_in(sales_rep)
    badge = page.get_by_test_id("unread-count")
    expect(badge).to_have_text("2")
    page.get_by_role("link", name=re.compile(r"^Notifications")).click()
    expect(page.get_by_role("heading", name="Notifications")).to_be_visible()
    rows = page.get_by_test_id("notification")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text("300 mugs can be invoiced now")
    expect(rows.first).to_have_class(re.compile("unread"))
    screenshot("notifications-inbox-unread")

    rows.first.get_by_role("button", name=re.compile("Mark as read")).click()
    expect(page.get_by_test_id("unread-count")).to_have_text("1")
    expect(page.get_by_test_id("notification").first).not_to_have_class(re.compile("unread"))

    page.get_by_role("button", name="Mark all as read").click()
    expect(page.get_by_role("status")).to_contain_text("Marked 1 notification as read.")
    expect(page.get_by_test_id("unread-count")).to_have_count(0)
    screenshot("notifications-inbox-read")

    page.get_by_test_id("notification").last.get_by_role("link", name=re.compile("short on white mugs")).click()
    expect(page).to_have_url(re.compile(rf"/projects/{project.pk}/#note-\d+$"))

    page.goto("/notifications/")
    page.get_by_role("link", name="Email preferences").click()
    checkbox = page.get_by_label("Email me my notifications")
    expect(checkbox).to_be_checked()
    checkbox.uncheck()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_contain_text("Notification emails are off for you.")
    expect(page.get_by_label("Email me my notifications")).not_to_be_checked()
    screenshot("notifications-preferences-off")
