"""The monthly school report: a school that chose it (`SchoolReportSettings.monthly_email`, set on
its reports page) has its engagement report, as of the last day of the month before, made on the
1st of every month and e-mailed with the PDF attached to its current induction tutors.

Exactly once per school and month: one `ReportRequest` per school and month (a unique constraint on
`monthly_for`), and its e-mails go after a claim (`filter(emailed_at=None).update(...)`). A failed
send gives the claim back, so the sweep tries again.
"""

import datetime
import logging

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django_scopes import scopes_disabled

from ectprogramme import emails, queueing
from engagement.models import ReportRequest, SchoolReportSettings
from engagement.reports import stored
from participants.models import InductionTutor
from schools.scoping import hub_scope

logger = logging.getLogger(__name__)


def wants_monthly(school):
    return SchoolReportSettings.objects.filter(school=school, monthly_email=True).exists()


def set_monthly(school, on, person):
    """Turn the school's monthly report e-mail on or off."""
    SchoolReportSettings.objects.update_or_create(
        school=school, defaults={"hub": school.hub, "monthly_email": on, "changed_by": person}
    )


def queue_month(today=None):
    """Make this month's report of every school that wants one (once: again does nothing); returns how many were queued."""
    from engagement import tasks

    today = today or timezone.localdate()
    month = today.replace(day=1)
    queued = 0
    with scopes_disabled():
        for settings in SchoolReportSettings.objects.filter(monthly_email=True).select_related("school"):
            try:
                with transaction.atomic():
                    report, created = ReportRequest.objects.get_or_create(
                        school=settings.school, monthly_for=month,
                        defaults={"hub_id": settings.hub_id, "kind": ReportRequest.Kind.SCHOOL,
                                  "as_of": month - datetime.timedelta(days=1), "progress": "Waiting to start"},
                    )
            except IntegrityError:
                continue  # made at the same moment by another run
            if created:
                queueing.on_commit(tasks.render_report, report.pk)
                queued += 1
    return queued


def email(report_id, today=None):
    """E-mail the ready monthly report `report_id` to its school's current induction tutors, once;
    True if this call sent it. Anything else (not monthly, not ready, sent) is left alone."""
    today = today or timezone.localdate()
    with scopes_disabled():
        claimed = ReportRequest.objects.filter(
            pk=report_id, monthly_for__isnull=False, status=ReportRequest.Status.READY, emailed_at=None
        ).update(emailed_at=timezone.now())
        if not claimed:
            return False
        report = ReportRequest.objects.select_related("hub", "school").get(pk=report_id)
    with hub_scope(report.hub):
        tutors = InductionTutor.objects.filter(school=report.school).current(today).select_related("person__user")
        try:
            with report.file.open("rb") as handle:
                attachment = (stored.download_name(report), handle.read(), "application/pdf")
            context = {"report": report, "school": report.school, "hub": report.hub, "month": report.monthly_for,
                       "reports_path": reverse("school_reports", args=[report.school.code])}
            for tutor in tutors:
                emails.send("monthly-report", tutor.person.user.email, {**context, "person": tutor.person}, attachments=[attachment])
        except Exception:
            ReportRequest.objects.filter(pk=report_id).update(emailed_at=None)  # the sweep tries again
            raise
    return True


def email_unsent():
    """Send the ready monthly reports whose e-mail never went (the task failed); returns how many were sent."""
    with scopes_disabled():
        ids = list(ReportRequest.objects.filter(
            monthly_for__isnull=False, status=ReportRequest.Status.READY, emailed_at=None
        ).values_list("pk", flat=True))
    sent = 0
    for report_id in ids:
        try:
            sent += email(report_id)
        except Exception:
            logger.exception("Monthly report %s could not be e-mailed; the next sweep tries again", report_id)
    return sent
