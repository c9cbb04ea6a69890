# The two commands of the README: `make run` (the main job) and `make test` (the test suite).
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8080
DEMO_RECORDS ?= 20000

.PHONY: run test install install-test es demo serve browser stop clean

$(BIN)/yidu: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.test-deps: $(BIN)/yidu
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

install: $(BIN)/yidu

install-test: $(VENV)/.test-deps

## The main job: install, provision and start Elasticsearch, load the demo corpus, serve site and API.
run: install es demo
	$(BIN)/yidu serve --host $(HOST) --port $(PORT)

es: install
	$(BIN)/yidu es install
	$(BIN)/yidu es start

demo: es
	$(BIN)/yidu demo load --records $(DEMO_RECORDS)

serve: install
	$(BIN)/yidu serve --host $(HOST) --port $(PORT)

## The whole test suite, against a real node (the session starts it, or uses ES_URL).
test: install-test browser
	$(BIN)/yidu es install
	$(BIN)/python -m pytest

# Headless Chromium for the browser tests, with a CJK font so the screenshots show Chinese text:
# Debian's packages, installed when missing and we may (root with apt-get, as in CI).
BROWSER_PKGS = chromium fonts-wqy-microhei
browser:
	@if ! command -v chromium >/dev/null 2>&1 || ! fc-list :lang=zh 2>/dev/null | grep -q .; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing $(BROWSER_PKGS) for the browser tests"; \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(BROWSER_PKGS) >/dev/null) \
	      || echo "could not install $(BROWSER_PKGS): the browser tests may skip"; \
	  else echo "chromium or a CJK font is missing: the browser tests may skip or show boxes for Chinese"; fi; fi

stop:
	$(BIN)/yidu es stop

clean: stop
	rm -rf .state artifacts
