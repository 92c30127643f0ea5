"""Browser tests: Playwright drives Debian's Chromium against pytest-django's live server.

Every test in this folder is marked `browser` and is skipped when Chromium is not installed.
The live server runs in a thread of the test process, so its rows must be committed
(`transactional_db`) and its e-mails land in the same `django.core.mail.outbox`.
"""

import os
import re
import shutil
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.conf import settings
from django.core import mail
from django.core.cache import cache
from django.test import Client
from django_scopes import scopes_disabled
from playwright.sync_api import expect

from tests.conftest import World, restore_programmes
from tests.factories import PASSWORD, totp_code

# Playwright's sync API runs an event loop in the test thread; Django's ORM refuses to run
# in a thread with a running loop unless told it is safe (it is: nothing here is async).
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

HERE = Path(__file__).parent
CHROMIUM = shutil.which("chromium") or ("/usr/bin/chromium" if os.access("/usr/bin/chromium", os.X_OK) else None)
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
BLOCKING_IMPACTS = ("serious", "critical")
SHOTS = Path("/tmp/shots")


def pytest_collection_modifyitems(config, items):
    skip = pytest.mark.skip(reason="Chromium is not installed (/usr/bin/chromium): apt-get install chromium")
    for item in items:
        if HERE in Path(item.path).parents:
            item.add_marker(pytest.mark.browser)
            if CHROMIUM is None:
                item.add_marker(skip)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args, live_server):
    return {**browser_context_args, "base_url": live_server.url, "locale": "en-GB"}


@pytest.fixture
def page(page):
    """A failing step gives up after 10 s rather than Playwright's 30 s."""
    page.set_default_timeout(10_000)
    return page


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    """allauth keeps rate-limit counters in the cache; start every test with none."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def bworld(transactional_db, live_server):
    """The shared test World, committed so the live server's thread can see it."""
    with scopes_disabled():
        restore_programmes()
        return World()


@pytest.fixture
def sign_in(page, live_server):
    """Sign `page` in as a user without going through the form (a session cookie from the test client)."""

    def _sign_in(user):
        client = Client()
        client.force_login(user)
        page.context.add_cookies(
            [{"name": settings.SESSION_COOKIE_NAME, "value": client.cookies[settings.SESSION_COOKIE_NAME].value, "url": live_server.url}]
        )
        return page

    return _sign_in


def sign_in_with_password(page, email, password=PASSWORD):
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in", exact=True).click()


def enter_authenticator_code(page, code=None):
    """On the two-factor page after signing in, type the authenticator app's current code."""
    expect(page).to_have_url(re.compile(r"/accounts/2fa/authenticate/$"))
    page.get_by_label("Code").fill(code or totp_code())
    page.get_by_role("button", name="Sign in", exact=True).click()


def last_login_code(email):
    """The code in the newest login-code e-mail sent to `email`."""
    sent = [message for message in mail.outbox if email in message.to]
    assert sent, f"no e-mail was sent to {email}; outbox: {[m.subject for m in mail.outbox]}"
    match = re.search(r"^\s*([A-Z0-9]+(?:-[A-Z0-9]+)+)\s*$", sent[-1].body, re.MULTILINE)
    assert match, f"no code in the e-mail:\n{sent[-1].body}"
    return match.group(1)


def format_violations(violations):
    lines = []
    for violation in violations:
        lines.append(f"[{violation['impact']}] {violation['id']}: {violation['help']} ({violation['helpUrl']})")
        for node in violation["nodes"]:
            lines.append(f"    at {' '.join(map(str, node['target']))}")
            lines.append(f"       {node['html'][:200]}")
            for summary_line in (node.get("failureSummary") or "").splitlines():
                lines.append(f"       {summary_line}")
    return "\n".join(lines)


_axe = Axe()


# axe's default rules, plus WCAG 2.2's target size (2.5.8, level AA), which axe leaves off by default.
AXE_OPTIONS = {"resultTypes": ["violations"], "rules": {"target-size": {"enabled": True}}}


def axe_blocking(page, context=None):
    """axe's serious and critical violations on the page as it is now."""
    violations = _axe.run(page, context=context, options=AXE_OPTIONS).response["violations"]
    return [v for v in violations if v["impact"] in BLOCKING_IMPACTS]


def axe_check(page, context=None):
    """Fail the test on any axe violation with a serious or critical impact."""
    blocking = axe_blocking(page, context)
    if blocking:
        report = format_violations(blocking)
        print(f"axe on {page.url}:\n{report}")
        pytest.fail(f"axe found {len(blocking)} serious or critical violation(s) on {page.url}:\n{report}", pytrace=False)


def screenshot(page, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
