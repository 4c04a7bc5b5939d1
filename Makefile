# The two commands: `make demo` runs the app, `make test` runs the tests.
# Each builds .venv first when it is missing, so they are all the set-up a fresh machine needs.
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: setup demo test lint bench clean

# Also says whether Qt's X11 window can open here, with the exact apt-get line when not.
setup: $(STAMP)
	@$(PY) -m ui.system_check

# torch 2.13.0 first: it is a local CPU wheel here, while an unpinned torch pulls a CUDA build.
$(STAMP): pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet torch==2.13.0
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

# The app on the first camera found, else the embedded demo scene. Without a display it
# runs headless for 20 s and says where the side-by-side video and the stats went.
demo: $(STAMP)
	$(VENV)/bin/stra-live --seconds 20 --out out/demo

test: $(STAMP)
	$(VENV)/bin/ruff check .
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest -q

lint: $(STAMP)
	$(VENV)/bin/ruff check .

bench: $(STAMP)
	$(VENV)/bin/stra-bench voxel
	$(VENV)/bin/stra-bench sim
	$(VENV)/bin/stra-bench model
	$(VENV)/bin/stra-bench stream

clean:
	rm -rf $(VENV) out .pytest_cache
