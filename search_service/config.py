"""Defaults: where the project's index and seeds are. The environment (``SEARCH_SERVICE_INDEX``,
``SEARCH_SERVICE_*``) is read where each setting is used: by the command line's options and by the
API's configuration."""

import pathlib

PROJECT_DIR = pathlib.Path(__file__).resolve().parent.parent
DEFAULT_INDEX_DIR = PROJECT_DIR / "index"
DEFAULT_SOURCES = (PROJECT_DIR / "seeds",)
