"""Registration files uploaded in the browser: preview, confirm, background check and import, result."""

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from django_scopes import scopes_disabled

from participants import tasks, uploads
from participants.models import ECT, ECTStatusKind, ImportUpload, ImportUploadStatus, Person, PersonChange
from schools.models import School
from schools.scoping import hub_scope
from tests import factories

DATA = Path(__file__).parent / "data"
FIRST, BAD = DATA / "dfe_participants.csv", DATA / "dfe_participants_bad_row.csv"
HTMX = {"HX-Request": "true"}


def _upload(client, path, name=None):
    file = SimpleUploadedFile(name or path.name, path.read_bytes(), content_type="text/csv")
    return client.post("/hub/imports/", {"file": file})


def _only_upload():
    with scopes_disabled():
        return ImportUpload.objects.get()


@pytest.fixture
def staff_client(client, world):
    client.force_login(world.staff.user)
    return client


def _written(world):
    with scopes_disabled():
        return School.objects.filter(hub=world.hub).count(), Person.objects.filter(hub=world.hub).count(), ECT.objects.filter(hub=world.hub).count()


def test_an_upload_is_previewed_and_nothing_written_until_confirmed(world, staff_client):
    before = _written(world)

    response = _upload(staff_client, FIRST)

    upload = _only_upload()
    assert response["Location"] == f"/hub/imports/{upload.code}/"
    assert (upload.status, upload.format, upload.uploaded_by) == (ImportUploadStatus.CHECKED, "dfe", world.staff.user)
    assert _written(world) == before
    page = staff_client.get(response["Location"]).content.decode()
    assert "Preview" in page and "Nothing has been written yet" in page
    assert "siobhan.oconnor@birch.example.org" in page and "Birch Primary School" in page
    assert "New people (" in page and "New roles (" in page
    assert "People not in the file (" in page  # Elm's and Oak's people are not in the DfE file
    assert world.ect.person.user.email in page
    assert "Import " in page and "/confirm/" in page

    response = staff_client.post(f"/hub/imports/{upload.code}/confirm/")

    upload.refresh_from_db()
    assert upload.status == ImportUploadStatus.DONE and upload.confirmed_by == world.staff.user
    with scopes_disabled():
        assert School.objects.filter(hub=world.hub, urn="700001", name="Birch Primary School").exists()
        ect = ECT.objects.get(person__user__email="zoe.muller@birch.example.org")
        assert ect.statuses.get(finished_on=None).status == ECTStatusKind.PAUSED
        assert PersonChange.objects.filter(person=ect.person, actor=world.staff.user).exists()
    page = staff_client.get(response["Location"]).content.decode()
    assert "Imported" in page and "people created:" in page and world.staff.full_name in page
    listing = staff_client.get("/hub/imports/").content.decode()
    assert FIRST.name in listing and "Imported" in listing and world.staff.full_name in listing
    download = staff_client.get(f"/hub/imports/{upload.code}/file/")
    assert download.content == FIRST.read_bytes() and "attachment" in download["Content-Disposition"]


def test_a_file_with_problems_lists_each_by_line_and_column_and_cannot_be_confirmed(world, staff_client):
    before = _written(world)

    _upload(staff_client, BAD)

    upload = _only_upload()
    page = staff_client.get(f"/hub/imports/{upload.code}/").content.decode()
    assert "This file has problems" in page and "/confirm/" not in page
    assert "<td>4</td><td>role</td>" in page.replace("\n", "")
    response = staff_client.post(f"/hub/imports/{upload.code}/confirm/")
    upload.refresh_from_db()
    assert upload.status == ImportUploadStatus.CHECKED
    assert "cannot be imported" in staff_client.get(response["Location"]).content.decode()
    assert _written(world) == before
    staff_client.post(f"/hub/imports/{upload.code}/discard/")
    upload.refresh_from_db()
    assert upload.status == ImportUploadStatus.DISCARDED


def test_a_hub_changed_since_the_preview_writes_nothing_and_shows_the_new_preview(world, staff_client):
    _upload(staff_client, FIRST)
    upload = _only_upload()
    with hub_scope(world.hub):  # someone adds Birch Primary School by hand meanwhile
        factories.SchoolFactory(hub=world.hub, urn="700001", name="Birch Primary")

    staff_client.post(f"/hub/imports/{upload.code}/confirm/")

    upload.refresh_from_db()
    assert (upload.status, upload.replanned) == (ImportUploadStatus.CHECKED, True)
    assert upload.plan["renamed_schools"] == [{"line": 2, "urn": "700001", "old": "Birch Primary", "new": "Birch Primary School"}]
    with scopes_disabled():
        assert not ECT.objects.filter(person__user__email="zoe.muller@birch.example.org").exists()
    page = staff_client.get(f"/hub/imports/{upload.code}/").content.decode()
    assert "The hub changed since the preview" in page and "/confirm/" in page

    staff_client.post(f"/hub/imports/{upload.code}/confirm/")

    upload.refresh_from_db()
    assert upload.status == ImportUploadStatus.DONE
    with scopes_disabled():
        assert School.objects.get(hub=world.hub, urn="700001").name == "Birch Primary School"


