"""Registration files uploaded in the browser: stored, checked into a preview, imported once confirmed.

Hub staff upload either format (`participants.import_plan` recognises it by its header). The
file is kept on an `ImportUpload` row; `run_check` stores the checked plan (the preview: nothing
is written), `confirm` claims a checked upload without problems for importing, and `run_import`
writes it with `import_plan.apply`, all or nothing. `apply` plans the file's rows again against
the hub as it is now: if that differs from the preview (the hub changed since), nothing is written
and the file is checked again, and the new preview is shown to be confirmed instead.

A file up to `INLINE_BYTES` is checked and imported in the request; a larger one by a Celery task
(`participants.tasks`), the page polling `progress` and `stage`. Both steps are safe to run twice:
`run_import` locks the upload row and acts only while it is `importing`, and marks it done in the
transaction that writes the import. `resume_stalled` re-queues a task that never ran.
"""

import dataclasses
import datetime
import logging

from django.db import transaction
from django.utils import timezone

from ectprogramme.formats import human_date
from participants import import_plan
from participants.models import ECTStatusKind, ImportUpload, ImportUploadStatus, Person
from schools.scoping import hub_scope, scopes_disabled

logger = logging.getLogger(__name__)

INLINE_BYTES = 100_000  # about 800 rows: larger files go to the worker
MAX_BYTES = 20_000_000
STALLED_AFTER = datetime.timedelta(minutes=10)
RESUME_FOR = datetime.timedelta(days=1)
FORMAT_LABELS = {"registrations": "Registrations (our format)", "dfe": "DfE participant file"}
ROLE_NAMES = {import_plan.ECT_ROLE: "ECT", import_plan.MENTOR_ROLE: "Mentor", import_plan.TUTOR_ROLE: "Induction tutor"}


def create(hub, actor, file_name, data):
    """A new upload of `data` (bytes), waiting to be checked."""
    return ImportUpload.objects.create(
        hub=hub, file_name=file_name[:255], content=data, size=len(data), uploaded_by=actor, stage="Waiting to be checked"
    )


def runs_in_worker(upload):
    return upload.size > INLINE_BYTES


def _set(upload_id, expected_status, **values):
    """Update an upload still in `expected_status`, touching `updated_at`; whether it was."""
    values["updated_at"] = timezone.now()
    with scopes_disabled():
        return ImportUpload.objects.filter(pk=upload_id, status=expected_status).update(**values) == 1


def run_check(upload_id):
    """Check an upload's file and store its plan (the preview). Writes nothing else."""
    with scopes_disabled():
        upload = ImportUpload.objects.select_related("hub").get(pk=upload_id)
    if upload.status != ImportUploadStatus.CHECKING:
        return
    _set(upload.pk, ImportUploadStatus.CHECKING, progress=10, stage="Checking the file against the hub")
    try:
        plan = import_plan.check(upload.hub, bytes(upload.content))
    except Exception as error:
        logger.exception("Checking upload %s failed", upload.pk)
        _set(
            upload.pk, ImportUploadStatus.CHECKING, status=ImportUploadStatus.FAILED, progress=100, stage="",
            error=f"The file could not be checked ({type(error).__name__}).",
        )
        return
    _set(
        upload.pk, ImportUploadStatus.CHECKING, status=ImportUploadStatus.CHECKED, progress=100, stage="",
        format=plan.format, plan=_plan_data(plan), problems=len(plan.errors),
    )


def confirm(upload, actor):
    """Claim a checked upload without problems for importing; False if it is not (any more) one."""
    if upload.status != ImportUploadStatus.CHECKED or not upload.plan or upload.plan["errors"]:
        return False
    claimed = _set(
        upload.pk, ImportUploadStatus.CHECKED, status=ImportUploadStatus.IMPORTING, confirmed_by=actor,
        confirmed_at=timezone.now(), progress=0, stage="Waiting to be imported", replanned=False,
    )
    if claimed:
        upload.refresh_from_db()
    return claimed


def discard(upload):
    """Set aside an upload that was not imported; False if it is being or has been imported."""
    if upload.status not in (ImportUploadStatus.CHECKED, ImportUploadStatus.FAILED):
        return False
    return _set(upload.pk, upload.status, status=ImportUploadStatus.DISCARDED, stage="")


def run_import(upload_id):
    """Import a confirmed upload, all or nothing; done, re-checked (the hub changed) or failed."""
    with scopes_disabled():
        hub = ImportUpload.objects.select_related("hub").get(pk=upload_id).hub
    _set(upload_id, ImportUploadStatus.IMPORTING, progress=20, stage="Checking against the hub's current data and writing")
    try:
        with hub_scope(hub), transaction.atomic():
            upload = ImportUpload.objects.select_for_update(of=("self",)).select_related("hub", "confirmed_by").get(pk=upload_id)
            if upload.status != ImportUploadStatus.IMPORTING:
                return
            _import_locked(upload)
    except Exception as error:
        logger.exception("Importing upload %s failed", upload_id)
        _set(
            upload_id, ImportUploadStatus.IMPORTING, status=ImportUploadStatus.FAILED, progress=100, stage="",
            finished_at=timezone.now(), error=f"Nothing was written: the import stopped ({type(error).__name__}).",
        )


