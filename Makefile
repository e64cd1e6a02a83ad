# Set-up and everyday tasks. `make demo` and `make test` each install what they need first.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
ARCHIVE := $(BIN)/archive
SEED := seeds/000_dbbbf4a16fd70257
DEMO_ID := putin-post-trump

SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: install browser evidence-tools demo audit-demo test bench lint typecheck clean

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $@

# Archive the seed article and its illustrative revision into ./snapshots, then show the result.
# Capture times are fixed, so the commit ids are the same on every machine.
demo: install
	$(ARCHIVE) init
	$(ARCHIVE) snapshot $(SEED).txt --id $(DEMO_ID) --at 2021-12-17T12:00:00Z
	$(ARCHIVE) snapshot $(SEED).rev1-illustrative.txt --id $(DEMO_ID) --at 2021-12-18T09:30:00Z
	$(ARCHIVE) list
	$(ARCHIVE) history $(DEMO_ID)
	$(ARCHIVE) diff $(DEMO_ID)
	$(ARCHIVE) claims $(DEMO_ID)

# The viewer's end-to-end tests drive Debian's Chromium and ChromeDriver; install them when missing.
browser:
	@command -v chromium >/dev/null && command -v chromedriver >/dev/null || \
	  { $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium chromium-driver; }

# Signing and time-stamping tests run OpenSSH's ssh-keygen and OpenSSL's openssl (a real TSA); install them when missing.
evidence-tools:
	@command -v ssh-keygen >/dev/null && command -v openssl >/dev/null || \
	  { $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq openssh-client openssl; }

# What CI runs (.ci/run): lint and strict type checking, then the whole suite.
test: lint typecheck browser evidence-tools
	$(BIN)/python -m pytest -q

# Speed and accuracy figures, each against a baseline run in the same process (ingest builds a
# 100,000-version store: about ten minutes on two cores).
bench: install
	$(BIN)/python benchmarks/snapshot_speed.py
	$(BIN)/python benchmarks/claims_speed.py
	$(BIN)/python benchmarks/claims_eval.py --corpus ../shared/corpora/wikinews-revisions/revisions.jsonl
	$(BIN)/python benchmarks/verify.py
	$(BIN)/python benchmarks/evidence.py
	$(BIN)/python benchmarks/ingest.py

# Archive every version of ../shared/corpora/terms-versions at its recorded date, then audit, reproduce and rebuild it.
audit-demo: install
	$(BIN)/python benchmarks/audit_demo.py

lint: install
	$(BIN)/python -m ruff check archive tests benchmarks tools
	$(BIN)/python -m ruff format --check archive tests benchmarks tools

typecheck: install
	$(BIN)/python -m mypy --strict

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache
