# Two commands: `make run` and `make test`. Both set everything up on a fresh machine.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip
STAMP := $(VENV)/.installed
LLAMA_VERSION := $(shell sed -n "s/^llama[-_]cpp[-_]python==//p" requirements.lock)
ARCH := $(shell uname -m)
# x86_64 CPUs here advertise AMX, and a native llama.cpp build dies with SIGILL in its AMX
# kernels: build for AVX2 instead. On a Pi (aarch64) a native build is the fast one.
ifeq ($(ARCH),x86_64)
LLAMA_CMAKE_ARGS := -DGGML_NATIVE=OFF -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DLLAVA_BUILD=OFF
else
LLAMA_CMAKE_ARGS := -DLLAVA_BUILD=OFF
endif
SYSTEM_PACKAGES := espeak-ng sox mosquitto chromium chromium-driver

.PHONY: help run test unit lint typecheck system-deps venv lock clean

help:
	@echo "make run   - set up, then run the daemon in the foreground with config/assistant.toml"
	@echo "make test  - set up, then run lint, type checks and every test"

run: $(STAMP)
	$(VENV)/bin/assistant --config config/assistant.toml run

test: $(STAMP) lint typecheck
	@# The example plugin's own tests, run as its author would (its own pytest config).
	$(PY) -m pytest -q examples/assistant-skill-bins
	$(PY) -m pytest -q

unit: $(STAMP)
	$(PY) -m pytest -q tests/unit

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: $(STAMP)
	$(VENV)/bin/mypy

venv: $(STAMP)

system-deps:
	@missing=""; \
	command -v espeak-ng >/dev/null || missing="$$missing espeak-ng"; \
	command -v soxi >/dev/null || missing="$$missing sox"; \
	command -v mosquitto >/dev/null || [ -x /usr/sbin/mosquitto ] || missing="$$missing mosquitto"; \
	command -v chromium >/dev/null || missing="$$missing chromium"; \
	command -v chromedriver >/dev/null || missing="$$missing chromium-driver"; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "installing$$missing with apt-get"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(SYSTEM_PACKAGES); \
	  else \
	    echo "missing system packages:$$missing"; \
	    echo "install them with: sudo apt-get install -y $(SYSTEM_PACKAGES)"; \
	    exit 1; \
	  fi; \
	fi

$(STAMP): pyproject.toml requirements.lock | system-deps
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip setuptools wheel
	CMAKE_ARGS="$(LLAMA_CMAKE_ARGS)" $(PIP) install -r requirements.lock
	$(PIP) install -q --no-deps --no-build-isolation -e .
	@# pip's wheel cache ignores CMAKE_ARGS: a wheel once built natively keeps dying with
	@# SIGILL. Generate a few tokens; on failure rebuild without the cache.
	if ! $(PY) -m assistant.llm.smoke; then \
	  echo "llama-cpp-python failed its smoke test: rebuilding it without pip's cache"; \
	  $(PIP) cache remove llama_cpp_python || true; \
	  CMAKE_ARGS="$(LLAMA_CMAKE_ARGS)" $(PIP) install --no-cache-dir --force-reinstall \
	    --no-deps "llama-cpp-python==$(LLAMA_VERSION)"; \
	  $(PY) -m assistant.llm.smoke; \
	fi
	touch $@

# Re-pin every package after changing pyproject.toml's dependencies.
lock:
	$(PIP) freeze --exclude-editable | sed 's/^torch==\(.*\)+cpu$$/torch==\1/' > requirements.lock

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
