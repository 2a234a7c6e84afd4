"""Writing the paragraphs of a corpus into a new Whoosh index, in one process or one per core.

Whoosh analyses and writes postings in pure Python, so one process uses one core. A large corpus
is split by document between worker processes: each reads the sources, writes the documents that
fall to it into an index of its own (one segment), and the segments are then gathered under one
table of contents, without rewriting them.
"""

import multiprocessing
import os
import pathlib
import shutil
import signal
import time

from whoosh import index as whoosh_index
from whoosh.filedb.filestore import FileStorage

from search_service.arabic import ngram_text
from search_service.indexing import schema as index_schema
from search_service.indexing.segments import SegmentWriter
from search_service.ingest.documents import Document, paragraph_id
from search_service.ingest.sources import iter_records

#: Corpora with at least this many paragraphs are written by one process per core, up to
#: ``MAX_WRITERS``. Each writes a segment of its own, and searches go through every segment and
#: keep arrays for each: more segments would cost searches what they save indexing.
PARALLEL_FROM = 20_000
MAX_WRITERS = 4
#: Memory for the postings of all writers together (each has its share) before they sort them out
#: to temporary files.
WRITER_MEMORY_MB = 192
#: Seconds between progress reports of the worker processes.
PROGRESS_INTERVAL = 0.5
_INDEX_NAME = "MAIN"


def documents(records, reports):
    """The documents among ``records``; the reports among them (records skipped, fields left out)
    are appended to ``reports``."""
    for record in records:
        if isinstance(record, Document):
            yield record
        else:
            reports.append(record)


def paragraphs(sources, other_files=None):
    """``(paragraph id, text)`` of every paragraph of ``sources`` (files of types no reader handles
    counted into ``other_files``, as ``iter_records`` does)."""
    for document in documents(iter_records(sources, other_files), []):
        for position, text in enumerate(document.paragraphs, start=1):
            yield paragraph_id(document.id, position), text


def _whoosh_documents(document: Document, groups, stemming):
    """The Whoosh documents of ``document``'s paragraphs; ``stemming`` is the text field's analyzer."""
    title_ngrams = ngram_text(document.title or "")
    for position, text in enumerate(document.paragraphs, start=1):
        pid = paragraph_id(document.id, position)
        paragraph = {
            index_schema.ID: pid,
            index_schema.DOCUMENT_ID: document.id,
            index_schema.POSITION: position,
            index_schema.TEXT: text,
            index_schema.TEXT_EXACT: text,
            index_schema.TITLE: document.title or "",
            index_schema.LEAD_TITLE: (document.title or "") if position == 1 else "",
            index_schema.DATE: document.date.isoformat() if document.date else "",
            index_schema.SOURCE: document.source or "",
            index_schema.URL: document.url,
            index_schema.DUPLICATE_GROUP: groups.get(pid, pid),
            index_schema.RESCORING_FORMS: index_schema.rescoring_forms(stemming.terms(text), title_ngrams, ngram_text(text)),
        }
        yield paragraph | {index_schema.LISTING: index_schema.listing(paragraph)}


