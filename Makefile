# Jingwu — the two commands of the README, and their helpers.
# `make demo` serves the Wuping demo bureau on http://127.0.0.1:8000; `make test` runs ruff and every test.
SHELL := /bin/bash
.DEFAULT_GOAL := help
PYTHON_VERSION := 3.12
UV_VERSION := 0.13.8
# uv comes from PyPI into a small bootstrap venv of its own when the machine has none.
UV := $(shell command -v uv 2>/dev/null || echo .uv/bin/uv)
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000

.PHONY: help demo test lint format env serve e2e-deps seed

help:
	@echo "make demo   — install, load the Wuping demo bureau, serve http://127.0.0.1:$(PORT)"
	@echo "make test   — install, ruff, the whole test suite (DATABASE_URL selects the database)"
	@echo "make serve  — production form: gunicorn + task workers (JINGWU_MODE=production settings)"

.uv/bin/uv:
	@py=$$(command -v python$(PYTHON_VERSION) || pyenv which python$(PYTHON_VERSION) 2>/dev/null || ls $$HOME/.pyenv/versions/$(PYTHON_VERSION)*/bin/python$(PYTHON_VERSION) 2>/dev/null | head -n1); \
	  if [ -z "$$py" ]; then echo "Python $(PYTHON_VERSION) not found (pyenv install $(PYTHON_VERSION))" >&2; exit 1; fi; \
	  "$$py" -m venv .uv && .uv/bin/pip install --quiet "uv==$(UV_VERSION)"

$(VENV)/.synced: pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen --python $(PYTHON_VERSION)
	@touch $@

env: $(VENV)/.synced

demo: env
	JINGWU_MODE=demo $(PY) manage.py migrate --no-input -v0
	JINGWU_MODE=demo $(PY) manage.py demo_load
	@echo "Jingwu demo: http://127.0.0.1:$(PORT)  (accounts in README.md; Ctrl-C stops)"
	JINGWU_MODE=demo $(PY) manage.py runserver 127.0.0.1:$(PORT)

# Production form (docs/production.md): migrate, collectstatic, gunicorn (WEB_CONCURRENCY workers,
# default 2×cores+1) and JINGWU_TASK_WORKERS task workers (default 2), in the foreground; Ctrl-C stops all.
# JINGWU_MODE=production: SECRET_KEY, DATABASE_URL and ALLOWED_HOSTS must be set.
serve: env
	PORT=$(PORT) $(PY) scripts/serve.py

test: env
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/pytest

lint: env
	$(VENV)/bin/ruff check .

format: env
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

# A synthetic bureau (bench/generate.py, docs/development.md): `make seed SIZE=100000 [SEED=…] [TODAY=…]`
# migrates the database of DATABASE_URL (default: the project's SQLite file), which must hold no incidents,
# and writes SIZE incidents (default 10000) with their cases, disputes, timelines and deadlines.
seed: env
	$(PY) manage.py migrate --no-input -v0
	@size="$(SIZE)"; case "$$size" in ''|*[!0-9]*) size=10000;; esac; \
	  $(PY) -m bench.generate --size $$size --seed $(or $(SEED),350824) $(if $(TODAY),--today $(TODAY))

# Backup and restore (jingwu/ops): `make backup [BACKUP=file]` writes a new file (default under
# var/backups/); `make restore BACKUP=file` restores it into the EMPTY database of DATABASE_URL and then
# verifies the audit chain. SQLite: online backup API; PostgreSQL: pg_dump -Fc / pg_restore.
.PHONY: backup restore
backup: env
	$(PY) manage.py backup $(BACKUP)

restore: env
	@test -n "$(BACKUP)" || { echo "usage: make restore BACKUP=<file>  (into the empty database of DATABASE_URL)" >&2; exit 2; }
	$(PY) manage.py restore $(BACKUP)

# Benchmarks (bench/run_all.py, docs/benchmarks.md): every bench/bench_*.py on SQLite and PostgreSQL, one JSON
# line per figure on stdout and in var/bench/<timestamp>.jsonl. SIZE=small|default|large (default: ≤ 30 min).
SIZE ?= default
.PHONY: bench
bench: env
	$(PY) -m bench.run_all --size $(SIZE)