def _import_locked(upload):
    plan = import_plan.ImportPlan(**upload.plan)
    now = timezone.now()
    try:
        plan = import_plan.apply(plan, upload.confirmed_by)
    except import_plan.PlanOutdated:
        fresh = import_plan.check(upload.hub, bytes(upload.content))
        _save(
            upload, status=ImportUploadStatus.CHECKED, plan=_plan_data(fresh), problems=len(fresh.errors), replanned=True,
            progress=100, stage="",
        )
        return
    if not plan.applied:
        _save(
            upload, status=ImportUploadStatus.FAILED, plan=_plan_data(plan), problems=len(plan.errors), progress=100, stage="",
            finished_at=now,
            error="Nothing was written: the hub refused some changes (listed below).",
        )
        return
    _save(
        upload, status=ImportUploadStatus.DONE, plan=_plan_data(plan), progress=100, stage="", finished_at=now,
        result={"summary": plan.summary_lines(), "notes": len(plan.notes)},
    )


def _save(upload, **values):
    values["updated_at"] = timezone.now()
    for name, value in values.items():
        setattr(upload, name, value)
    upload.save(update_fields=list(values))


def _plan_data(plan):
    """The plan as stored: everything `ImportPlan(**data)` needs to apply it."""
    return dataclasses.asdict(plan)


def stalled(now=None):
    """(id, status) of uploads whose task seems never to have run (not touched for `STALLED_AFTER`,
    under a day old), touched so that the next sweep leaves them to the task queued now."""
    now = now or timezone.now()
    with scopes_disabled():
        found = ImportUpload.objects.filter(
            status__in=(ImportUploadStatus.CHECKING, ImportUploadStatus.IMPORTING),
            updated_at__lt=now - STALLED_AFTER,
            uploaded_at__gte=now - RESUME_FOR,
        )
        uploads = list(found.values_list("pk", "status"))
        ImportUpload.objects.filter(pk__in=[pk for pk, _ in uploads]).update(updated_at=now)
    return uploads


# --- What the pages show ---------------------------------------------------------------------------


def uploader_names(uploads):
    """{user id: the hub's name for them} for the people who uploaded or confirmed `uploads` (one query)."""
    user_ids = {u.uploaded_by_id for u in uploads} | {u.confirmed_by_id for u in uploads}
    user_ids.discard(None)
    people = Person.objects.filter(user_id__in=user_ids).select_related("user")
    return {person.user_id: person.full_name or person.user.email for person in people}


def _day(value):
    return human_date(datetime.date.fromisoformat(value)) if value else ""


def _status(value):
    return ECTStatusKind(value).label if value else ""


SECTIONS = (
    # (key in the plan, heading, column headings, cells of one item)
    ("errors", "Problems", ("Line", "Column", "Problem"), None),
    ("new_schools", "New schools", ("Line", "URN", "Name"), lambda i: (i["line"], i["urn"], i["name"])),
    ("renamed_schools", "Schools renamed", ("Line", "URN", "Old name", "New name"), lambda i: (i["line"], i["urn"], i["old"], i["new"])),
    (
        "new_people", "New people", ("Line", "Name", "E-mail", "TRN", "Access"),
        lambda i: (i["line"], i["name"], i["email"], i["trn"], "once they confirm (existing account)" if i["unconfirmed"] else "set-up e-mail"),
    ),
    (
        "new_roles", "New roles", ("Line", "E-mail", "Role", "School URN", "From", "Status"),
        lambda i: (i["line"], i["email"], ROLE_NAMES[i["role"]], i["urn"], _day(i["started_on"]), _status(i.get("status"))),
    ),
    ("changes", "Changes", ("Line", "E-mail", "What", "Old", "New"), lambda i: (i["line"], i["email"], i["what"], i["old"] or "(none)", i["new"])),
    (
        "status_changes", "Status changes", ("Line", "E-mail", "Old", "New", "On"),
        lambda i: (i["line"], i["email"], _status(i["old"]), _status(i["new"]), _day(i["on"])),
    ),
    (
        "mentor_links", "Mentors assigned", ("Line", "ECT", "Mentor", "From", "Replaces"),
        lambda i: (i["line"], i["email"], i["mentor_email"], _day(i["on"]), i["replaces"]),
    ),
    ("transfers", "Transfers", ("Line", "E-mail", "To school URN", "On"), lambda i: (i["line"], i["email"], i["urn"], _day(i["on"]))),
    (
        "email_changes", "E-mail changes", ("Line", "Old e-mail", "New e-mail", "How"),
        lambda i: (i["line"], i["old_email"], i["new_email"], "confirmed from the new address" if i["confirmation"] else "changed now"),
    ),
    ("unchanged", "Unchanged", ("Line", "E-mail"), lambda i: (i["line"], i["email"])),
    ("not_in_file", "People not in the file", ("Name", "E-mail", "Current roles"), lambda i: (i["name"], i["email"], ", ".join(i["roles"]))),
    ("notes", "Notes", ("Line", "Column", "Note"), None),
)


def _problem_cells(text):
    line, column, message = (text.split(": ", 2) + ["", ""])[:3]
    return (line.removeprefix("line "), column, message)


def sections(plan):
    """The preview's sections in order: (key, heading, column headings, rows of cells), empty ones included."""
    result = []
    for key, heading, columns, cells in SECTIONS:
        items = plan.get(key, [])
        rows = [_problem_cells(item) for item in items] if cells is None else [cells(item) for item in items]
        result.append((key, heading, columns, rows))
    return result
