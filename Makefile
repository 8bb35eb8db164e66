# The README and .ci/run use these targets. Everything installs into .venv.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test check lint typecheck imports pytest bench fonts system-deps clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

## Run Liner on the embedded default (SQLite, local key file, sandbox Spotify).
run: $(STAMP) fonts
	$(BIN)/liner serve

# Installs the Debian packages named in $$missing (sudo when not root).
APT_INSTALL = if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  echo "installing Debian packages:$$missing"; \
	  $$SUDO mkdir -p /usr/share/man/man1; \
	  $$SUDO apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi

## Noto fonts: preview images draw names in every script with them.
fonts:
	@missing=""; \
	test -f /usr/share/fonts/truetype/noto/NotoSansArabic-Bold.ttf || missing="$$missing fonts-noto-core"; \
	test -f /usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc || missing="$$missing fonts-noto-cjk"; \
	test -f /usr/share/fonts/truetype/noto/NotoColorEmoji.ttf || missing="$$missing fonts-noto-color-emoji"; \
	$(APT_INSTALL)

## What the tests need besides: chromium (browser tier), a Java runtime (the W3C Nu
## HTML validator) and npm (the pinned validator and axe-core).
system-deps: fonts
	@missing=""; \
	test -x /usr/bin/chromium || missing="$$missing chromium"; \
	command -v java >/dev/null || missing="$$missing default-jre-headless"; \
	command -v npm >/dev/null || missing="$$missing nodejs npm"; \
	$(APT_INSTALL)

TOOLS := tests/tools/node_modules/.installed

## The Nu HTML validator (vnu-jar) and axe-core, pinned by tests/tools/package-lock.json.
## --ignore-scripts: vnu-jar's postinstall would try to download a Java runtime.
$(TOOLS): tests/tools/package-lock.json | system-deps
	cd tests/tools && npm ci --ignore-scripts --no-audit --no-fund
	touch $@

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

typecheck: $(STAMP)
	$(BIN)/mypy

imports: $(STAMP)
	$(BIN)/lint-imports

pytest: $(STAMP) system-deps $(TOOLS)
	$(BIN)/pytest -q

## The whole test suite: lint, types, layer rules, then every test tier.
test: lint typecheck imports pytest

bench: $(STAMP)
	$(BIN)/python bench/store_round_trips.py
	$(BIN)/python bench/refresh_latency.py
	$(BIN)/python bench/notes_latency.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
