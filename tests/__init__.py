"""The test suite. Imported before any conftest or test module, so the setting below covers
them all: keep compiled bytecode even where PYTHONDONTWRITEBYTECODE is set (it is on these
machines). Otherwise every run, and every process a test starts (mail workers, gunicorn nodes),
compiles kb and the assertion-rewritten test modules again: ~4 s of CPU a run. __pycache__ is
git-ignored."""

import sys

sys.dont_write_bytecode = False
