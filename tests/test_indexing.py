"""Index generations: atomic swap, failed and concurrent reindexes, a reindex killed midway."""

import fcntl
import os
import pathlib
import pickle
import signal
import subprocess
import sys
import time

import pytest
from whoosh import columns as whoosh_columns
from whoosh import fields as whoosh_fields
from whoosh import index as whoosh_index

from search_service.indexing import IndexNotFound, LiveIndex, ReindexError, ReindexInProgress, reindex
from search_service.indexing import schema, store, writing
from search_service.indexing.builder import LOCK_FILE
from search_service.search import SearchRequest, index_arrays, search

from conftest import SEEDS, build_index, built_with_another_analysis, write_jsonl


def all_paragraphs(index_dir):
    with LiveIndex(index_dir).searcher() as searcher:
        return sorted((d["id"], d["text"], d["duplicate_group"]) for d in searcher.documents())


def test_reindexing_the_same_input_twice_gives_the_same_index(tmp_path):
    first = all_paragraphs(build_index(tmp_path / "a"))
    second = all_paragraphs(build_index(tmp_path / "b"))
    assert first == second and len(first) > 50


def test_reindex_publishes_a_new_generation_and_keeps_two_previous(tmp_path):
    index = tmp_path / "index"
    names = [reindex([SEEDS], index).generation for _ in range(4)]
    assert len(set(names)) == 4
    assert (index / "CURRENT").read_text().strip() == names[-1]
    assert sorted(p.name for p in index.glob("gen-*")) == names[-3:]


def test_what_a_reindex_stopped_before_its_switch_left_is_cleared_and_the_kept_generations_were_live(tmp_path):
    index = tmp_path / "index"
    names = [reindex([SEEDS], index).generation for _ in range(2)]
    # A reindex killed between renaming its generation into place and replacing CURRENT leaves a
    # generation newer than the live one and the pointer it was about to move.
    (index / "gen-29991231T000000000000Z").mkdir()
    (index / ".CURRENT.12345").write_text("gen-29991231T000000000000Z\n")
    names.append(reindex([SEEDS], index).generation)
    assert sorted(p.name for p in index.glob("gen-*")) == names
    assert not list(index.glob(".CURRENT.*"))



def test_a_generation_rolled_back_by_hand_is_kept_as_one_that_was_live(tmp_path):
    index = tmp_path / "index"
    first, second = (reindex([SEEDS], index).generation for _ in range(2))
    (index / "CURRENT").write_text(first + "\n")  # the roll back docs/scaling.md describes
    third = reindex([SEEDS], index).generation
    assert sorted(p.name for p in index.glob("gen-*")) == [first, second, third]


def test_failed_reindex_leaves_the_live_index_untouched(tmp_path):
    index = build_index(tmp_path / "index")
    live_before = (index / "CURRENT").read_text()
    with pytest.raises(ReindexError, match="not found"):
        reindex([tmp_path / "no-such-corpus"], index)
    assert (index / "CURRENT").read_text() == live_before
    assert not list(index.glob(".building-*"))
    assert search(LiveIndex(index), SearchRequest(q="داعش")).total > 0


def test_second_reindex_at_the_same_time_is_refused(tmp_path):
    index = build_index(tmp_path / "index")
    with open(index / LOCK_FILE, "w") as held:
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
        with pytest.raises(ReindexInProgress, match="another reindex"):
            reindex([SEEDS], index)


def test_index_path_that_is_a_file_is_a_clear_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(ReindexError, match="cannot write"):
        reindex([SEEDS], blocker)


def big_corpus(path, documents=400, paragraphs=25):
    words = "التحالف الدولي وزراء الخارجية مكافحة الإرهاب الاستقرار العراق سوريا أفريقيا التعاون الأمن".split()
    records = (
        {"id": f"d{d}", "text": "\n".join(" ".join(words[(d * p + i) % len(words)] for i in range(40)) + f" رقم {d} {p}" for p in range(paragraphs))}
        for d in range(documents)
    )
    return write_jsonl(path, records)


