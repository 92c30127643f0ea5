"""Engagement reports made in the background and kept: asked for from the dashboards, rendered by a
Celery task (`engagement.tasks.render_report`) into a `ReportRequest` row and its PDF, listed,
downloaded by those who may see them, and deleted after `REPORT_KEEP_DAYS`.

Hub staff see and ask for every report of their hub (any school's, the hub's); induction tutors
their schools' reports; nobody else any. Asking for a report (kind, school, as-of date) that is
already queued or being made gives that one (a partial unique constraint backs it up).

The task claims a queued row before rendering (`filter(status=queued).update(...)`), so running it
twice does no harm; the beat sweep re-queues rows never claimed and rows whose worker died.
"""

import datetime
import logging

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import F
from django.http import Http404
from django.utils import timezone
from django.utils.text import slugify
from django_scopes import scopes_disabled

from ectprogramme import queueing
from engagement.models import ReportRequest
from engagement.reports import data, pdf
from schools.scoping import hub_scope

logger = logging.getLogger(__name__)

Kind, Status = ReportRequest.Kind, ReportRequest.Status

# A queued row nobody claimed after this long was never queued (the broker refused): queue it again.
UNCLAIMED_AFTER = datetime.timedelta(minutes=2)
# A row still rendering after this long lost its worker: queue it again, up to MAX_ATTEMPTS renderings.
RENDERING_ABANDONED_AFTER = datetime.timedelta(minutes=15)
MAX_ATTEMPTS = 3


# --- Who sees which reports ----------------------------------------------------------------------


def visible_reports(viewer):
    """The reports the viewer may see and download: the hub's for hub staff, their schools' for tutors."""
    if viewer.is_hub_staff:
        return ReportRequest.objects.all()
    return ReportRequest.objects.filter(kind=Kind.SCHOOL, school_id__in=viewer.tutor_school_ids)


def get_report(viewer, code):
    """The report with `code` if the viewer may see it; 404 otherwise (the same as not existing)."""
    report = visible_reports(viewer).filter(code=code).select_related("school", "requested_by").first()
    if report is None:
        raise Http404("Not found")
    return report


def download_name(report):
    """The file name a downloaded report is saved under, e.g. `engagement-report-100001-elm-primary-2026-03-02.pdf`."""
    if report.kind == Kind.HUB:
        return f"engagement-report-{report.hub.slug}-{report.as_of.isoformat()}.pdf"
    return f"engagement-report-{report.school.urn}-{slugify(report.school.name)}-{report.as_of.isoformat()}.pdf"


# --- Asking ----------------------------------------------------------------------------------------


def ask(hub, as_of, person, school=None):
    """(report, created): a new report of `school` (the hub's report without one) as of `as_of`,
    queued once the transaction commits; or the same report already queued or being made."""
    kind = Kind.SCHOOL if school is not None else Kind.HUB
    same = ReportRequest.objects.filter(
        hub=hub, kind=kind, school=school, as_of=as_of, status__in=ReportRequest.IN_PROGRESS, monthly_for=None
    )
    for _ in range(3):
        existing = same.first()
        if existing is not None:
            return existing, False
        try:
            with transaction.atomic():
                report = ReportRequest.objects.create(
                    hub=hub, kind=kind, school=school, as_of=as_of, requested_by=person, progress="Waiting to start"
                )
        except IntegrityError:
            continue  # someone asked at the same moment: theirs is the one being made
        from engagement import tasks

        queueing.on_commit(tasks.render_report, report.pk)
        return report, True
    raise RuntimeError("The report being made could not be found nor a new one created")


# --- Rendering -------------------------------------------------------------------------------------


def _set(report_id, started_at, **fields):
    """Update the row if this rendering still holds it (a sweep may have handed it to another)."""
    return ReportRequest.objects.filter(pk=report_id, started_at=started_at, status=Status.RENDERING).update(**fields)


def render(report_id):
    """Render the queued report `report_id` into its PDF; True if this call made it. A report
    already claimed, made or gone is left alone; a failure is recorded on the row."""
    now = timezone.now()
    with scopes_disabled():
        claimed = ReportRequest.objects.filter(pk=report_id, status=Status.QUEUED).update(
            status=Status.RENDERING, started_at=now, attempts=F("attempts") + 1, progress="Gathering the figures"
        )
        if not claimed:
            return False
        report = ReportRequest.objects.select_related("hub", "school").get(pk=report_id)
    with hub_scope(report.hub):
        try:
            if report.kind == Kind.HUB:
                template, figures = "reports/hub.html", data.hub_report(report.hub, report.as_of)
            else:
                template, figures = "reports/school.html", data.school_report(report.hub, report.school, report.as_of)
            _set(report_id, now, progress="Laying out the pages")
            content = pdf.render(template, figures)
            name = report.file.storage.save(report.file.field.generate_filename(report, "report.pdf"), ContentFile(content))
        except Exception as error:
            logger.exception("Report %s failed", report_id)
            _set(report_id, now, status=Status.FAILED, progress="", error=f"{type(error).__name__}: {error}"[:1000],
                 finished_at=timezone.now())
            return False
        if not _set(report_id, now, status=Status.READY, progress="", file=name, finished_at=timezone.now()):
            report.file.storage.delete(name)  # another rendering holds the row now: keep only its file
            return False
    return True


# --- Sweeps ----------------------------------------------------------------------------------------


def requeue_stuck(now=None):
    """Queue again the reports never claimed (their task was never queued) and those whose worker
    died while rendering (given up after `MAX_ATTEMPTS`). Returns how many were queued."""
    from engagement import tasks

    now = now or timezone.now()
    with scopes_disabled():
        abandoned = ReportRequest.objects.filter(status=Status.RENDERING, started_at__lte=now - RENDERING_ABANDONED_AFTER)
        abandoned.filter(attempts__gte=MAX_ATTEMPTS).update(
            status=Status.FAILED, progress="", error="The rendering stopped several times; ask again.", finished_at=now
        )
        abandoned.update(status=Status.QUEUED, progress="Waiting to start again")
        ids = list(
            ReportRequest.objects.filter(
                status=Status.QUEUED, requested_at__lte=now - UNCLAIMED_AFTER
            ).values_list("pk", flat=True)
        )
    for report_id in ids:
        queueing.send(tasks.render_report, report_id)
    return len(ids)


def delete_old(now=None):
    """Delete the reports (rows and files) asked for more than `REPORT_KEEP_DAYS` days ago; returns how many."""
    now = now or timezone.now()
    with scopes_disabled():
        old = ReportRequest.objects.filter(requested_at__lt=now - datetime.timedelta(days=settings.REPORT_KEEP_DAYS))
        deleted = 0
        for report in old.exclude(status__in=ReportRequest.IN_PROGRESS).only("pk", "file"):
            if report.file:
                report.file.storage.delete(report.file.name)
            deleted += ReportRequest.objects.filter(pk=report.pk).delete()[0]
    return deleted
