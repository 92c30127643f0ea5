"""Shared set-up for the benchmark scripts: Django on a PostgreSQL database of its own.

BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/ect_bench) is created if missing.
"""

import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/ect_bench"


def setup():
    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ectprogramme.settings")
    os.environ.setdefault("DEBUG", "false")
    os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz")
    os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost")
    os.environ.setdefault("SECURE_SSL_REDIRECT", "false")
    sys.path.insert(0, str(ROOT))
    _create_database(url)
    import django

    django.setup()


def _create_database(url):
    import dj_database_url
    import psycopg

    config = dj_database_url.parse(url)
    with psycopg.connect(
        host=config["HOST"], port=config["PORT"] or 5432, user=config["USER"], password=config["PASSWORD"] or None,
        dbname="postgres", autocommit=True,
    ) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [config["NAME"]]).fetchone():
            conn.execute(f'CREATE DATABASE "{config["NAME"]}"')


def timed(function, repeat=1):
    """(median seconds, last result) of calling `function` `repeat` times."""
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def percentile(values, pct):
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(pct / 100 * (len(ordered) - 1))))
    return ordered[index]


TURN = 20  # requests a page gets in a row before the next page's turn


def time_in_turns(requests, count):
    """{name: (p50 ms, p95 ms)} of `count` calls of each of `requests` ({name: a function making one
    request}). The pages take turns in runs of `TURN` requests, so a change in the machine's load
    (other work, CPU frequency) falls on all of them alike and their ratios to the trivial view stay
    comparable, while each run still measures a page warm, as a loop of that page alone would."""
    times = {name: [] for name in requests}
    for _ in range(0, count, TURN):
        for name, request in requests.items():
            for _ in range(TURN):
                start = time.perf_counter()
                request()
                times[name].append((time.perf_counter() - start) * 1000)
    return {name: (percentile(values, 50), percentile(values, 95)) for name, values in times.items()}
