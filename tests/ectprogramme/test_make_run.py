"""`make run`: the processes it starts agree on the address the app runs on."""

import os
import subprocess

from django.conf import settings


def _make_run_command(*args, **env):
    """The command line `make run` would start the processes with (make -n: nothing runs)."""
    environment = {k: v for k, v in os.environ.items() if k not in ("SITE_URL", "PORT")} | env
    result = subprocess.run(
        ["make", "-n", "run", *args], cwd=settings.BASE_DIR, env=environment, capture_output=True, text=True, timeout=60, check=True
    )
    return next(line for line in reversed(result.stdout.splitlines()) if "honcho" in line)


def test_links_in_e_mails_point_at_the_port_make_run_serves_on():
    assert "SITE_URL=http://127.0.0.1:8000 " in _make_run_command()
    assert "SITE_URL=http://127.0.0.1:8123 " in _make_run_command("PORT=8123")


def test_a_site_url_given_to_make_run_is_kept():
    assert "SITE_URL=https://ect.example.org " in _make_run_command("PORT=8123", SITE_URL="https://ect.example.org")
