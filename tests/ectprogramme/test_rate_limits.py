"""Sign-in rate limits: per client behind a proxy, a locked account can still sign in by code,
and the counters are shared by every process through the cache (Redis in production)."""

import os
import re
import subprocess
import sys
import uuid

import pytest
from django.conf import settings
from django.core import mail

from tests.factories import PASSWORD, UserFactory

PROXY = "10.0.0.2"
TOO_MANY = "Too many failed login attempts"


def _sign_in(client, email, password, client_ip=None, forwarded=None):
    """POST the sign-in form as a request arriving from the proxy on behalf of `client_ip`."""
    chain = forwarded if forwarded is not None else client_ip
    extra = {"REMOTE_ADDR": PROXY}
    if chain:
        extra["HTTP_X_FORWARDED_FOR"] = chain
    return client.post("/accounts/login/", {"login": email, "password": password}, **extra)


def _signed_in(response):
    return response.status_code == 302 and "/accounts/" not in response["Location"]


def _shell(*args, **env):
    """Run Python in `manage.py shell` in a process of its own."""
    return subprocess.run(
        [sys.executable, "manage.py", "shell", "--no-imports", "-c", *args],
        cwd=settings.BASE_DIR,
        env={**{k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_proxy_settings_come_from_the_environment():
    shown = _shell(
        "from django.conf import settings as s; print(s.ALLAUTH_TRUSTED_PROXY_COUNT, s.ALLAUTH_TRUSTED_CLIENT_IP_HEADER)",
        ALLAUTH_TRUSTED_PROXY_COUNT="2", ALLAUTH_TRUSTED_CLIENT_IP_HEADER="X-Real-IP",
    )
    assert shown.stdout.split() == ["2", "X-Real-IP"], shown.stderr
    default = _shell("from django.conf import settings as s; print(s.ALLAUTH_TRUSTED_PROXY_COUNT)")
    assert default.stdout.split() == ["0"], default.stderr


def test_behind_a_proxy_one_noisy_client_does_not_lock_out_the_others(world, client, settings):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    tutor = world.tutor.person.user.email
    for attempt in range(10):
        response = _sign_in(client, f"guess{attempt}@example.org", "wrong-password", client_ip="203.0.113.9")
        assert TOO_MANY not in response.content.decode()
    # The noisy client is now refused, even with a right password...
    assert TOO_MANY in _sign_in(client, tutor, PASSWORD, client_ip="203.0.113.9").content.decode()
    # ...even when it makes up its own X-Forwarded-For (the proxy appends the real address)...
    refused = _sign_in(client, tutor, PASSWORD, forwarded="198.51.100.1, 203.0.113.9")
    assert TOO_MANY in refused.content.decode()
    # ...but another client behind the same proxy signs in.
    assert _signed_in(_sign_in(client, tutor, PASSWORD, client_ip="198.51.100.7"))


def test_without_the_proxy_count_every_client_behind_the_proxy_shares_one_limit(world, client, settings):
    """What ALLAUTH_TRUSTED_PROXY_COUNT fixes: all requests seem to come from the proxy."""
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 0
    for attempt in range(10):
        _sign_in(client, f"guess{attempt}@example.org", "wrong-password", client_ip="203.0.113.9")
    assert TOO_MANY in _sign_in(client, world.tutor.person.user.email, PASSWORD, client_ip="198.51.100.7").content.decode()


def test_a_locked_account_still_signs_in_by_code(world, client):
    email = world.tutor.person.user.email
    for _ in range(5):
        _sign_in(client, email, "wrong-password")
    assert TOO_MANY in _sign_in(client, email, PASSWORD).content.decode()

    response = client.post("/accounts/login/code/", {"email": email})
    assert response.status_code == 302 and response["Location"].endswith("/accounts/login/code/confirm/")
    code = re.search(r"^\s*([A-Z0-9]+(?:-[A-Z0-9]+)+)\s*$", mail.outbox[-1].body, re.MULTILINE).group(1)
    response = client.post("/accounts/login/code/confirm/", {"code": code})
    assert _signed_in(response)
    assert client.get(f"/schools/{world.school.code}/engagement/").status_code == 200


REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/13")


def _redis_available():
    import redis

    try:
        return redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.RedisError:
        return False


@pytest.mark.skipif(not _redis_available(), reason=f"Redis is not reachable at {REDIS_URL}")
def test_failed_sign_ins_count_in_every_process_sharing_the_redis_cache(db, client, settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
    user = UserFactory(email=f"locked-{uuid.uuid4().hex[:12]}@example.org")
    check = (
        "from django.test import RequestFactory; from allauth.core.internal import ratelimit; "
        f"request = RequestFactory().post('/accounts/login/'); "
        f"print(bool(ratelimit.consume(request, app='allauth.account', action='login_failed', key='testserver:{user.email}', dry_run=True)))"
    )
    assert _shell(check, REDIS_URL=REDIS_URL).stdout.strip() == "True"
    for _ in range(5):
        _sign_in(client, user.email, "wrong-password")
    # Another process (a second gunicorn worker, say) sees this one's failures and refuses.
    other_process = _shell(check, REDIS_URL=REDIS_URL)
    assert other_process.stdout.strip() == "False", other_process.stderr
