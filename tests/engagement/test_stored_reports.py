"""Engagement reports made in the background (`engagement.reports.stored`): asked for from the
pages, rendered by the task into a stored PDF, listed with their progress, downloaded only by those
who may see them, asked twice while being made gives the same one, re-queued when stuck and
deleted after 30 days; and the monthly school report e-mailed to the induction tutors
(`engagement.reports.monthly`)."""

import datetime
import io
import os

import pytest
from django.core import mail
from django.db import IntegrityError, transaction
from django.utils import timezone
from django_scopes import scopes_disabled
from pypdf import PdfReader

from ectprogramme import emails
from engagement.models import ReportRequest
from engagement.reports import monthly, pdf, stored
from schools.scoping import hub_scope
from tests import factories

TODAY = timezone.localdate()
Status = ReportRequest.Status


def _pdf_text(content):
    assert content.startswith(b"%PDF")
    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def _download(response):
    return b"".join(response.streaming_content)


def _reports(world):
    with scopes_disabled():
        return list(ReportRequest.objects.filter(hub=world.hub).order_by("pk"))


def test_a_tutor_asks_for_their_schools_report_and_downloads_the_pdf(world, client, django_capture_on_commit_callbacks):
    client.force_login(world.tutor.person.user)
    url = f"/schools/{world.school.code}/reports/"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"as_of": TODAY.isoformat()}, follow=True)
    assert response.status_code == 200 and "being made" in response.content.decode()
    [report] = _reports(world)
    assert (report.kind, report.school, report.as_of, report.requested_by) == ("school", world.school, TODAY, world.tutor.person)
    assert report.status == Status.READY and report.finished_at and report.error == ""
    assert f"reports/{world.hub.code}/" in report.file.name and os.path.exists(report.file.path)
    page = client.get(url).content.decode()
    assert f"/reports/{report.code}/download/" in page and world.tutor.person.first_name in page

    download = client.get(f"/reports/{report.code}/download/")
    assert download.status_code == 200 and download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"] == (
        f'attachment; filename="engagement-report-{world.school.urn}-elm-primary-{TODAY.isoformat()}.pdf"'
    )
    text = _pdf_text(_download(download))
    assert "Elm Primary" in text and world.hub.name in text


def test_hub_staff_ask_for_the_hubs_report_from_the_hub_dashboard(world, client, django_capture_on_commit_callbacks):
    client.force_login(world.staff.user)
    dashboard = client.get("/hub/engagement/").content.decode()
    assert 'action="/hub/reports/"' in dashboard and 'name="as_of"' in dashboard and f'value="{TODAY.isoformat()}"' in dashboard
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/hub/reports/", {"as_of": (TODAY - datetime.timedelta(days=7)).isoformat()})
    [report] = _reports(world)
    assert report.kind == "hub" and report.school is None and report.status == Status.READY
    download = client.get(f"/reports/{report.code}/download/")
    assert f'filename="engagement-report-{world.hub.slug}-' in download["Content-Disposition"]
    assert world.hub.name in _pdf_text(_download(download))


def test_the_lead_dashboard_offers_the_school_report(world, client):
    client.force_login(world.tutor.person.user)
    page = client.get(f"/schools/{world.school.code}/engagement/").content.decode()
    assert f'action="/schools/{world.school.code}/reports/"' in page and "Make the school's report" in page


def test_asking_twice_while_it_is_being_made_gives_the_one_being_made(world, client):
    client.force_login(world.tutor.person.user)
    url = f"/schools/{world.school.code}/reports/"
    client.post(url, {"as_of": TODAY.isoformat()})  # the task is queued on commit: it has not run here
    second = client.post(url, {"as_of": TODAY.isoformat()}, follow=True)
    assert "already being made" in second.content.decode()
    [report] = _reports(world)
    assert report.status == Status.QUEUED
    with hub_scope(world.hub):
        assert stored.ask(world.hub, TODAY, world.staff, school=world.school) == (report, False)
        other_day, created = stored.ask(world.hub, TODAY - datetime.timedelta(days=1), world.staff, school=world.school)
        assert created and other_day != report
        stored.render(report.pk)
        again, created = stored.ask(world.hub, TODAY, world.staff, school=world.school)
    assert created and again != report  # once made, asking again makes a new one (the figures may have changed)


