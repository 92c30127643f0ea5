"""Engagement reports through the real pages: an induction tutor asks for their school's report from
the Lead dashboard, watches its row on the reports page until the worker has made it (htmx polling),
and downloads the PDF; axe on the way."""

import re

import pytest
from django.utils import timezone
from django_scopes import scopes_disabled
from playwright.sync_api import expect

from engagement.models import ReportRequest
from engagement.reports import stored
from tests.browser.conftest import axe_check


@pytest.fixture
def no_worker(settings, tmp_path):
    """Tasks go to a broker folder nobody reads: the test plays the worker."""
    from ectprogramme.celery import app

    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_BROKER_URL = "filesystem://localhost/"
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {
        name: str(tmp_path / "queue") for name in ("data_folder_in", "data_folder_out", "processed_folder", "control_folder")
    }
    (tmp_path / "queue").mkdir()
    app._after_fork()
    yield
    app._after_fork()


def test_a_tutor_asks_for_the_school_report_sees_it_made_and_downloads_it(bworld, page, sign_in, no_worker):
    today = timezone.localdate()
    sign_in(bworld.tutor.person.user)
    page.goto(f"/schools/{bworld.school.code}/engagement/")
    expect(page.get_by_label("Figures as of")).to_have_value(today.isoformat())
    page.get_by_role("button", name="Make the school's report").click()

    expect(page).to_have_url(re.compile(rf"/schools/{bworld.school.code}/reports/$"))
    expect(page.get_by_text("Your school report is being made")).to_be_visible()
    with scopes_disabled():
        report = ReportRequest.objects.get(hub=bworld.hub)
    row = page.locator(f"#report-{report.code}")
    expect(row).to_contain_text("Queued")
    expect(row).to_have_attribute("hx-trigger", "every 2s")
    axe_check(page)

    assert stored.render(report.pk)  # the worker makes it; the row's polling shows it ready

    expect(row).to_contain_text("Ready", timeout=15_000)
    expect(row).not_to_have_attribute("hx-trigger", "every 2s")
    with page.expect_download() as download_info:
        row.get_by_role("link", name=re.compile("Download")).click()
    download = download_info.value
    assert download.suggested_filename == f"engagement-report-{bworld.school.urn}-elm-primary-{today.isoformat()}.pdf"
    with open(download.path(), "rb") as pdf:
        assert pdf.read(5) == b"%PDF-"
    axe_check(page)
