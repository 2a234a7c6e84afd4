"""A bounded loopback load test: searches keep succeeding while the index is rebuilt twice."""

import concurrent.futures
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

from conftest import SEEDS, build_index, running_server
from test_indexing import big_corpus

QUERIES = ["التحالف الدولي", "وزراء الخارجية", "داعش في العراق", "مكافحة الإرهاب", "الاستقرار*", '"التحالف الدولي"']
CLIENTS = 4
MAX_REQUESTS = 5000


def test_searches_all_succeed_while_reindexing_twice(tmp_path, capsys):
    corpus = big_corpus(tmp_path / "big.jsonl", documents=40, paragraphs=10)
    index = build_index(tmp_path / "index", SEEDS, corpus)
    generations = set()
    stop = threading.Event()
    counts = {"ok": 0, "failed": 0}
    failures = []
    lock = threading.Lock()

    def client(base, number):
        while not stop.is_set() and counts["ok"] + counts["failed"] < MAX_REQUESTS:
            q = urllib.parse.quote(QUERIES[number % len(QUERIES)])
            number += 1
            try:
                with urllib.request.urlopen(f"{base}/api/search?q={q}", timeout=30) as response:
                    ok = response.status == 200
            except urllib.error.HTTPError as error:
                ok = False
                failures.append(f"{error.code} {error.read()[:300]!r}")
            except (urllib.error.URLError, OSError) as error:
                ok = False
                failures.append(repr(error))
            with lock:
                counts["ok" if ok else "failed"] += 1

    with running_server(index) as base:
        started = time.monotonic()
        with concurrent.futures.ThreadPoolExecutor(CLIENTS) as pool:
            futures = [pool.submit(client, base, n) for n in range(CLIENTS)]
            for _ in range(2):
                subprocess.run(
                    [sys.executable, "-m", "search_service", "reindex", "--source", str(SEEDS), "--source", str(corpus), "--index", str(index)],
                    check=True, capture_output=True,
                )
                generations.add((index / "CURRENT").read_text().strip())
            stop.set()
            for future in futures:
                future.result()
        seconds = time.monotonic() - started
    with capsys.disabled():
        total = counts["ok"] + counts["failed"]
        print(f"\nload during 2 reindexes: {total} searches in {seconds:.1f} s ({total / seconds:.0f}/s), {counts['failed']} failed")
    assert counts["failed"] == 0 and counts["ok"] > 0 and len(generations) == 2, failures[:5]
