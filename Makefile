# The two commands: `make run` (app + worker + beat with demo data, no servers needed)
# and `make test` (the whole suite on PostgreSQL). See README.md.

UV_VERSION := 0.13.9
UV := .uv/bin/uv
PYTHON := .venv/bin/python
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/ectprogramme
PORT ?= 8000
# The suite runs on every CPU (pytest-xdist: a test database per worker); PYTEST_WORKERS=0 runs it in one process.
PYTEST_WORKERS ?= auto
# Links in e-mails (set-up links, sent by the worker) point at the address `make run` serves on.
SITE_URL ?= http://127.0.0.1:$(PORT)

.PHONY: install run test check-postgres ensure-chromium ensure-report-tools clean

$(UV):
	python3 -m venv .uv
	.uv/bin/python -m pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"

install: $(UV)
	$(UV) sync --frozen --quiet

run: install
	$(PYTHON) manage.py migrate --noinput
	$(PYTHON) manage.py seed_demo
	@rm -rf var/cache  # the processes' shared cache (CACHE_DIR) starts empty, after the demo data is written
	@echo ""
	@echo "  Open http://127.0.0.1:$(PORT)/ and sign in with a demo login above."
	@echo "  E-mails (set-up links, login codes) are printed below by the web process."
	@echo ""
	PORT=$(PORT) SITE_URL=$(SITE_URL) CACHE_DIR=$(CURDIR)/var/cache .venv/bin/honcho --procfile scripts/Procfile.dev --app-root . start

check-postgres: install
	@DATABASE_URL="$(TEST_DATABASE_URL)" $(PYTHON) scripts/check_postgres.py

ensure-chromium:
	@bash scripts/ensure-chromium.sh

ensure-report-tools:
	@bash scripts/ensure-report-tools.sh

test: install check-postgres ensure-chromium ensure-report-tools
	DATABASE_URL="$(TEST_DATABASE_URL)" $(PYTHON) -m pytest -n $(PYTEST_WORKERS) --dist worksteal $(PYTEST_ARGS)

clean:
	rm -rf .venv .uv var db.sqlite3
