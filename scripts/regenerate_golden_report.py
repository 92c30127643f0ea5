"""Regenerate the golden image of the school report (`tests/engagement/golden/school-report-page-1.png`)
on purpose, after a change to the report's look: renders the fixed school report of
`tests/engagement/test_reports.py` and saves its first page as the new expected image. Look at the
image before committing it.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ectprogramme .venv/bin/python scripts/regenerate_golden_report.py

Needs PostgreSQL (as `make test`) and `pdftoppm` (Debian's poppler-utils).
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TEST = "tests/engagement/test_reports.py::test_a_fixed_school_report_looks_as_it_did"


def main():
    if shutil.which("pdftoppm") is None:
        sys.exit("pdftoppm is missing: apt-get install poppler-utils")
    env = {**os.environ, "REGENERATE_GOLDEN_REPORT": "1"}
    env.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/ectprogramme")
    run = subprocess.run([sys.executable, "-m", "pytest", TEST, "-q", "-rs"], cwd=ROOT, env=env, capture_output=True, text=True)
    print(run.stdout[-2000:], run.stderr[-2000:], sep="\n")
    if "regenerated" not in run.stdout:
        sys.exit("The golden image was not regenerated (see above).")


if __name__ == "__main__":
    main()
