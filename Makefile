# Two commands on a fresh machine with only Python 3.11+ and make:  make run  ·  make test
PYTHON_SYSTEM ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: venv run serve setup-data test test-ci lint fmt check messages worker beat web up down clean \
	fuzz faults loadtest test-slow audit backup restore bench

$(STAMP): requirements.txt
	@$(PYTHON_SYSTEM) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed")'
	test -x $(PY) || $(PYTHON_SYSTEM) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $(STAMP)

venv: $(STAMP)

# A local secret key, made once and kept out of git, so that sessions survive restarts.
.dev-secret-key:
	@$(PYTHON_SYSTEM) -c 'import secrets; print(secrets.token_urlsafe(50))' > $@

DEV_ENV = DJANGO_DEBUG=1 DJANGO_SECRET_KEY=$$(cat .dev-secret-key)

## Migrate, load reference + demo data when the database is empty, (re)create the demo users.
setup-data: venv .dev-secret-key
	$(DEV_ENV) $(PY) manage.py migrate --noinput
	$(DEV_ENV) $(PY) manage.py load_if_empty
	$(DEV_ENV) $(PY) manage.py create_demo_users

## The portal on http://127.0.0.1:8000 with the demo province of Bắc Kạn.
run: setup-data
	@echo "Cổng thông tin: http://$(HOST):$(PORT)/  (Ctrl+C để dừng)"
	$(DEV_ENV) $(PY) manage.py runserver $(HOST):$(PORT)

## The whole suite; non-zero on any failure.
test: venv
	$(PY) -m pytest $(PYTEST_ARGS)

## The slower suites, each on its own (CI runs them after `make test`; see docs/security.md, docs/reliability.md).
fuzz: venv
	$(PY) -m pytest -m fuzz $(PYTEST_ARGS)
faults: venv
	$(PY) -m pytest -m faults $(PYTEST_ARGS)
loadtest: venv
	$(PY) -m pytest -m load $(PYTEST_ARGS)
test-slow: fuzz faults loadtest

## The benchmark of issue 8 (docs/benchmarks.md): the synthetic nation on a fresh PostgreSQL database, gunicorn and a
## worker, one table of the goals. About 6 minutes at full scale on 2 cores; BENCH_ARGS="--scale 0.01" for a quick run,
## "--reuse" to keep the generated nation, "--help" for the rest. PostgreSQL and Redis on 127.0.0.1 (BENCH_DATABASE_URL,
## BENCH_REDIS_URL).
bench: venv
	$(PY) bench/run.py $(BENCH_ARGS)

## Backup and restore (PostgreSQL or SQLite, whichever DATABASE_URL names; MEDIA_ROOT included):
##   make backup                       → backups/ethnic_portal-YYYYMMDD-HHMMSS.tar.gz (BACKUP_DIR)
##   make restore FILE=backups/….tar.gz  asks to type "yes";  YES=1 does not ask (scripts, no terminal)
backup: venv .dev-secret-key
	$(DEV_ENV) $(PY) manage.py backup
restore: venv .dev-secret-key
	$(if $(FILE),,$(error Cách dùng: make restore FILE=backups/ethnic_portal-….tar.gz [YES=1]))
	$(DEV_ENV) $(PY) manage.py restore "$(FILE)"$(if $(YES), --yes)

## Known vulnerabilities in the pinned dependencies (PyPI advisory database).
audit: venv
	bin/audit

lint: venv
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

fmt: venv
	$(PY) -m ruff check --fix .
	$(PY) -m ruff format .

check: venv .dev-secret-key
	$(DEV_ENV) $(PY) manage.py check
	$(DEV_ENV) $(PY) manage.py makemigrations --check --dry-run

messages: venv .dev-secret-key
	$(DEV_ENV) $(PY) manage.py makemessages -l en --ignore '.venv/*' --ignore 'staticfiles/*'
	$(DEV_ENV) $(PY) manage.py compilemessages -l en --ignore '.venv/*'

## The same process commands that docker-compose.yml and .ci/run use (need DATABASE_URL etc.).
web: venv
	bin/web
worker: venv
	bin/worker
beat: venv
	bin/beat

up:
	docker compose up -d --build
down:
	docker compose down

clean:
	rm -rf $(VENV) staticfiles .pytest_cache
