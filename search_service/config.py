"""Defaults: where the project's index and seeds are. The environment (``SEARCH_SERVICE_INDEX``,
``SEARCH_SERVICE_*``) is read where each setting is used: by the command line's options and by the
API's configuration."""

import os
import pathlib

_CHECKOUT = pathlib.Path(__file__).resolve().parent.parent
#: The source checkout the package runs from (an editable install), else the working directory:
#: a package installed into site-packages (the Docker image's, which sets both paths) has no
#: project directory of its own.
PROJECT_DIR = _CHECKOUT if (_CHECKOUT / "pyproject.toml").is_file() else pathlib.Path.cwd()
DEFAULT_INDEX_DIR = PROJECT_DIR / "index"
DEFAULT_SOURCES = (PROJECT_DIR / "seeds",)


def sources(paths):
    """The source paths to index, as texts: ``paths`` (a sequence, or ``SEARCH_SERVICE_SOURCES``'s
    text, separated by ``os.pathsep``) without empty entries (an empty entry is no source, not the
    working directory), else ``DEFAULT_SOURCES``."""
    if isinstance(paths, str):
        paths = paths.split(os.pathsep)
    return tuple(str(path) for path in paths or () if str(path)) or tuple(str(path) for path in DEFAULT_SOURCES)