def _write_share(directory, sources, groups, share, shares, on_written):
    """Index every ``shares``-th document of ``sources`` (from the ``share``-th) into a new index in
    ``directory``. Returns ``(documents in all, paragraphs written, reports)``: the reports of
    ``iter_records``, records skipped and fields left out."""
    pathlib.Path(directory).mkdir(exist_ok=True)
    ix = whoosh_index.create_in(str(directory), index_schema.build_schema())
    reports, seen, written = [], 0, 0
    with SegmentWriter(ix, directory, limitmb=WRITER_MEMORY_MB // shares) as writer:
        stemming = writer.schema[index_schema.TEXT].analyzer  # the field's own: it remembers the pieces it analysed
        for number, document in enumerate(documents(iter_records(sources), reports)):
            seen += 1
            if number % shares != share:
                continue
            for whoosh_document in _whoosh_documents(document, groups, stemming):
                writer.add_document(**whoosh_document)
                written += 1
                if written % 500 == 0:
                    on_written(written)
    on_written(written)
    return seen, written, reports


class _ParentGone(Exception):
    """The process that started a worker has died (killed during a reindex)."""


def _worker(directory, sources, groups, share, shares, written, results):
    """A worker process: its share of the documents, then its outcome (or its exception) on
    ``results``. It stops, quietly, as soon as it notices that its parent has died."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the whole process group; the parent handles it
    parent = multiprocessing.parent_process()

    def on_written(count):
        written.value = count
        if not parent.is_alive():
            raise _ParentGone

    try:
        outcome = _write_share(directory, sources, groups, share, shares, on_written)
    except _ParentGone:
        return
    except Exception as error:  # the parent raises it as its own
        outcome = error
    try:
        results.send(outcome)
    except OSError:  # the parent died in the meantime
        pass


def _gather(directory, shares):
    """One index in ``directory`` over the segments of the indexes in ``shares``."""
    ix = whoosh_index.create_in(str(directory), index_schema.build_schema())
    segments = []
    for share in shares:
        segments += whoosh_index.TOC.read(FileStorage(str(share)), _INDEX_NAME).segments
        for path in share.glob("*.seg"):
            path.rename(directory / path.name)
    whoosh_index.TOC(ix.schema, segments, ix.latest_generation() + 1).write(FileStorage(str(directory)), _INDEX_NAME)


def available_cores():
    """The CPU cores this process may run on."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def write_index(sources, directory, groups, total, on_progress=None):
    """Index the paragraphs of ``sources`` into a new Whoosh index in ``directory``.

    ``groups`` maps paragraph ids to their near-duplicate group; ``total`` is the number of
    paragraphs, for ``on_progress(done, total)``. Returns ``(documents, paragraphs, reports)``
    (records skipped, fields left out).
    Raises ``OSError`` when the index cannot be written. From ``PARALLEL_FROM`` paragraphs the
    worker processes (one per core, ``MAX_WRITERS`` at most) are started with ``spawn``: the
    calling script needs a ``__main__`` guard.
    """
    shares = min(available_cores(), MAX_WRITERS) if total >= PARALLEL_FROM else 1
    if shares == 1:
        report = (lambda n: on_progress(n, total)) if on_progress else (lambda n: None)
        return _write_share(directory, sources, groups, 0, 1, report)
    context = multiprocessing.get_context("spawn")
    workers = []
    for share in range(shares):
        written, (receiving, sending) = context.Value("q", 0, lock=False), context.Pipe(duplex=False)
        process = context.Process(
            target=_worker, args=(directory / f"share-{share}", sources, groups, share, shares, written, sending), daemon=True,
        )
        process.start()
        sending.close()
        workers.append((process, written, receiving))
    try:
        outcomes = _wait(workers, total, on_progress)
    finally:
        for process, _, _ in workers:
            process.kill()
            process.join()
    share_dirs = [directory / f"share-{share}" for share in range(shares)]
    _gather(directory, share_dirs)
    for share_dir in share_dirs:
        shutil.rmtree(share_dir)
    return outcomes[0][0], sum(written for _, written, _ in outcomes), outcomes[0][2]


def _wait(workers, total, on_progress):
    outcomes = [None] * len(workers)
    while None in outcomes:
        time.sleep(PROGRESS_INTERVAL)
        for number, (process, _, receiving) in enumerate(workers):
            if outcomes[number] is None and (receiving.poll() or not process.is_alive()):
                outcomes[number] = _outcome(process, receiving)
        if on_progress:
            on_progress(sum(written.value for _, written, _ in workers), total)
    return outcomes


def _outcome(process, receiving):
    try:
        outcome = receiving.recv()
    except EOFError:
        process.join()
        raise OSError(f"an index writer process stopped (exit status {process.exitcode})") from None
    if isinstance(outcome, Exception):
        raise outcome
    return outcome