def test_killing_a_reindex_midway_leaves_the_old_index_serving(tmp_path):
    index = build_index(tmp_path / "index")
    live_before = (index / "CURRENT").read_text()
    corpus = big_corpus(tmp_path / "big.jsonl")
    process = subprocess.Popen(
        [sys.executable, "-m", "search_service", "reindex", "--source", str(corpus), "--index", str(index)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while not list(index.glob(".building-*")) and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    assert (index / "CURRENT").read_text() == live_before
    assert search(LiveIndex(index), SearchRequest(q="موزمبيق")).total > 0
    summary = reindex([SEEDS], index)
    assert summary.documents == 5 and not list(index.glob(".building-*"))


def test_killing_a_reindex_written_by_several_processes_stops_its_workers(tmp_path):
    index = build_index(tmp_path / "index")
    # Twice the paragraphs that start parallel writing: finishing their shares would take the
    # workers far longer than the 20 s they get to notice that the reindex was killed.
    corpus = big_corpus(tmp_path / "big.jsonl", documents=2000, paragraphs=writing.PARALLEL_FROM // 1000)
    process = subprocess.Popen(
        [sys.executable, "-m", "search_service", "reindex", "--source", str(corpus), "--index", str(index)],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )
    children = pathlib.Path(f"/proc/{process.pid}/task/{process.pid}/children")
    deadline = time.monotonic() + 120
    workers = []
    while len(workers) < 2 and process.poll() is None and time.monotonic() < deadline:
        # the spawned workers, not multiprocessing's resource tracker
        workers = [pid for pid in map(int, children.read_text().split()) if "spawn_main" in _command_line(pid)]
        time.sleep(0.05)
    assert len(workers) >= 2, "the reindex did not start its worker processes"
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    deadline = time.monotonic() + 20
    while any(_running(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(_running(pid) for pid in workers)
    summary = reindex([SEEDS], index)
    assert summary.documents == 5 and not list(index.glob(".building-*"))


def _command_line(pid):
    try:
        return pathlib.Path(f"/proc/{pid}/cmdline").read_text()
    except OSError:
        return ""


def _running(pid):
    try:
        return pathlib.Path(f"/proc/{pid}/stat").read_text().split(") ")[1][0] not in "ZX"
    except OSError:
        return False


@pytest.fixture
def small_filesystem(tmp_path):
    """A 2 MB tmpfs (root only; skipped where mounting is not allowed)."""
    mountpoint = tmp_path / "fs"
    mountpoint.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(mountpoint)], capture_output=True)
    if mounted.returncode:
        pytest.skip("mounting a small tmpfs needs root")
    yield mountpoint
    subprocess.run(["umount", "-l", str(mountpoint)], check=False)


def write_in_two_processes(monkeypatch):
    monkeypatch.setattr(writing, "PARALLEL_FROM", 1)
    monkeypatch.setattr(writing, "available_cores", lambda: 2)


def test_a_corpus_written_by_two_processes_holds_the_same_paragraphs(tmp_path, monkeypatch):
    corpus = big_corpus(tmp_path / "big.jsonl", documents=40, paragraphs=5)
    reindex([SEEDS, corpus], tmp_path / "single")
    write_in_two_processes(monkeypatch)
    summary = reindex([SEEDS, corpus], tmp_path / "parallel")
    assert (summary.documents, summary.paragraphs) == (45, 79 + 200)
    with LiveIndex(tmp_path / "parallel").searcher() as searcher:
        assert len(searcher.reader().leaf_readers()) == 2
    assert all_paragraphs(tmp_path / "parallel") == all_paragraphs(tmp_path / "single")
    assert not list((tmp_path / "parallel").glob("*/share-*"))


def test_a_machine_of_many_cores_writes_at_most_max_writers_segments(tmp_path, monkeypatch):
    # Searches keep arrays and terms dictionaries for the segments of two generations: more
    # segments would be read again.
    monkeypatch.setattr(writing, "PARALLEL_FROM", 1)
    monkeypatch.setattr(writing, "available_cores", lambda: 16)
    reindex([SEEDS], tmp_path / "index")
    live = LiveIndex(tmp_path / "index")
    with live.searcher() as searcher:
        assert len(searcher.reader().leaf_readers()) == writing.MAX_WRITERS
    assert search(live, SearchRequest(q="التحالف الدولي")).total
    # Each segment's terms dictionary is read into memory once, and kept for every reader.
    kept = [key for key in store._terms.values if key[0].startswith(str(tmp_path.resolve()))]
    assert len(kept) == writing.MAX_WRITERS
    assert index_arrays.SEGMENTS_KEPT >= 2 * writing.MAX_WRITERS


@pytest.mark.parametrize("processes", ["single", "parallel"])
def test_full_disk_during_reindex_keeps_the_old_index(small_filesystem, tmp_path, monkeypatch, processes):
    index = build_index(small_filesystem / "index")
    live_before = (index / "CURRENT").read_text()
    if processes == "parallel":
        write_in_two_processes(monkeypatch)
    with pytest.raises(ReindexError, match="No space left"):
        reindex([SEEDS, big_corpus(tmp_path / "big.jsonl")], index)
    assert (index / "CURRENT").read_text() == live_before
    assert not list(index.glob(".building-*"))
    assert search(LiveIndex(index), SearchRequest(q="داعش")).total > 0


def test_read_only_index_directory_is_a_clear_error_and_keeps_serving(small_filesystem):
    index = build_index(small_filesystem / "index")
    subprocess.run(["mount", "-o", "remount,ro", str(small_filesystem)], check=True)
    with pytest.raises(ReindexError, match="cannot write|Read-only"):
        reindex([SEEDS], index)
    assert search(LiveIndex(index), SearchRequest(q="داعش")).total > 0


def test_damaged_index_is_reported_with_the_fix(tmp_path):
    index = build_index(tmp_path / "index")
    generation = index / (index / "CURRENT").read_text().strip()
    for toc in generation.glob("*.toc"):
        toc.write_bytes(b"\x00garbage")
    with pytest.raises(IndexNotFound, match="search-service reindex"):
        LiveIndex(index).info()


def test_a_damaged_segment_is_reported_with_the_fix_by_search(tmp_path):
    index = build_index(tmp_path / "index")
    generation = index / (index / "CURRENT").read_text().strip()
    for segment in generation.glob("*.seg"):
        os.truncate(segment, 1000)
    with pytest.raises(IndexNotFound, match="cannot be read.*search-service reindex"):
        search(LiveIndex(index), SearchRequest(q="داعش"))


def test_an_index_another_program_deleted_documents_from_is_reported_with_the_fix(tmp_path):
    index = build_index(tmp_path / "index")
    generation = index / (index / "CURRENT").read_text().strip()
    with whoosh_index.open_dir(str(generation), indexname="MAIN").writer() as writer:
        writer.delete_by_term(schema.ID, "000_b0b6bfff154b50a2#1")
    with pytest.raises(IndexNotFound, match="deleted.*search-service reindex"):
        LiveIndex(index).info()


def _zlib_rescoring_column():
    """The schema as it was when the rescoring forms were a zlib-compressed column."""
    older = schema.build_schema()
    older.remove(schema.RESCORING_FORMS)
    older.add(schema.RESCORING_FORMS, whoosh_fields.COLUMN(whoosh_columns.CompressedBytesColumn()))
    return older


@pytest.mark.parametrize(
    "other_schema",
    [lambda: whoosh_fields.Schema(text=whoosh_fields.TEXT(stored=True)), _zlib_rescoring_column],
    ids=["other fields", "a field's other column type"],
)
def test_index_of_another_version_is_reported_with_the_fix(tmp_path, other_schema):
    index = build_index(tmp_path / "index")
    generation = index / (index / "CURRENT").read_text().strip()
    whoosh_index.create_in(str(generation), other_schema(), indexname="MAIN")
    with pytest.raises(IndexNotFound, match="another version of search-service.*search-service reindex"):
        LiveIndex(index).info()


def test_index_of_another_analysis_still_answers_and_asks_for_a_reindex(tmp_path, caplog):
    index = build_index(tmp_path / "index")
    assert LiveIndex(index).info()["reindex_needed"] is False
    live = LiveIndex(built_with_another_analysis(index))
    assert live.info()["reindex_needed"] is True
    assert f"search-service reindex --index {index}" in caplog.text
    assert search(live, SearchRequest(q="داعش")).total > 0
    reindex([SEEDS], index)
    assert live.info()["reindex_needed"] is False


def test_server_keeps_the_last_good_index_when_a_new_one_is_broken(tmp_path):
    index = build_index(tmp_path / "index")
    live = LiveIndex(index)
    before = live.info()["generation"]
    (index / "CURRENT").write_text("gen-that-does-not-exist\n")
    assert live.info()["generation"] == before
    assert search(live, SearchRequest(q="داعش")).total > 0


def test_a_segment_file_reads_back_pickled_values_longer_than_one_read(tmp_path):
    # Posting block headers are read by one read of PICKLE_READ bytes; longer values still load.
    values = [(4, 1.5, None), "كتاب " * store.PICKLE_READ, (2, 3)]
    with open(tmp_path / "segment.seg", "wb") as file:
        file.write(b"head")
        for value in values:
            pickle.dump(value, file)
        length = file.tell() - 4
    part = store._GenerationStorage(str(tmp_path)).open_file("segment.seg").subset(4, length, "segment.pst")
    assert [part.read_pickle() for _ in values] == values
    assert part.tell() == length
