"""Corpus sources: files and directories turned into one stream of documents and reports (records
skipped, fields left out)."""

import collections
import dataclasses
import os
import pathlib
import unicodedata

from search_service.ingest.documents import SkippedRecord
from search_service.ingest.html_files import read_html_file
from search_service.ingest.jsonl_files import read_jsonl_file
from search_service.ingest.text_files import read_text_file

#: A reader takes a path and yields ``(line number or None, Document or SkippedRecord)``; the JSONL
#: reader adds the fields it left out of each Document (``_read``). Those of one document per file
#: also take the ``default_source`` of a page that names none.
READERS = {".txt": read_text_file, ".jsonl": read_jsonl_file, ".html": read_html_file, ".htm": read_html_file}
#: The file types the readers handle, as messages name them.
FILE_TYPES = " or ".join((", ".join(list(READERS)[:-1]), list(READERS)[-1]))


class SourceError(Exception):
    """A source path that cannot be read at all (it does not exist)."""


def iter_records(paths, other_files=None):
    """Yield every Document, SkippedRecord and FieldLeftOut in ``paths`` (files, or directories walked
    recursively), each Document followed by the fields left out of it.

    Files come in the order given, each directory's files in sorted order; in a directory, files no
    reader handles and hidden files are ignored (those of the first kind counted by type into the
    ``other_files`` Counter, if given: ``{".md": 2}``), and linked directories are followed (each once). A
    document whose id was already read, a directory that cannot be listed and a path that is not a
    regular file (a pipe) are skipped and reported. Raises SourceError at once, before reading
    anything, if a path does not exist.

    Example: ``for record in iter_records(["seeds/", "extra.jsonl"]): ...``
    """
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    paths = [pathlib.Path(path) for path in paths]
    for path in paths:
        if not path.exists():
            raise SourceError(f"source not found: {path}")
    return _records(paths, collections.Counter() if other_files is None else other_files)


def _records(paths, other_files):
    first_file = {}  # document id -> where it was first read: a file, or a JSONL file's line
    for path in _unique(file for path in paths for file in _files(path)):
        if isinstance(path, SkippedRecord):
            yield path
            continue
        if path.suffix.lower() not in READERS and path not in paths:  # found in a directory
            other_files[_file_type(path)] += 1
            continue
        if not _is_utf8(str(path.absolute())):
            yield SkippedRecord(_shown(path), None, "the name of the file or of a directory above it is not UTF-8: rename it")
            continue
        reader = READERS.get(path.suffix.lower())
        if reader is None:
            reason = f"unsupported file type {path.suffix or '(none)'!r}: expected {FILE_TYPES}"
            yield SkippedRecord(str(path), None, reason)
            continue
        if path.exists() and not path.is_file():
            yield SkippedRecord(str(path), None, "not a regular file")
            continue
        within = _folders_within(path, paths)
        for line, record, left_out in _read(reader, path, within):
            if isinstance(record, SkippedRecord):
                yield record
                continue
            if reader is not read_jsonl_file:
                index_page = reader is read_html_file and path.stem.lower() == "index"
                record = dataclasses.replace(record, id=_file_document_id(path, within, index_page))
            if problem := _unaddressable(record.id):
                yield SkippedRecord(str(path), line, f"document id {record.id!r} {problem}: no URL can name it")
            elif record.id in first_file:
                reason = f"duplicate document id {record.id!r}, first read from {first_file[record.id]}"
                yield SkippedRecord(str(path), line, reason)
            else:
                first_file[record.id] = path if line is None else f"{path}:{line}"
                yield record
                yield from left_out


def _read(reader, path, within):
    """``(line number or None, Document or SkippedRecord, fields left out of the Document)`` for each
    record ``reader`` reads from ``path``; ``within``: its folders below the source directory."""
    if reader is read_jsonl_file:
        return reader(path)
    return ((line, record, ()) for line, record in reader(path, default_source=_site_folder(path, within)))


def _folders_within(path, sources):
    """A file's folders below the first of ``sources`` that is a directory holding it, or None
    for a file named directly."""
    folder = path.absolute().parent
    for source in sources:
        root = source.absolute()
        if root.is_dir() and folder.is_relative_to(root):
            return folder.relative_to(root)
    return None


def _file_document_id(path, within, index_page):
    """The id of a file's document: its name without extension, after its folders from the source
    directory it was found in (``corpus/ahram/123.txt`` from ``corpus`` is ``ahram/123``, so that
    sites' files of the same name stay apart). A folder's index page (``index.html``, as a saved
    crawl holds one per address) is named by those folders alone, the address's path
    (``crawl/site.com/news/rome-talks/index.html`` from ``crawl`` is ``site.com/news/rome-talks``),
    or by its folder's name when it is named directly or lies in the source directory itself.
    ``within``: its folders below the source directory (``_folders_within``)."""
    if not index_page:
        return path.stem if within is None else (within / path.stem).as_posix()
    return within.as_posix() if within and within.parts else path.absolute().parent.name or path.stem


