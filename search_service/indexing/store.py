"""Index generations on disk and the pointer to the live one.

An index directory holds complete, immutable generations (``gen-...``) and a file ``CURRENT``
naming the live one. A reindex writes a new generation beside the live one and replaces ``CURRENT``
atomically, so readers always open a complete index: the old one or the new one.
"""

import io
import json
import logging
import os
import pathlib
import pickle
import threading

from whoosh import searching
from whoosh.codec.whoosh3 import W3Codec
from whoosh.filedb.compound import SubFile
from whoosh.filedb.filestore import FileStorage
from whoosh.filedb.structfile import BufferFile, StructFile

from search_service.arabic import ANALYSIS_VERSION
from search_service.indexing.caches import KeptPerKey
from search_service.indexing.schema import build_schema, layout
from search_service.indexing.writing import MAX_WRITERS

log = logging.getLogger(__name__)

CURRENT = "CURRENT"
#: The beginning of the name ``CURRENT`` is written under before it replaces ``CURRENT``.
NEXT_POINTER = f".{CURRENT}."
#: A file in a generation that was made live (written just before ``CURRENT`` names it).
PUBLISHED = "published"
MANIFEST = "generation.json"
#: Bytes read at once for a pickled value in a segment's file (a posting block's header: about 40).
PICKLE_READ = 256


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
    if not name.startswith("gen-") or not generation.is_dir():
        raise IndexNotFound(
            f"the index in {index_dir} is damaged (generation {name!r} is missing): "
            f"rebuild it with `search-service reindex --index {index_dir}`"
        )
    return generation


def publish_generation(index_dir, generation):
    """Make ``generation`` the live one: mark it ``PUBLISHED``, write ``CURRENT`` beside it and
    rename it into place."""
    (pathlib.Path(generation) / PUBLISHED).touch()
    pointer = pathlib.Path(index_dir) / CURRENT
    temporary = pointer.with_name(f"{NEXT_POINTER}{os.getpid()}")
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


def _damaged(index_dir, error):
    return f"the index in {index_dir} cannot be read ({error}): rebuild it with `search-service reindex --index {index_dir}`"


class _SegmentFile(StructFile):
    """A segment's compound file, whose terms dictionary is read from memory.

    The dictionary (a few MB per 10,000 paragraphs) is read once per process and shared by every
    reader: a term lookup or a did-you-mean search makes thousands of small reads in it.
    """

    def subset(self, offset, length, name=None):
        if name and name.endswith(W3Codec.TERMS_EXT):
            return BufferFile(_terms_bytes(self.file, offset, length), name=name)
        return _SegmentPart(self.file, offset, length, name)


class _SegmentPart(StructFile):
    """One file of a segment's compound file (postings, columns, stored fields), whose reads at a
    position are one ``os.pread`` each: a search makes hundreds, and Whoosh's sub-file seeks the
    shared file and reads through three layers of Python for each."""

    def __init__(self, file, offset, length, name=None):
        super().__init__(SubFile(file, offset, length), name=name)
        self._whole, self._offset, self._length = file, offset, length

    def get(self, position, length):
        # fileno() raises once the segment's file is closed, so a closed file's number, which
        # another file may have taken since, is never read.
        return os.pread(self._whole.fileno(), max(0, min(length, self._length - position)), self._offset + position)

    def read_pickle(self):
        """The pickled value at the file's position, read by one ``os.pread``: unpickled from the
        file itself, a posting block's header takes about twenty reads."""
        position = self.tell()
        read = io.BytesIO(self.get(position, PICKLE_READ))
        try:
            value = pickle.load(read)
        except Exception:  # longer (no prefix of a pickle loads), or damaged: Whoosh reads and says
            self.seek(position)
            return super().read_pickle()
        self.seek(position + read.tell())
        return value


#: Index generations a process reads at once: the live one, and the previous one while searches
#: on it finish. Each has at most ``MAX_WRITERS`` segments, one per process that wrote it.
GENERATIONS_OPEN = 2
SEGMENTS_OPEN = GENERATIONS_OPEN * MAX_WRITERS
#: Terms dictionaries kept in memory: one per segment of the generations open.
TERMS_KEPT = SEGMENTS_OPEN
_terms = KeptPerKey(TERMS_KEPT)  # (segment's file, offset, length) -> its terms dictionary's bytes


def _terms_bytes(file, offset, length):
    def read():
        file.seek(offset)
        return file.read(length)

    return _terms.get((os.path.realpath(file.name), offset, length), read)


