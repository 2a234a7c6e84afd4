"""A reindex timed in a child process, so that its peak memory (max RSS) is measured alone."""

import json
import os
import subprocess
import sys
import time

from search_service.benchmark.process_tree import peak_rss, tree_memory
from search_service.benchmark.report import Indexing
from search_service.indexing import LiveIndex


def _index_in_child(corpus, index_dir):
    """Run in the child process: reindex, reporting progress and the summary as JSON lines on stdout."""
    from search_service.indexing import reindex

    started = time.monotonic()
    first = []

    def report(done, total):
        if not first:
            first.append(time.monotonic() - started)
        print(json.dumps({"done": done, "total": total}), flush=True)

    summary = reindex([corpus], index_dir, on_progress=report)
    print(json.dumps({"paragraphs": summary.paragraphs, "seconds": summary.seconds, "first_pass": first[0] if first else 0.0}), flush=True)


def measure_indexing(corpus, index_dir, progress=None):
    """Reindex ``corpus`` into ``index_dir`` in a child process; time, peak RSS (with its worker
    processes, sampled at each progress report) and index size."""
    code = "import sys; from search_service.benchmark.reindexing import _index_in_child; _index_in_child(sys.argv[1], sys.argv[2])"
    child = subprocess.Popen([sys.executable, "-c", code, str(corpus), str(index_dir)], stdout=subprocess.PIPE, text=True)
    started = time.monotonic()
    summary, peak, sampled = None, 0, 0
    if progress:
        progress("reading corpus, finding near-duplicates", 0, None)
    for line in child.stdout:
        message = json.loads(line)
        peak = max(peak, peak_rss(child.pid) or 0)
        sampled = max(sampled, tree_memory(child.pid, "VmRSS") or 0)
        if "done" in message and progress:
            progress("indexing paragraphs", message["done"], message["total"])
        elif "seconds" in message:
            summary = message
    child.stdout.close()
    _, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0 or summary is None:
        raise RuntimeError(f"indexing failed (exit status {child.returncode})")
    live = LiveIndex(index_dir)
    return Indexing(
        paragraphs=summary["paragraphs"],
        seconds=summary["seconds"] or time.monotonic() - started,
        first_pass_seconds=summary["first_pass"],
        cpu_seconds=usage.ru_utime + usage.ru_stime,
        peak_rss_bytes=max(peak, usage.ru_maxrss * 1024),
        sampled_rss_bytes=sampled,
        index_bytes=live.info()["size_bytes"],
    )
