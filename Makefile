# The two entry points of the README: `make run` and `make test`. Both set up everything they need.
VENV := .venv
BIN := $(VENV)/bin
# The port `make run` serves on: `make run PORT=8001`.
PORT ?= 8000

.PHONY: run test browser

run: $(VENV)/.installed
	$(BIN)/search-service reindex
	$(BIN)/search-service serve --port $(PORT)

test: $(VENV)/.installed browser
	$(BIN)/python -m pytest

$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

# The browser tests drive Debian's chromium; install it when it is missing and we may.
browser:
	@command -v chromium >/dev/null && command -v chromedriver >/dev/null \
	|| { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null \
	     && apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null; } \
	|| echo "chromium not installed: the browser tests will be skipped"
