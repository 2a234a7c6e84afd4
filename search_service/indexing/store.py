"""Index generations on disk and the pointer to the live one.

An index directory holds complete, immutable generations (``gen-...``) and a file ``CURRENT``
naming the live one. A reindex writes a new generation beside the live one and replaces ``CURRENT``
atomically, so readers always open a complete index: the old one or the new one.
"""

import json
import os
import pathlib
import threading

from whoosh import index as whoosh_index

CURRENT = "CURRENT"
MANIFEST = "generation.json"


class IndexNotFound(Exception):
    """No usable index in the directory; the message says how to build one."""


def current_generation(index_dir):
    """The path of the live generation, or raise ``IndexNotFound``."""
    index_dir = pathlib.Path(index_dir)
    try:
        name = (index_dir / CURRENT).read_text(encoding="utf-8").strip()
    except (FileNotFoundError, NotADirectoryError):
        raise IndexNotFound(f"no index in {index_dir}: build one with `search-service reindex --index {index_dir}`") from None
    except OSError as error:
        raise IndexNotFound(f"cannot read the index in {index_dir}: {error.strerror}") from None
    generation = index_dir / name
    if not name.startswith("gen-") or not whoosh_index.exists_in(generation):
        raise IndexNotFound(
            f"the index in {index_dir} is damaged (generation {name!r} is missing): "
            f"rebuild it with `search-service reindex --index {index_dir}`"
        )
    return generation


def publish_generation(index_dir, generation):
    """Make ``generation`` the live one: write ``CURRENT`` beside it and rename it into place."""
    pointer = pathlib.Path(index_dir) / CURRENT
    temporary = pointer.with_name(f".{CURRENT}.{os.getpid()}")
    with open(temporary, "w", encoding="utf-8") as file:
        file.write(pathlib.Path(generation).name + "\n")
        file.flush()
        os.fsync(file.fileno())
    os.replace(temporary, pointer)
    directory = os.open(index_dir, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


def read_manifest(generation):
    """The facts recorded about a generation when it was built (counts, build time)."""
    try:
        return json.loads((pathlib.Path(generation) / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def directory_size(path):
    """Total size in bytes of the files in a directory."""
    return sum(entry.stat().st_size for entry in pathlib.Path(path).iterdir() if entry.is_file())


class LiveIndex:
    """The live generation of an index directory, reopened when a reindex publishes a new one.

    Thread-safe; each caller opens its own searcher (Whoosh searchers must not be shared).
    """

    def __init__(self, index_dir):
        self.index_dir = pathlib.Path(index_dir)
        self._lock = threading.Lock()
        self._generation = None
        self._index = None
        self._manifest = {}

    def _refresh(self):
        generation = current_generation(self.index_dir)
        with self._lock:
            if generation != self._generation:
                self._index = whoosh_index.open_dir(str(generation))
                self._manifest = read_manifest(generation)
                self._generation = generation
            return self._index, self._generation, self._manifest

    def index(self):
        """The Whoosh index of the live generation."""
        return self._refresh()[0]

    def searcher(self, **kwargs):
        """A new searcher over the live generation (use it as a context manager)."""
        return self.index().searcher(**kwargs)

    def info(self):
        """Name, manifest and on-disk size of the live generation."""
        _, generation, manifest = self._refresh()
        return {"generation": generation.name, "size_bytes": directory_size(generation), **manifest}
