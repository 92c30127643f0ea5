"""The demo (`make run`) runs on SQLite, the tests on PostgreSQL: this opens the demo's pages on
SQLite as every demo login, so a query SQLite refuses shows up here rather than in the demo."""

import datetime
import os
import subprocess
import sys
from pathlib import Path

from participants.demo import HUB_SLUG

ROOT = Path(__file__).resolve().parent.parent
LOGINS = [
    "admin@demo.example.org", "staff@demo.example.org", "facilitator@demo.example.org", "harry.khan1@demo.example.org",
    "hannah.underwood2@demo.example.org", "george.zielinski6@demo.example.org", "ella.young11@demo.example.org",
]


def _manage(env, *args):
    result = subprocess.run([sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result.stdout


def test_every_demo_login_opens_its_pages_on_sqlite(tmp_path):
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'demo.sqlite3'}",
        "MFA_REQUIRED_FOR_HUB_ROLES": "false",
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        "CELERY_TASK_ALWAYS_EAGER": "true",
        "CELERY_DATA_DIR": str(tmp_path / "celery"),
        "MEDIA_ROOT": str(tmp_path / "media"),
    }
    _manage(env, "manage.py", "migrate", "--noinput", "-v0")
    seeded = _manage(env, "manage.py", "seed_demo")
    _manage(env, "manage.py", "seed_demo")  # again: the demo's reports are there, none is made twice
    assert len(list((tmp_path / "media").glob("reports/*/*.pdf"))) == 2
    for login in LOGINS:
        assert login in seeded, f"the demo no longer has {login}: update LOGINS"

    opened = _manage(env, "-m", "tests.demo_pages", *LOGINS)

    assert "opened" in opened and "downloaded 1 hub report and 1 school report" in opened
    # the 75% evidence's query on SQLite: the demo's cohorts (this year's and last) have rows
    today = datetime.date.today().isoformat()
    evidence = _manage(env, "manage.py", "evidence", "--hub", HUB_SLUG, "--as-of", today).splitlines()
    assert evidence[0] == "school_urn,email,role,cohort,milestone,strand,periods_expected,periods_met,percent,met_75"
    assert {line.split(",")[2] for line in evidence[1:]} == {"ect", "mentor"}

    # the PDF reports' queries on SQLite: a school's and the hub's, from the demo
    for school in (["--school", "137001"], []):
        _manage(env, "manage.py", "report", "--hub", HUB_SLUG, *school, "--as-of", today, "--output", str(tmp_path / "report.pdf"))
        assert (tmp_path / "report.pdf").read_bytes().startswith(b"%PDF-")
