# Finance API - the commands of the README. `make run` and `make test` work on a fresh machine.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
# Two stamps: `make run` needs only what serving needs (base.lock); everything else the whole toolchain.
BASE_STAMP := $(VENV)/.base-$(shell cat requirements/base.lock | cksum | cut -d' ' -f1)
STAMP := $(VENV)/.installed-$(shell cat requirements/dev.lock pyproject.toml | cksum | cut -d' ' -f1)
PYTEST_ARGS ?=
PORT ?= 8000

.PHONY: help venv venv-base run test lint format lock check-balances clean ci ci-checks checks hygiene schemas system-packages

help:
	@grep -E '^[a-z0-9-]+:.*?## ' $(MAKEFILE_LIST) | awk -F':.*?## ' '{printf "  %-16s %s\n", $$1, $$2}'

# The dev lock pins every base package at the same version (tests/test_lock_files.py), so the whole
# toolchain includes what serving needs: its stamp stands for both.
$(STAMP): requirements/dev.lock pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet --require-hashes -r requirements/dev.lock
	rm -f $(VENV)/.installed-* $(VENV)/.base-*
	touch $@ $(BASE_STAMP)

$(BASE_STAMP): requirements/base.lock
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --require-hashes -r requirements/base.lock
	rm -f $(VENV)/.base-*
	touch $@

venv: $(STAMP) ## create .venv and install the locked dependencies (the whole development toolchain)

venv-base: $(BASE_STAMP) ## create .venv with only what serving needs (requirements/base.lock)

