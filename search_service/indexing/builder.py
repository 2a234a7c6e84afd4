"""Building a complete new index generation from sources and swapping it in atomically."""

import dataclasses
import datetime
import fcntl
import itertools
import json
import os
import pathlib
import shutil
import time

from whoosh import index as whoosh_index

from search_service.indexing import schema as fields
from search_service.indexing.store import MANIFEST, current_generation, publish_generation, IndexNotFound
from search_service.ingest.documents import Document, SkippedRecord, paragraph_id
from search_service.ingest.near_duplicates import duplicate_groups
from search_service.ingest.sources import SourceError, iter_records

LOCK_FILE = ".reindex.lock"
BUILDING_PREFIX = ".building-"
#: Generations kept besides the live one, for readers still finishing a search on an earlier one.
KEEP_PREVIOUS = 2


class ReindexError(Exception):
    """A reindex failed; the live index was not touched. The message is one line for users."""


class ReindexInProgress(ReindexError):
    """Another reindex holds the index directory."""


@dataclasses.dataclass
class ReindexSummary:
    """What a reindex did."""

    generation: str
    documents: int
    paragraphs: int
    duplicates: int
    skipped: list[SkippedRecord]
    seconds: float


def _documents(records, skipped):
    for record in records:
        if isinstance(record, SkippedRecord):
            skipped.append(record)
        else:
            yield record


def _paragraphs(sources):
    for document in _documents(iter_records(sources), []):
        for position, text in enumerate(document.paragraphs, start=1):
            yield paragraph_id(document.id, position), text


def _whoosh_documents(document: Document, groups):
    for position, text in enumerate(document.paragraphs, start=1):
        pid = paragraph_id(document.id, position)
        yield {
            fields.ID: pid,
            fields.DOCUMENT_ID: document.id,
            fields.POSITION: position,
            fields.TEXT: text,
            fields.TEXT_EXACT: text,
            fields.TITLE: document.title or "",
            fields.DATE: document.date.isoformat() if document.date else "",
            fields.SOURCE: document.source or "",
            fields.URL: document.url,
            fields.DUPLICATE_GROUP: groups.get(pid, pid),
        }


def _acquire_lock(index_dir):
    lock = open(index_dir / LOCK_FILE, "w")
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        lock.close()
        raise ReindexInProgress(f"another reindex of {index_dir} is running; try again when it has finished") from None
    return lock


def _remove_stale(index_dir, live):
    """Delete unfinished builds and generations older than the ones kept."""
    for leftover in index_dir.glob(BUILDING_PREFIX + "*"):
        shutil.rmtree(leftover, ignore_errors=True)
    generations = sorted(index_dir.glob("gen-*"))
    for old in [g for g in generations if g != live][: -KEEP_PREVIOUS or None]:
        shutil.rmtree(old, ignore_errors=True)


def _live_generation(index_dir):
    try:
        return current_generation(index_dir)
    except IndexNotFound:
        return None


def reindex(sources, index_dir, on_progress=None):
    """Index ``sources`` into a new generation of ``index_dir`` and make it the live one.

    ``on_progress(done, total)`` is called as paragraphs are written. Raises ``ReindexError`` (the
    live index untouched) or ``ReindexInProgress``; returns a ``ReindexSummary``.
    """
    started = time.monotonic()
    index_dir = pathlib.Path(index_dir)
    try:
        index_dir.mkdir(parents=True, exist_ok=True)
        lock = _acquire_lock(index_dir)
    except OSError as error:
        raise ReindexError(f"cannot write to {index_dir}: {error.strerror}") from None
    try:
        _remove_stale(index_dir, _live_generation(index_dir))
        name = "gen-" + datetime.datetime.now(datetime.UTC).strftime("%Y%m%dT%H%M%S%fZ")
        building = index_dir / (BUILDING_PREFIX + name)
        try:
            summary = _build(sources, building, on_progress)
            summary.generation = name
            summary.seconds = round(time.monotonic() - started, 3)
            _write_manifest(building, summary)
            generation = building.rename(index_dir / name)
            publish_generation(index_dir, generation)
        except SourceError as error:
            raise ReindexError(str(error)) from None
        except OSError as error:
            raise ReindexError(f"reindex failed, the previous index is still live: {error.strerror or error}") from None
        finally:
            shutil.rmtree(building, ignore_errors=True)
        _remove_stale(index_dir, generation)
        return summary
    finally:
        lock.close()


def _build(sources, directory, on_progress):
    # First pass: near-duplicate groups need every paragraph before any is written.
    # zip draws from the counter once per paragraph, so afterwards it yields the paragraph count.
    counter = itertools.count()
    groups = duplicate_groups(paragraph for paragraph, _ in zip(_paragraphs(sources), counter))
    total = next(counter)
    directory.mkdir()
    ix = whoosh_index.create_in(str(directory), fields.build_schema())
    skipped, documents, paragraphs = [], 0, 0
    with ix.writer(limitmb=256) as writer:
        for document in _documents(iter_records(sources), skipped):
            documents += 1
            for whoosh_document in _whoosh_documents(document, groups):
                writer.add_document(**whoosh_document)
                paragraphs += 1
                if on_progress and paragraphs % 500 == 0:
                    on_progress(paragraphs, total)
    if on_progress:
        on_progress(paragraphs, total)
    return ReindexSummary("", documents, paragraphs, len(groups), skipped, 0.0)


def _write_manifest(generation, summary):
    manifest = {
        "built_at": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "documents": summary.documents,
        "paragraphs": summary.paragraphs,
        "duplicates": summary.duplicates,
        "skipped": len(summary.skipped),
        "seconds": summary.seconds,
    }
    (generation / MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")
