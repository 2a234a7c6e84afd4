"""Building a complete new index generation from sources and swapping it in atomically."""

import collections
import dataclasses
import datetime
import errno
import fcntl
import itertools
import json
import pathlib
import shutil
import time

from search_service.arabic import ANALYSIS_VERSION
from search_service.indexing.store import MANIFEST, NEXT_POINTER, PUBLISHED, current_generation, publish_generation, IndexNotFound
from search_service.indexing.writing import paragraphs, write_index
from search_service.ingest.documents import FieldLeftOut, SkippedRecord
from search_service.ingest.near_duplicates import duplicate_groups
from search_service.ingest.sources import FILE_TYPES, SourceError, file_types_text

LOCK_FILE = ".reindex.lock"
BUILDING_PREFIX = ".building-"
#: Generations kept besides the live one, for readers still finishing a search on an earlier one.
KEEP_PREVIOUS = 2


class ReindexError(Exception):
    """A reindex failed; the live index was not touched. The message is one line for users."""


class ReindexInProgress(ReindexError):
    """Another reindex holds the index directory."""


class NothingToIndex(ReindexError):
    """The sources are missing or hold no document that could be indexed."""


@dataclasses.dataclass
class ReindexSummary:
    """What a reindex did."""

    generation: str
    documents: int
    paragraphs: int
    duplicates: int
    #: The records skipped and the fields left out of records indexed, in the order they were found.
    reports: list[SkippedRecord | FieldLeftOut]
    seconds: float
    #: Files in the source directories that no reader handles, by type (``{".md": 2}``).
    other_files: dict = dataclasses.field(default_factory=dict)

    @property
    def skipped(self):
        """The records not indexed."""
        return [report for report in self.reports if isinstance(report, SkippedRecord)]

    @property
    def left_out(self):
        """The records indexed with a field left out (a date no publication has): indexed, not skipped."""
        return [report for report in self.reports if isinstance(report, FieldLeftOut)]


def _acquire_lock(index_dir):
    lock = open(index_dir / LOCK_FILE, "w")
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        lock.close()
        raise ReindexInProgress(f"another reindex of {index_dir} is running; try again when it has finished") from None
    return lock


def _remove_stale(index_dir, live):
    """Delete what a stopped reindex left (unfinished builds, pointers not yet in place, generations
    never made live: newer than the live one and not ``PUBLISHED``; one made live, then rolled back
    by hand, stays), and generations older than the ones kept."""
    for leftover in index_dir.glob(BUILDING_PREFIX + "*"):
        shutil.rmtree(leftover, ignore_errors=True)
    for pointer in index_dir.glob(NEXT_POINTER + "*"):
        pointer.unlink(missing_ok=True)
    generations = sorted(g for g in index_dir.glob("gen-*") if g != live)  # named by the time they were built
    never_live = [g for g in generations if live is not None and g.name > live.name and not (g / PUBLISHED).exists()]
    for old in never_live + [g for g in generations if g not in never_live][: -KEEP_PREVIOUS or None]:
        shutil.rmtree(old, ignore_errors=True)


def _live_generation(index_dir):
    try:
        return current_generation(index_dir)
    except IndexNotFound:
        return None


def reindex(sources, index_dir, on_progress=None):
    """Index ``sources`` into a new generation of ``index_dir`` and make it the live one.

    ``on_progress(done, total)`` is called once the paragraphs are counted (done 0), then as they
    are written. Raises ``ReindexError`` (the live index untouched) or ``ReindexInProgress``;
    returns a ``ReindexSummary``. Sources missing or of no document raise ``NothingToIndex``: they
    never replace a live index (a mistyped folder would empty it), nor make an empty one.
    """
    started = time.monotonic()
    index_dir = pathlib.Path(index_dir)
    try:
        index_dir.mkdir(parents=True, exist_ok=True)
        lock = _acquire_lock(index_dir)
    except OSError as error:
        raise ReindexError(f"cannot write to {index_dir}: {error.strerror}") from None
    try:
        live = _live_generation(index_dir)
        _remove_stale(index_dir, live)
        name = "gen-" + datetime.datetime.now(datetime.UTC).strftime("%Y%m%dT%H%M%S%fZ")
        building = index_dir / (BUILDING_PREFIX + name)
        try:
            summary = _build(sources, building, on_progress)
            if not summary.paragraphs:
                raise NothingToIndex(_nothing_indexed(sources, summary, live is not None))
            summary.generation = name
            summary.seconds = round(time.monotonic() - started, 3)
            _write_manifest(building, summary)
            generation = building.rename(index_dir / name)
            publish_generation(index_dir, generation)
        except SourceError as error:
            raise NothingToIndex(str(error)) from None
        except OSError as error:
            room = _ROOM_HINT if error.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG) else ""
            kept = ", the previous index is still live" if live is not None else ", no index was made"
            raise ReindexError(f"reindex failed{kept}: {error.strerror or error}{room}") from None
        finally:
            shutil.rmtree(building, ignore_errors=True)
        _remove_stale(index_dir, generation)
        return summary
    finally:
        lock.close()


#: What a reindex that ran out of room is told: the generations kept take their share of it.
_ROOM_HINT = (
    f" (the index directory keeps the live generation and up to {KEEP_PREVIOUS} before it, and a reindex"
    " needs room for one more beside them)"
)


def _nothing_indexed(sources, summary, live):
    names = ", ".join(map(str, sources))
    skipped = summary.skipped
    reasons = f"records skipped: {len(skipped)}, the first: {skipped[0]}" if skipped else f"no document in {FILE_TYPES} files"
    if summary.other_files:
        reasons += f"; files of other types: {file_types_text(summary.other_files)}"
    return f"nothing to index in {names} ({reasons}); " + ("the live index is unchanged" if live else "no index was made")


def _build(sources, directory, on_progress):
    # First pass: near-duplicate groups need every paragraph before any is written.
    # zip draws from the counter once per paragraph, so afterwards it yields the paragraph count.
    counter, other_files = itertools.count(), collections.Counter()
    groups = duplicate_groups(paragraph for paragraph, _ in zip(paragraphs(sources, other_files), counter))
    total = next(counter)
    directory.mkdir()
    if on_progress:
        on_progress(0, total)  # the first pass is over
    documents, written, reports = write_index(sources, directory, groups, total, on_progress)
    if on_progress:
        on_progress(written, total)
    return ReindexSummary("", documents, written, len(groups), reports, 0.0, dict(sorted(other_files.items())))


def _write_manifest(generation, summary):
    manifest = {
        "built_at": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "documents": summary.documents,
        "paragraphs": summary.paragraphs,
        "duplicates": summary.duplicates,
        "skipped": len(summary.skipped),
        "left_out": len(summary.left_out),
        "seconds": summary.seconds,
        "analysis": ANALYSIS_VERSION,
    }
    (generation / MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")