# Links the app builds (export downloads, emails) follow PORT unless PUBLIC_BASE_URL says otherwise.
run: venv-base ## migrate and serve the API at http://127.0.0.1:$PORT (default 8000) on embedded defaults
	export DEBUG=$${DEBUG:-true} LOG_FORMAT=$${LOG_FORMAT:-console} \
		PUBLIC_BASE_URL=$${PUBLIC_BASE_URL:-http://127.0.0.1:$(PORT)}; \
	$(PY) manage.py migrate --no-input && $(PY) manage.py runserver 127.0.0.1:$(PORT)

test: venv ## run the whole test suite (PostgreSQL/Redis when DATABASE_URL/REDIS_URL are set)
	$(BIN)/pytest $(PYTEST_ARGS)

lint: venv ## ruff check and format, missing migrations, the app graph (import-linter), types (mypy)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(PY) manage.py makemigrations --check --dry-run --no-input
	PYTHONPATH=src:. $(BIN)/lint-imports
	$(BIN)/mypy

format: venv ## apply ruff's fixes and formatting
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

lock: venv ## re-resolve requirements/*.lock from pyproject.toml
	$(BIN)/uv pip compile pyproject.toml --python-version 3.11 --generate-hashes --quiet -o requirements/base.lock
	$(BIN)/uv pip compile pyproject.toml --extra dev --python-version 3.11 --generate-hashes --quiet -o requirements/dev.lock

check-balances: venv ## verify every balance (opening + money in - money out) and the pre-aggregated figures against the rows
	$(PY) manage.py check_balances

clean: ## remove the virtualenv, local database and caches
	rm -rf $(VENV) var .pytest_cache .ruff_cache

# --- CI: one definition; .ci/run runs its two halves, the GitHub workflow runs its parts as jobs ------------
ci: ci-checks test ## everything CI checks (needs PostgreSQL, Redis and a container engine; see .ci/run)

ci-checks: hygiene lint checks image-check ## everything CI checks but the tests: .ci/run runs it, then the README's `make test`

checks: check-deploy hadolint nginx-check promtool k8s-check schemas openapi-lint docs-build ## the configuration checks, the OpenAPI linters, the documentation build

system-packages: ## install nginx, Prometheus (promtool), PgBouncer, Chromium, jq, curl from the distribution; no daemon is started
	.ci/install-packages

# The hooks of .pre-commit-config.yaml from pre-commit-hooks (PyPI), over every tracked file.
hygiene: venv ## YAML parses; text files end in one newline, carry no trailing spaces or conflict markers; no large files
	git ls-files -z -- '*.yml' '*.yaml' ':!:mkdocs.yml' | xargs -0 $(BIN)/check-yaml --allow-multiple-documents
	# mkdocs.yml names Python functions (!!python/name), which only the site build resolves: syntax only.
	$(BIN)/check-yaml --unsafe mkdocs.yml
	git ls-files -z | xargs -0 grep -IlZ '' -- | xargs -0 $(BIN)/end-of-file-fixer
	git ls-files -z | xargs -0 grep -IlZ '' -- | xargs -0 $(BIN)/trailing-whitespace-fixer
	git ls-files -z | xargs -0 grep -IlZ '' -- | xargs -0 $(BIN)/check-merge-conflict --assume-in-merge
	git ls-files -z | xargs -0 $(BIN)/check-added-large-files --enforce-all

schemas: venv ## the workflows, Dependabot and compose files against their schemas
	$(BIN)/check-jsonschema --builtin-schema vendor.github-workflows .github/workflows/*.yml
	$(BIN)/check-jsonschema --builtin-schema vendor.dependabot .github/dependabot.yml
	$(BIN)/check-jsonschema --builtin-schema vendor.compose-spec docker-compose*.yml

# --- the API contract and the documentation ----------------------------------------------------------------
.PHONY: node-packages openapi-lint docs docs-build
NODE_DIR := .ci/node
NODE_STAMP := $(NODE_DIR)/node_modules/.installed-$(shell cat $(NODE_DIR)/package-lock.json | cksum | cut -d' ' -f1)
OPENAPI := var/openapi.json
export REDOCLY_TELEMETRY := off
export REDOCLY_SUPPRESS_UPDATE_NOTICE := true
export NO_MKDOCS_2_WARNING := 1

$(NODE_STAMP): $(NODE_DIR)/package-lock.json
	npm ci --prefix $(NODE_DIR) --no-audit --no-fund --ignore-scripts
	touch $@

node-packages: $(NODE_STAMP) ## the OpenAPI linters and Mermaid, from .ci/node/package-lock.json (npm ci)

openapi-lint: venv node-packages ## Redocly CLI and Spectral on the served OpenAPI document: no error, no warning
	$(PY) -m deploy.local.openapi $(OPENAPI)
	cd $(NODE_DIR) && npx --no-install redocly lint --config redocly.yaml ../../$(OPENAPI)
	cd $(NODE_DIR) && npx --no-install spectral lint --ruleset .spectral.yaml --fail-severity warn ../../$(OPENAPI)

# Mermaid's script is served by the site itself (no CDN); it comes from the npm lock, never from git.
MERMAID_JS := docs/assets/javascripts/mermaid.min.js
$(MERMAID_JS): $(NODE_STAMP)
	mkdir -p $(@D)
	cp $(NODE_DIR)/node_modules/mermaid/dist/mermaid.min.js $@

docs-build: venv $(MERMAID_JS) ## build the documentation site into var/site; warnings fail (mkdocs --strict)
	$(BIN)/mkdocs build --strict --site-dir var/site

docs: venv $(MERMAID_JS) ## serve the documentation site at http://127.0.0.1:8001 (reloads on edits)
	$(BIN)/mkdocs serve --dev-addr 127.0.0.1:8001

# --- container and edge -------------------------------------------------------------------------------------
.PHONY: smoke hadolint nginx-check compose-check image-check
SMOKE_URL ?=
# The container engine of image-check (podman where installed, else docker) and the base image it builds on
# (empty: the Dockerfile's python:3.12-slim; here, the stand-in ../shared/tools/container-engine.sh prints).
IMAGE_ENGINE ?= $(shell command -v podman >/dev/null 2>&1 && echo podman || echo docker)
PYTHON_IMAGE ?=

smoke: venv ## the app behind nginx on loopback, walked through by deploy/smoke_check.py (SMOKE_URL=http://localhost:8080 checks a running stack instead)
	@if [ -n "$(SMOKE_URL)" ]; then $(PY) deploy/smoke_check.py "$(SMOKE_URL)"; else $(PY) -m deploy.local.stack smoke; fi

hadolint: venv ## lint the Dockerfile
	$(BIN)/hadolint Dockerfile

nginx-check: venv ## nginx -t on nginx/ rendered as the nginx container renders it (backend on loopback)
	$(PY) -m deploy.local.stack nginx-check

compose-check: schemas ## validate the compose files against the compose specification

image-check: venv ## build the image; run migrate, web and worker as compose does on the host network against the local PostgreSQL/Redis, and check them
	$(PY) -m deploy.local.image_check --engine $(IMAGE_ENGINE) $(if $(PYTHON_IMAGE),--python-image $(PYTHON_IMAGE))

# --- delivery -------------------------------------------------------------------------------------------
.PHONY: k8s-check check-deploy

k8s-check: venv ## render the Kubernetes overlays; check schemas, references, pod security, probes
	$(PY) k8s/check.py

# Production-like settings: nothing is contacted, only the configuration is judged. The signing keys of the
# environment are judged as they are (SECRET_KEY, JWT_SIGNING_KEY, SECRET_KEY_FALLBACKS); only when no
# SECRET_KEY is set (CI) is a random one made up.
check-deploy: venv ## Django's deployment checklist on production settings (warnings fail too)
	DJANGO_ENV=production \
	SECRET_KEY="$${SECRET_KEY:-$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(50))')}" \
	ALLOWED_HOSTS=finance.example.com \
	CSRF_TRUSTED_ORIGINS=https://finance.example.com \
	DATABASE_URL=postgresql://finance:unused@127.0.0.1:5432/finance \
	REDIS_URL=redis://127.0.0.1:6379/0 \
	SECURE_SSL_REDIRECT=true \
	SECURE_HSTS_SECONDS=31536000 \
	DEBUG=false \
	$(PY) manage.py check --deploy --fail-level WARNING

.PHONY: promtool monitoring-check

promtool: ## check the Prometheus config and alert rules, run the alert unit tests (monitoring/prometheus/tests)
	promtool check config monitoring/prometheus/prometheus.yml
	promtool check rules monitoring/prometheus/alerts.yml
	promtool test rules monitoring/prometheus/tests/*.yml

monitoring-check: venv promtool ## real Prometheus scraping gunicorn: counts, every dashboard query and alert
	$(BIN)/pytest tests/monitoring $(PYTEST_ARGS)

# --- load testing (docs/load-testing.md) --------------------------------------------------------------------
.PHONY: load-smoke load bench seed-demo
SHAPE ?= smoke
HOST ?= http://127.0.0.1:8000
LOAD_ARGS ?=
BENCH_ARGS ?=

load-smoke: venv ## a few seconds of every journey against a throwaway local gunicorn stack; no failure allowed
	$(PY) -m load.smoke

load: venv ## Locust with SHAPE=smoke|ramp|steady|spike|soak against HOST; reports in load/results/
	mkdir -p load/results
	$(PY) -m locust -f load/locustfile.py --headless --host $(HOST) --shape $(SHAPE) \
		--csv load/results/$(SHAPE) --html load/results/$(SHAPE).html $(LOAD_ARGS)

bench: venv ## benchmark the local stack over 2M seeded transactions (one user with 1M); summary and chart in load/results/bench-latest.{md,svg}
	$(PY) -m load.bench $(BENCH_ARGS)

seed-demo: venv ## fill the configured database with demo data (USERS=10 TRANSACTIONS=10000 SEED=1)
	$(PY) manage.py seed_demo --users $${USERS:-10} --transactions $${TRANSACTIONS:-10000} --seed $${SEED:-1}