def test_the_database_refuses_a_second_report_in_progress(world):
    with hub_scope(world.hub):
        ReportRequest.objects.create(hub=world.hub, kind="hub", as_of=TODAY)
        ReportRequest.objects.create(hub=world.hub, kind="hub", as_of=TODAY, status=Status.READY)
        with pytest.raises(IntegrityError), transaction.atomic():
            ReportRequest.objects.create(hub=world.hub, kind="hub", as_of=TODAY, status=Status.RENDERING)
        ReportRequest.objects.create(hub=world.hub, kind="school", school=world.school, as_of=TODAY)
        with pytest.raises(IntegrityError), transaction.atomic():
            ReportRequest.objects.create(hub=world.hub, kind="school", school=world.school, as_of=TODAY)


def test_a_day_still_to_come_is_refused_and_the_form_shows_why(world, client):
    client.force_login(world.tutor.person.user)
    response = client.post(f"/schools/{world.school.code}/reports/", {"as_of": (TODAY + datetime.timedelta(days=1)).isoformat()})
    page = response.content.decode()
    assert response.status_code == 200 and "no figures for a day still to come" in page
    assert 'aria-describedby="report-as_of_error' in page or 'report-as_of_error' in page
    assert _reports(world) == []


def test_the_row_polls_while_the_report_is_made_and_stops_when_ready(world, client):
    client.force_login(world.tutor.person.user)
    with hub_scope(world.hub):
        report, _ = stored.ask(world.hub, TODAY, world.tutor.person, school=world.school)
    row = client.get(f"/reports/{report.code}/", headers={"HX-Request": "true"}).content.decode()
    assert row.lstrip().startswith("<tr") and 'hx-trigger="every 2s"' in row and "Queued" in row
    assert client.get(f"/reports/{report.code}/download/").status_code == 404  # nothing to download yet
    with hub_scope(world.hub):
        assert stored.render(report.pk)
        assert not stored.render(report.pk)  # made once: a second run does nothing
    row = client.get(f"/reports/{report.code}/", headers={"HX-Request": "true"}).content.decode()
    assert "hx-trigger" not in row and "Ready" in row and f"/reports/{report.code}/download/" in row
    assert "<h1" in client.get(f"/reports/{report.code}/").content.decode()


def test_a_failed_rendering_is_recorded_on_the_row(world, client, monkeypatch):
    def broken(template, figures):
        raise ValueError("no fonts")

    monkeypatch.setattr(pdf, "render", broken)
    with hub_scope(world.hub):
        report, _ = stored.ask(world.hub, TODAY, world.staff)
        assert not stored.render(report.pk)
        report.refresh_from_db()
    assert report.status == Status.FAILED and report.error == "ValueError: no fonts" and report.finished_at
    client.force_login(world.staff.user)
    assert "Failed" in client.get("/hub/reports/").content.decode()
    assert client.get(f"/reports/{report.code}/download/").status_code == 404


def test_only_those_who_may_see_a_report_list_or_download_it(world, client):
    with hub_scope(world.hub):
        elm, _ = stored.ask(world.hub, TODAY, world.tutor.person, school=world.school)
        oak, _ = stored.ask(world.hub, TODAY, world.staff, school=world.sibling_school)
        hub, _ = stored.ask(world.hub, TODAY, world.staff)
        for report in (elm, oak, hub):
            stored.render(report.pk)
    urls = {report: f"/reports/{report.code}/download/" for report in (elm, oak, hub)}

    client.force_login(world.tutor.person.user)
    assert client.get(urls[elm]).status_code == 200
    assert client.get(urls[oak]).status_code == 404 and client.get(urls[hub]).status_code == 404
    assert client.get(f"/reports/{hub.code}/").status_code == 404
    assert client.get("/hub/reports/").status_code == 404
    assert client.get(f"/schools/{world.sibling_school.code}/reports/").status_code == 404
    assert "Oak Academy" not in client.get(f"/schools/{world.school.code}/reports/").content.decode()

    client.force_login(world.staff.user)
    assert all(client.get(url).status_code == 200 for url in urls.values())
    listed = client.get("/hub/reports/").content.decode()
    assert all(f"/reports/{report.code}/download/" in listed for report in (elm, oak, hub))

    for outsider in (world.mentor.person.user, world.ect.person.user, world.other_staff.user):
        client.force_login(outsider)
        assert all(client.get(url).status_code == 404 for url in urls.values())
    assert client.get(f"/schools/{world.school.code}/reports/").status_code == 404


