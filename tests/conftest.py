"""Shared fixtures: an index built from seeds/, the Flask app over it, a real HTTP server."""

import contextlib
import json
import os
import pathlib
import resource
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

import pytest

from search_service.api import create_app
from search_service.indexing import LiveIndex, reindex
from search_service.search import SearchRequest, search

PROJECT = pathlib.Path(__file__).resolve().parent.parent
SEEDS = PROJECT / "seeds"


def build_index(index_dir, *sources):
    """Build a real on-disk index from the given files or directories (default: the seeds)."""
    reindex([str(s) for s in sources or (SEEDS,)], index_dir)
    return index_dir


def built_with_another_analysis(index):
    """Make the live generation of ``index`` look built by another version of the analysis."""
    manifest = index / (index / "CURRENT").read_text().strip() / "generation.json"
    manifest.write_text(json.dumps({**json.loads(manifest.read_text()), "analysis": "an-older-version"}))
    return index


def write_jsonl(path, records):
    """Write records (dicts or raw strings) as a JSONL file."""
    lines = [r if isinstance(r, str) else json.dumps(r, ensure_ascii=False) for r in records]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


#: A wire story's paragraph, as news sites republish it word for word.
WIRE_PARAGRAPH = (
    "أعلنت وزارة الصحة في بيان صدر مساء اليوم أن حملة التطعيم الوطنية ضد شلل الأطفال ستبدأ الأسبوع المقبل "
    "في جميع المحافظات، وأن فرقا متنقلة ستصل إلى القرى البعيدة لضمان وصول اللقاح إلى كل طفل دون سن الخامسة."
)


def republished(copies):
    """``copies`` news documents that each republish ``WIRE_PARAGRAPH`` after a paragraph of their own."""
    return [
        {"id": f"site{n:02d}", "title": f"خبر الموقع {n}", "source": f"موقع {n}", "date": f"2024-05-{n:02d}",
         "text": f"تقرير خاص رقم {n} من مراسل الموقع.\n{WIRE_PARAGRAPH}"}
        for n in range(1, copies + 1)
    ]


def index_records(tmp_path, records):
    """A live index of ``records`` (JSONL documents), built in ``tmp_path``."""
    return LiveIndex(build_index(tmp_path / "index", write_jsonl(tmp_path / "corpus.jsonl", records)))


def found(live, q):
    """Every paragraph a query finds on every page, collapsed near-duplicates included."""
    ids, page, pages = set(), 1, 1
    while page <= pages:
        results = search(live, SearchRequest(q=q, page=page, per_page=100))
        ids |= {r["id"] for r in results.results} | {d["id"] for r in results.results for d in r["duplicates"]}
        page, pages = page + 1, results.pages
    return ids


def free_port():
    with contextlib.closing(socket.socket()) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_responds(url, process, timeout=30.0, log=None):
    """Wait for ``url`` to answer; ``log`` is the file the server writes its stderr to, if not a pipe."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            output = pathlib.Path(log.name).read_text() if log else process.stderr.read()
            raise RuntimeError(f"server exited with {process.returncode}: {output}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer in {timeout} s")


@contextlib.contextmanager
def running_server(index_dir, env=None):
    """``search-service serve`` in a subprocess on a free loopback port; yields its base URL."""
    port = free_port()
    # The access log goes to a file: a pipe nobody reads would fill up and block the server.
    log = tempfile.NamedTemporaryFile("w+", suffix=".log")
    process = subprocess.Popen(
        [sys.executable, "-m", "search_service", "serve", "--index", str(index_dir), "--port", str(port)],
        env={**os.environ, **(env or {})}, stdout=subprocess.DEVNULL, stderr=log, text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_responds(base + "/api/health", process, log=log)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


@pytest.fixture(scope="session")
def seeds_index(tmp_path_factory):
    return build_index(tmp_path_factory.mktemp("seeds-index"))


@pytest.fixture(scope="session")
def app(seeds_index):
    return create_app({"INDEX": str(seeds_index), "TESTING": True})


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture(scope="session")
def live_server(seeds_index):
    """Base URL of a real HTTP server over the seeds index."""
    with running_server(seeds_index) as base:
        yield base


def full_disk(limit):
    """A ``preexec_fn`` for a subprocess whose files may not grow past ``limit`` bytes, as on a
    full disk (a write fails with EFBIG instead of the signal)."""

    def limit_files():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return limit_files