def _large_file(n):
    header = "full_name,email_address,trn,role,lead_provider,school,school_unique_reference_number,academic_year,training_status,status\n"
    rows = "".join(
        f"Person{i} Example{i},person{i}@large.example.org,{1000000 + i},Early career teacher,Ambition Institute,"
        f"Large School {i % 5},80000{i % 5},2025,active,Training or eligible for training\n"
        for i in range(n)
    )
    return (header + rows).encode()


def test_a_large_file_is_checked_and_imported_by_the_worker_with_progress_on_the_page(
    world, staff_client, django_capture_on_commit_callbacks, monkeypatch
):
    queued = []
    monkeypatch.setattr(tasks.check_import_upload, "apply_async", lambda args, **kw: queued.append(("check", *args)))
    monkeypatch.setattr(tasks.run_import_upload, "apply_async", lambda args, **kw: queued.append(("import", *args)))
    data = _large_file(1200)
    assert len(data) > uploads.INLINE_BYTES

    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post("/hub/imports/", {"file": SimpleUploadedFile("large.csv", data)})

    upload = _only_upload()
    assert queued == [("check", upload.pk)] and upload.status == ImportUploadStatus.CHECKING
    fragment = staff_client.get(response["Location"], headers=HTMX).content.decode()
    assert 'hx-trigger="every 2s"' in fragment and "<progress" in fragment and "<html" not in fragment

    tasks.check_import_upload(upload.pk)

    fragment = staff_client.get(response["Location"], headers=HTMX).content.decode()
    assert "every 2s" not in fragment and "Preview" in fragment and "New people (1200)" in fragment
    assert "Page 1 of 24" in fragment and "new_people-page=2" in fragment
    with django_capture_on_commit_callbacks(execute=True):
        staff_client.post(f"/hub/imports/{upload.code}/confirm/")
    assert queued[-1] == ("import", upload.pk)
    upload.refresh_from_db()
    assert upload.status == ImportUploadStatus.IMPORTING
    assert "every 2s" in staff_client.get(response["Location"], headers=HTMX).content.decode()

    tasks.run_import_upload(upload.pk)
    tasks.run_import_upload(upload.pk)  # a retried task does nothing more

    upload.refresh_from_db()
    assert (upload.status, upload.progress) == (ImportUploadStatus.DONE, 100)
    assert "people created: 1200" in upload.result["summary"]
    with scopes_disabled():
        assert ECT.objects.filter(hub=world.hub, person__user__email__endswith="@large.example.org").count() == 1200
    assert "every 2s" not in staff_client.get(response["Location"], headers=HTMX).content.decode()


def test_the_sweep_requeues_a_check_that_never_ran_once(world, monkeypatch):
    queued = []
    monkeypatch.setattr(tasks.check_import_upload, "delay", lambda *args: queued.append(args))
    with hub_scope(world.hub):
        upload = uploads.create(world.hub, world.staff.user, "lost.csv", FIRST.read_bytes())
    ImportUpload.objects.with_scopes_disabled().filter(pk=upload.pk).update(updated_at=timezone.now() - uploads.STALLED_AFTER * 2)

    assert tasks.resume_stalled_import_uploads() == 1
    assert tasks.resume_stalled_import_uploads() == 0
    assert queued == [(upload.pk,)]


@pytest.mark.parametrize("who", ["tutor", "mentor", "ect", "other_staff"])
def test_only_the_hubs_staff_reach_uploads(world, client, who):
    with hub_scope(world.hub):
        upload = uploads.create(world.hub, world.staff.user, "north.csv", FIRST.read_bytes())
    uploads.run_check(upload.pk)
    person = {"tutor": world.tutor.person, "mentor": world.mentor.person, "ect": world.ect.person, "other_staff": world.other_staff}[who]
    client.force_login(person.user)
    listing = client.get("/hub/imports/")
    assert listing.status_code == 404 or "north.csv" not in listing.content.decode()  # another hub's staff: their own list
    for url in (f"/hub/imports/{upload.code}/", f"/hub/imports/{upload.code}/file/"):
        assert client.get(url).status_code == 404
    assert client.post(f"/hub/imports/{upload.code}/confirm/").status_code == 404
    upload.refresh_from_db()
    assert upload.status == ImportUploadStatus.CHECKED


def test_the_pages_take_a_constant_number_of_queries(world, staff_client, django_assert_max_num_queries):
    for n in range(3):
        _upload(staff_client, FIRST, name=f"file{n}.csv")
    with scopes_disabled():
        code = ImportUpload.objects.first().code
    staff_client.get("/hub/imports/")
    with django_assert_max_num_queries(12):
        staff_client.get("/hub/imports/")
    with django_assert_max_num_queries(12):
        staff_client.get(f"/hub/imports/{code}/")


def test_an_upload_form_without_a_file_says_so(world, staff_client):
    response = staff_client.post("/hub/imports/", {})
    assert response.status_code == 200 and "This field is required" in response.content.decode()
    assert not ImportUpload.objects.with_scopes_disabled().exists()