def test_the_sweep_requeues_reports_never_started_or_abandoned(world):
    now = timezone.now()
    with hub_scope(world.hub):
        never_queued, _ = stored.ask(world.hub, TODAY, world.staff)
        abandoned, _ = stored.ask(world.hub, TODAY, world.staff, school=world.school)
        hopeless, _ = stored.ask(world.hub, TODAY, world.staff, school=world.sibling_school)
        just_asked, _ = stored.ask(world.hub, TODAY - datetime.timedelta(days=1), world.staff)
        long_ago = now - datetime.timedelta(minutes=20)
        ReportRequest.objects.exclude(pk=just_asked.pk).update(requested_at=long_ago)
        ReportRequest.objects.filter(pk=abandoned.pk).update(status=Status.RENDERING, started_at=long_ago, attempts=1)
        ReportRequest.objects.filter(pk=hopeless.pk).update(status=Status.RENDERING, started_at=long_ago, attempts=3)

    assert stored.requeue_stuck(now) == 2  # the task runs eagerly in tests

    statuses = {report.pk: (report.status, report.attempts) for report in _reports(world)}
    assert statuses[never_queued.pk] == (Status.READY, 1)
    assert statuses[abandoned.pk] == (Status.READY, 2)
    assert statuses[hopeless.pk] == (Status.FAILED, 3)
    assert statuses[just_asked.pk] == (Status.QUEUED, 0)


def test_reports_older_than_30_days_are_deleted_with_their_files(world):
    with hub_scope(world.hub):
        old, _ = stored.ask(world.hub, TODAY, world.staff)
        recent, _ = stored.ask(world.hub, TODAY, world.staff, school=world.school)
        for report in (old, recent):
            stored.render(report.pk)
            report.refresh_from_db()
        ReportRequest.objects.filter(pk=old.pk).update(requested_at=timezone.now() - datetime.timedelta(days=31))
    assert os.path.exists(old.file.path)

    assert stored.delete_old() == 1

    assert not os.path.exists(old.file.path) and os.path.exists(recent.file.path)
    assert [report.pk for report in _reports(world)] == [recent.pk]


def test_the_reports_list_costs_the_same_queries_however_many_reports(world, client, django_assert_max_num_queries):
    client.force_login(world.staff.user)
    with hub_scope(world.hub):
        stored.ask(world.hub, TODAY, world.staff, school=world.school)
    client.get("/hub/reports/")
    with django_assert_max_num_queries(12):
        assert client.get("/hub/reports/").status_code == 200
    with hub_scope(world.hub):
        for days in range(1, 40):
            stored.ask(world.hub, TODAY - datetime.timedelta(days=days), world.tutor.person, school=world.school)
    with django_assert_max_num_queries(12):
        page = client.get("/hub/reports/").content.decode()
    assert "Page 1 of 2" in page


def test_no_reports_yet_says_so(world, client):
    client.force_login(world.tutor.person.user)
    page = client.get(f"/schools/{world.school.code}/reports/").content.decode()
    assert "No reports yet" in page and 'for="report-as_of"' in page


# --- The monthly school report, e-mailed ------------------------------------------------------------


