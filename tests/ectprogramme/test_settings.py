"""Production settings pass `check --deploy`; malformed settings are refused."""

import logging
import os
import subprocess
import sys

from django.conf import settings


def _manage(*args, **env):
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env={**{k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_settings_pass_check_deploy_with_no_warnings():
    result = _manage(
        "check", "--deploy", "--fail-level", "WARNING",
        DEBUG="false", SECRET_KEY="x" * 20 + "-production-secret-key-with-enough-entropy-0123456789", ALLOWED_HOSTS="ect.example.org",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    result = _manage("check", DEBUG="false", SECRET_KEY="", ALLOWED_HOSTS="ect.example.org")
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_a_malformed_boolean_is_refused():
    result = _manage("check", DEBUG="maybe")
    assert result.returncode != 0
    assert "DEBUG must be true or false" in result.stderr


def test_the_embedded_broker_connects_without_a_no_hostname_warning(caplog):
    """kombu warns "No hostname was supplied. Reverting to default 'localhost'" for a URL without one."""
    from ectprogramme.celery import app

    assert app.conf.broker_url.startswith("filesystem://")
    with caplog.at_level(logging.WARNING):
        app.connection_for_write().info()
    assert not [record for record in caplog.records if "hostname" in record.getMessage()]