def _site_folder(path, within):
    """The source a file's document has where it names none: the first folder below the source
    directory it was found in (``within``; a crawl keeps one per site: ``crawl/site.com/news/...``
    is ``site.com``), else the directory holding it."""
    return within.parts[0] if within and within.parts else path.absolute().parent.name or None


def _files(path):
    """``path`` itself if it is a file, else the files under it, in sorted order, and a
    ``SkippedRecord`` for each directory under it that cannot be listed."""
    if not path.is_dir():
        yield path
        return
    yield from _walk(path)


def file_types_text(counts):
    """Counts of files by type as a message writes them: ``.md (2), .ndjson (1)``."""
    return ", ".join(f"{kind} ({count})" for kind, count in counts.items())


#: Suffixes of compressed files, named with the suffix before them (.jsonl.gz).
_COMPRESSED = (".gz", ".bz2", ".xz", ".zst", ".zip")


def _file_type(path):
    """A file's type as a report names it: its suffix, two for a compressed file (``.jsonl.gz``)."""
    suffixes = [suffix.lower() for suffix in pathlib.Path(_shown(path.name)).suffixes]
    if len(suffixes) > 1 and suffixes[-1] in _COMPRESSED:
        return "".join(suffixes[-2:])
    return suffixes[-1] if suffixes else "(none)"


def _walk(path):
    """The files under a directory that are not hidden, in sorted order, and a ``SkippedRecord``
    for each directory under it that cannot be listed. The walk keeps its own stack: ``os.walk``
    recurses, and a tree a thousand folders deep passes Python's limit."""
    walked, pending = set(), [str(path)]  # directories still to list, the next one last
    while pending:
        root = pending.pop()
        key = _directory_key(root)
        if key in walked:  # reached again through a link (a loop, or two links to one directory)
            continue
        walked.add(key)
        try:
            with os.scandir(root) as listing:
                entries = [entry for entry in listing if not entry.name.startswith(".")]
        except OSError as error:
            yield SkippedRecord(_shown(error.filename or root), None, f"cannot read directory: {error.strerror}")
            continue
        directories = sorted(entry.name for entry in entries if _is_directory(entry))
        for name in sorted(entry.name for entry in entries if not _is_directory(entry)):
            yield pathlib.Path(root, name)
        pending.extend(os.path.join(root, name) for name in reversed(directories))


def _is_directory(entry):
    """Whether a listed entry is a directory, or a link to one (as ``os.walk`` tells them)."""
    try:
        return entry.is_dir()
    except OSError:
        return False


def _directory_key(directory):
    """What identifies a directory, whatever path leads to it."""
    try:
        status = os.stat(directory)
    except OSError:
        return directory
    return status.st_dev, status.st_ino


def _unique(files):
    """The files once each, even when a file is named and also lies in a named directory; a file
    that a reader handles reached again under another name (a hard or symbolic link) is skipped and
    reported, as its id would be another (skipped records pass through)."""
    first_path = {}
    for file in files:
        if isinstance(file, SkippedRecord):
            yield file
            continue
        try:
            status = file.stat()
        except OSError:
            yield file  # its reader reports why it cannot be read
            continue
        key = (status.st_dev, status.st_ino)
        if key not in first_path:
            first_path[key] = file
            yield file
        elif os.path.abspath(first_path[key]) != os.path.abspath(file) and file.suffix.lower() in READERS:
            yield SkippedRecord(_shown(file), None, f"the same file as {_shown(first_path[key])}, already read")


def _is_utf8(text):
    """Whether a name read from the file system is UTF-8 (Python keeps other bytes as surrogates)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _shown(path):
    """A path as a message can print it, bytes that are not UTF-8 shown as �."""
    return os.fsencode(path).decode("utf-8", errors="replace")


def _unaddressable(document_id):
    """Why no URL of the service can name a document id, or None: a path step (. or ..), a leading
    /, a control character (a line break), or no visible character at all."""
    if document_id in (".", ".."):
        return "is a path step"
    if document_id.startswith("/"):
        return "begins with /"
    if any(unicodedata.category(char) == "Cc" for char in document_id):
        return "holds a control character"
    if all(unicodedata.category(char) in ("Cf", "Zs") for char in document_id):
        return "has no visible character"
    return None