def test_a_tutor_turns_the_monthly_report_on_and_off_on_the_reports_page(world, client):
    client.force_login(world.tutor.person.user)
    url = f"/schools/{world.school.code}/reports/"
    assert 'id="monthly-monthly_email"' in client.get(url).content.decode()
    client.post(f"{url}monthly/", {"monthly_email": "on"})
    with hub_scope(world.hub):
        assert monthly.wants_monthly(world.school) and not monthly.wants_monthly(world.sibling_school)
    assert "checked" in client.get(url).content.decode()
    client.post(f"{url}monthly/", {})
    with hub_scope(world.hub):
        assert not monthly.wants_monthly(world.school)


def test_on_the_first_of_the_month_the_schools_that_asked_get_their_report_once(world, client, django_capture_on_commit_callbacks):
    first = TODAY.replace(day=1)
    with hub_scope(world.hub):
        monthly.set_monthly(world.school, True, world.tutor.person)
        monthly.set_monthly(world.sibling_school, False, world.staff)
        second_tutor = factories.InductionTutorFactory(school=world.school, person__user__email="second@elm.example.org")
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        assert monthly.queue_month(first) == 1

    [report] = _reports(world)
    assert (report.school, report.monthly_for, report.as_of) == (world.school, first, first - datetime.timedelta(days=1))
    assert report.status == Status.READY and report.emailed_at and report.requested_by is None
    assert sorted(m.to[0] for m in mail.outbox) == sorted([world.tutor.person.user.email, second_tutor.person.user.email])
    message = mail.outbox[0]
    assert "Elm Primary" in message.subject and first.strftime("%B %Y") in message.subject
    [(filename, content, mimetype)] = message.attachments
    assert filename.endswith(f"-{report.as_of.isoformat()}.pdf") and mimetype == "application/pdf"
    assert "Elm Primary" in _pdf_text(content)

    with django_capture_on_commit_callbacks(execute=True):
        assert monthly.queue_month(first + datetime.timedelta(days=3)) == 0  # the same month: nothing more
    assert monthly.email_unsent() == 0 and not monthly.email(report.pk)
    assert len(mail.outbox) == 2 and len(_reports(world)) == 1

    client.force_login(world.tutor.person.user)
    assert "Sent every month" in client.get(f"/schools/{world.school.code}/reports/").content.decode()


def test_a_monthly_email_that_failed_is_sent_by_the_sweep(world, monkeypatch):
    with hub_scope(world.hub):
        monthly.set_monthly(world.school, True, world.tutor.person)
    monthly.queue_month(TODAY.replace(day=1))
    [report] = _reports(world)
    stored.render(report.pk)

    def refused(*args, **kwargs):
        raise OSError("SMTP refused")

    monkeypatch.setattr(emails, "send_rendered", refused)
    mail.outbox.clear()
    with pytest.raises(OSError):
        monthly.email(report.pk)
    report.refresh_from_db()
    assert report.emailed_at is None and mail.outbox == []

    monkeypatch.undo()
    assert monthly.email_unsent() == 1
    assert [m.to for m in mail.outbox] == [[world.tutor.person.user.email]]
    assert monthly.email_unsent() == 0


def test_a_report_the_broker_refused_to_queue_is_made_by_the_sweep(world, client, dead_broker, django_capture_on_commit_callbacks):
    client.force_login(world.tutor.person.user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/schools/{world.school.code}/reports/", {"as_of": TODAY.isoformat()})
    assert response.status_code == 302
    [report] = _reports(world)
    assert report.status == Status.QUEUED
    with hub_scope(world.hub):
        assert stored.render(report.pk)  # what the worker does once the sweep has queued it again
        report.refresh_from_db()
    assert report.status == Status.READY


def test_the_report_jobs_are_in_the_beat_schedule():
    from ectprogramme.celery import app
    from ectprogramme.schedule import BEAT_SCHEDULE

    tasks = {entry["task"] for entry in BEAT_SCHEDULE.values()}
    report_tasks = {"engagement.tasks.requeue_stuck_reports", "engagement.tasks.delete_old_reports", "engagement.tasks.queue_monthly_reports"}
    assert report_tasks <= tasks and report_tasks <= set(app.tasks)
    assert BEAT_SCHEDULE["queue-monthly-school-reports"]["schedule"].day_of_month == {1}
