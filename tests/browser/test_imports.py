"""Hub staff upload registration files: a file with problems, a preview confirmed, and a large file
checked and imported by the worker while the page shows its progress; axe on every state."""

from pathlib import Path

from django_scopes import scopes_disabled
from playwright.sync_api import expect

from participants import tasks
from participants.models import ECT, ImportUpload
from tests.browser.conftest import axe_check, enter_authenticator_code, sign_in_with_password
from tests.participants.test_uploads import _large_file

DATA = Path(__file__).parent.parent / "participants" / "data"


def test_hub_staff_upload_a_file_see_its_problems_then_preview_and_import_another(page, bworld):
    sign_in_with_password(page, bworld.staff.user.email)
    enter_authenticator_code(page)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Imports").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Imports")
    expect(page.get_by_text("No file has been uploaded yet.")).to_be_visible()
    axe_check(page)

    page.get_by_role("button", name="Upload and check").click()
    expect(page.get_by_label("Registration file (CSV)")).to_have_attribute("aria-invalid", "true")
    axe_check(page)

    page.get_by_label("Registration file (CSV)").set_input_files(str(DATA / "dfe_participants_bad_row.csv"))
    page.get_by_role("button", name="Upload and check").click()
    expect(page.get_by_role("heading", name="This file has problems")).to_be_visible()
    expect(page.get_by_role("region", name="Problems")).to_contain_text("unknown role 'Teacher'")
    expect(page.get_by_role("button", name="Import", exact=False)).to_have_count(0)
    axe_check(page)

    page.get_by_role("link", name="All imports").click()
    page.get_by_label("Registration file (CSV)").set_input_files(str(DATA / "dfe_participants.csv"))
    page.get_by_role("button", name="Upload and check").click()
    expect(page.get_by_role("heading", name="Preview")).to_be_visible()
    expect(page.get_by_role("region", name="New people")).to_contain_text("siobhan.oconnor@birch.example.org")
    if page.locator("details#not_in_file").get_attribute("open") is None:  # long lists start collapsed
        page.get_by_text("People not in the file (", exact=False).click()
    expect(page.get_by_role("region", name="People not in the file")).to_contain_text(bworld.ect.person.user.email)
    axe_check(page)
    with scopes_disabled():
        assert not ECT.objects.filter(person__user__email="siobhan.oconnor@birch.example.org").exists()

    page.get_by_role("button", name="Import", exact=False).click()
    expect(page.get_by_role("heading", name="Imported")).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text("people created:")
    axe_check(page)
    with scopes_disabled():
        assert ECT.objects.filter(person__user__email="siobhan.oconnor@birch.example.org").exists()
    page.get_by_role("link", name="All imports").click()
    expect(page.get_by_role("table")).to_contain_text("Imported")
    expect(page.get_by_role("table")).to_contain_text("Checked: 2 problems")


def test_a_large_file_shows_its_progress_while_the_worker_checks_and_imports_it(page, bworld, sign_in, monkeypatch, tmp_path):
    queued = []
    monkeypatch.setattr(tasks.check_import_upload, "apply_async", lambda args, **kw: queued.append(args[0]))
    monkeypatch.setattr(tasks.run_import_upload, "apply_async", lambda args, **kw: queued.append(args[0]))
    large = tmp_path / "large.csv"
    large.write_bytes(_large_file(1200))
    sign_in(bworld.staff.user)
    page.goto("/hub/imports/")

    page.get_by_label("Registration file (CSV)").set_input_files(str(large))
    page.get_by_role("button", name="Upload and check").click()
    expect(page.get_by_label("Checking", exact=False)).to_be_visible()
    axe_check(page)
    with scopes_disabled():
        upload = ImportUpload.objects.get()
    assert queued == [upload.pk]

    tasks.check_import_upload(upload.pk)

    expect(page.get_by_role("heading", name="Preview")).to_be_visible(timeout=10_000)
    expect(page.get_by_text("New people (1200)")).to_be_visible()
    page.get_by_role("button", name="Import 1200 rows").click()
    expect(page.get_by_label("Importing", exact=False)).to_be_visible()
    axe_check(page)

    tasks.run_import_upload(upload.pk)

    expect(page.get_by_role("heading", name="Imported")).to_be_visible(timeout=10_000)
    expect(page.get_by_role("status")).to_contain_text("people created: 1200")
    axe_check(page)
