# The README and .ci/run use these targets. Everything installs into .venv.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test check lint typecheck imports pytest bench system-deps clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

## Run Liner on the embedded default (SQLite, local key file, sandbox Spotify).
run: $(STAMP)
	$(BIN)/liner serve

## Debian packages the tests need: chromium (browser tier), Noto fonts (preview images
## in every script), a Java runtime (the W3C Nu HTML validator), and Node's npm.
DEBIAN_PACKAGES := chromium fonts-noto-core fonts-noto-cjk fonts-noto-color-emoji default-jre-headless nodejs npm
system-deps:
	@missing=""; \
	test -x /usr/bin/chromium || missing="$$missing chromium"; \
	test -f /usr/share/fonts/truetype/noto/NotoSansArabic-Bold.ttf || missing="$$missing fonts-noto-core"; \
	test -f /usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc || missing="$$missing fonts-noto-cjk"; \
	test -f /usr/share/fonts/truetype/noto/NotoColorEmoji.ttf || missing="$$missing fonts-noto-color-emoji"; \
	command -v java >/dev/null || missing="$$missing default-jre-headless"; \
	command -v npm >/dev/null || missing="$$missing nodejs npm"; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  echo "installing Debian packages:$$missing"; \
	  $$SUDO mkdir -p /usr/share/man/man1; \
	  $$SUDO apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi

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
