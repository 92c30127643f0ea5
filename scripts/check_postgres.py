"""Fail early, with a clear message, when the test database server is not reachable."""

import os
import sys

import dj_database_url
import psycopg

url = os.environ.get("DATABASE_URL", "")
config = dj_database_url.parse(url)
if "postgresql" not in config["ENGINE"]:
    sys.exit(f"The tests run on PostgreSQL; DATABASE_URL is {url!r}.")
try:
    psycopg.connect(
        host=config["HOST"] or "127.0.0.1",
        port=config["PORT"] or 5432,
        user=config["USER"] or "postgres",
        password=config["PASSWORD"] or None,
        dbname="postgres",
        connect_timeout=5,
    ).close()
except psycopg.OperationalError as error:
    sys.exit(
        f"\nCannot reach PostgreSQL at {config['HOST']}:{config['PORT']} ({error.__class__.__name__}).\n"
        "Start it, for example on Debian:\n"
        "  pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start\n"
        "(with 'trust' for 127.0.0.1 in pg_hba.conf), or point TEST_DATABASE_URL at a server, e.g.\n"
        "  make test TEST_DATABASE_URL=postgres://user:password@host:5432/ectprogramme\n"
    )
