"""Exactly once with a real Celery worker on Redis: killed (SIGKILL) in the middle of sending a
batch, then restarted, every e-mail is delivered exactly once.

The e-mails are queued as the nightly run queues them (`nightly.queue_batches`: one
`send_nudge_batch` task for the lot). The worker is a separate process on the test database (a
transactional test, so it sees the rows) and its own Redis database (`NUDGE_TEST_REDIS_URL`,
default DB 11), sending through a slow SMTP stub. The batch's e-mails not yet sent when it dies
(the one in flight and the rest) stay claimed; once the claim is older than `NUDGE_CLAIM_TIMEOUT`
the sweep queues them again in a batch and the restarted worker sends them.
"""

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
import redis
from django.db import connection

from ectprogramme.celery import app
from nudges import nightly
from nudges.models import NudgeEmail
from schools.scoping import scopes_disabled
from tests import factories
from tests.nudges.smtp_stub import SMTPStub

pytestmark = pytest.mark.worker

REDIS_URL = os.environ.get("NUDGE_TEST_REDIS_URL", "redis://127.0.0.1:6379/11")
ROOT = Path(__file__).resolve().parents[2]
CLAIM_TIMEOUT = 2
EMAILS = 8


def _database_url():
    s = connection.settings_dict
    user = s["USER"] or "postgres"
    password = f":{s['PASSWORD']}" if s["PASSWORD"] else ""
    return f"postgres://{user}{password}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def _start_worker(smtp_port):
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "CELERY_BROKER_URL": REDIS_URL,
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(smtp_port),
        "EMAIL_USE_TLS": "false",
        "NUDGE_CLAIM_TIMEOUT": str(CLAIM_TIMEOUT),
    }
    command = [sys.executable, "-m", "celery", "-A", "ectprogramme", "worker", "--pool=solo", "--without-gossip",
               "--without-mingle", "--without-heartbeat", "--loglevel=WARNING"]
    return subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def _wait(condition, timeout, what):
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def _stop(worker):
    if worker.poll() is None:
        os.killpg(worker.pid, signal.SIGTERM)
        try:
            worker.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait()


@pytest.fixture
def broker(settings):
    client = redis.Redis.from_url(REDIS_URL)
    client.flushdb()
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_BROKER_URL = REDIS_URL
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {}
    settings.NUDGE_CLAIM_TIMEOUT = CLAIM_TIMEOUT
    app._after_fork()
    yield
    app._after_fork()
    client.flushdb()


def test_a_worker_killed_mid_batch_and_restarted_delivers_every_email_exactly_once(transactional_db, broker):
    with scopes_disabled():
        hub = factories.HubFactory(slug="north")
        ids = [factories.NudgeEmailFactory(recipient__hub=hub, recipient__user__email=f"p{n}@north.example.org").pk for n in range(EMAILS)]
    with SMTPStub(delay=0.3) as smtp:
        worker = _start_worker(smtp.port)
        try:
            assert nightly.queue_batches(ids) == 1
            _wait(lambda: len(smtp.delivered) >= 2, 180, "the first deliveries")
            time.sleep(0.15)  # the worker is now waiting on the next recipient
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait()
            killed_at = len(smtp.delivered)
            assert killed_at < EMAILS
            rows = NudgeEmail.objects.with_scopes_disabled()
            _wait(lambda: rows.filter(status="sent").count() == killed_at, 10, "the marks of those delivered")
            assert rows.filter(status="sending").count() == EMAILS - killed_at  # the rest of the batch, claimed

            worker = _start_worker(smtp.port)
            time.sleep(CLAIM_TIMEOUT + 0.1)
            assert nightly.send_unsent() == EMAILS - killed_at  # the abandoned claims, queued again
            _wait(lambda: len(smtp.delivered) >= EMAILS, 180, "every e-mail")
            _wait(lambda: not NudgeEmail.objects.with_scopes_disabled().exclude(status="sent").exists(), 10, "every row sent")
            time.sleep(1)  # room for any duplicate to arrive
        finally:
            _stop(worker)
    delivered = Counter(message["Message-ID"] for message in smtp.delivered)
    expected = {f"<nudge-{code}@localhost>" for code in NudgeEmail.objects.with_scopes_disabled().values_list("code", flat=True)}
    assert set(delivered) == expected and set(delivered.values()) == {1}
    assert sorted(message["To"] for message in smtp.delivered) == sorted(f"p{n}@north.example.org" for n in range(EMAILS))
