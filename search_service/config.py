"""Defaults and environment settings; read only by the API and the command line."""

import os
import pathlib

PROJECT_DIR = pathlib.Path(__file__).resolve().parent.parent
DEFAULT_INDEX_DIR = PROJECT_DIR / "index"
DEFAULT_SOURCES = (PROJECT_DIR / "seeds",)


def index_dir():
    """The index directory: ``SEARCH_SERVICE_INDEX`` or ``index/`` of the project."""
    return pathlib.Path(os.environ.get("SEARCH_SERVICE_INDEX") or DEFAULT_INDEX_DIR)