class _GenerationStorage(FileStorage):
    """A generation's files, read without mmap.

    Whoosh copies each mmapped file a reader opens into memory (a BytesIO over the map): hundreds
    of MB per reader on a large index. Plain reads share the operating system's cache instead; only
    the terms dictionary is kept in memory, once.
    """

    def __init__(self, path):
        super().__init__(path, supports_mmap=False)

    def open_file(self, name, **kwargs):
        return _SegmentFile(open(self._fpath(name), "rb"), name=name, **kwargs)


def _open_generation(index_dir, generation):
    try:
        index = _GenerationStorage(str(generation)).open_index()
    except Exception as error:  # Whoosh raises many types for a damaged table of contents
        raise IndexNotFound(_damaged(index_dir, error)) from None
    if layout(index.schema) != layout(build_schema()):
        raise IndexNotFound(_damaged(index_dir, "it was written by another version of search-service"))
    return index


def _reindex_needed(manifest):
    """Whether a generation was built with another version of the analysis than this one's."""
    return manifest.get("analysis") != ANALYSIS_VERSION


def _pointer_state(index_dir):
    """Identity of the ``CURRENT`` file (a publish replaces it with a new file), or None."""
    try:
        found = os.stat(pathlib.Path(index_dir) / CURRENT)
    except OSError:
        return None
    return found.st_ino, found.st_mtime_ns, found.st_size


class LiveIndex:
    """The live generation of an index directory, reopened when a reindex publishes a new one.

    Thread-safe. ``CURRENT`` is checked with one ``stat`` per call and the generation reopened only
    when it changed. Each thread keeps its own reader of the live generation (Whoosh readers and
    searchers must not be shared between threads), so a search opens no files.
    """

    def __init__(self, index_dir):
        self.index_dir = pathlib.Path(index_dir)
        self._lock = threading.Lock()
        self._pointer = None
        self._generation = None
        self._index = None
        self._manifest = {}
        self._local = threading.local()

    def _refresh(self):
        """The live generation, reopened if ``CURRENT`` changed; the last good one if the new one is broken."""
        pointer = _pointer_state(self.index_dir)
        with self._lock:
            if pointer is None or pointer != self._pointer:
                try:
                    generation = current_generation(self.index_dir)
                    if generation != self._generation:
                        self._index = _open_generation(self.index_dir, generation)
                        self._manifest = read_manifest(generation)
                        self._generation = generation
                        if _reindex_needed(self._manifest):
                            log.warning(
                                "the index in %s was built with another version of the Arabic analysis: some "
                                "spellings are not found until `search-service reindex --index %s`",
                                self.index_dir, self.index_dir,
                            )
                    self._pointer = pointer
                except IndexNotFound as error:
                    if self._index is None:
                        raise
                    log.warning("keeping generation %s: %s", self._generation.name, error)
            return self._index, self._generation, self._manifest

    def index(self):
        """The Whoosh index of the live generation."""
        return self._refresh()[0]

    def generation(self):
        """The name of the live generation (a new name after every reindex)."""
        return self._refresh()[1].name

    def searcher(self, **kwargs):
        """A searcher over the live generation (use it as a context manager).

        It reads through this thread's reader, which stays open when the searcher is closed; a
        reader of an older generation is dropped (and closed once no searcher uses it).
        """
        return self._searcher_of(self.index(), **kwargs)

    def _searcher_of(self, index, **kwargs):
        local = self._local
        if getattr(local, "index", None) is not index:
            try:
                reader = index.reader()
            except Exception as error:  # a damaged segment shows when it is opened
                raise IndexNotFound(_damaged(self.index_dir, error)) from None
            if reader.has_deletions():  # searches read postings as they were written
                reader.close()
                raise IndexNotFound(_damaged(self.index_dir, "documents were deleted from it by another program"))
            local.reader, local.index = reader, index
        return searching.Searcher(local.reader, closereader=False, fromindex=index, **kwargs)

    def info(self):
        """Name, manifest, paragraph count and on-disk size of the live generation, and whether it
        needs a reindex to be analysed as queries are (through this thread's reader)."""
        index, generation, manifest = self._refresh()
        with self._searcher_of(index) as searcher:  # the generation named, should CURRENT change meanwhile
            paragraphs = searcher.doc_count()
        return {
            **manifest, "generation": generation.name, "paragraphs": paragraphs,
            "size_bytes": directory_size(generation), "reindex_needed": _reindex_needed(manifest),
        }
