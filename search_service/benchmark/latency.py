"""Searches timed one after another in this process, without and with snippets."""

import collections
import time

from search_service.benchmark.report import summarize
from search_service.search import QueryError, SearchRequest, search, warm


def measure_latency(live_index, queries, warmup, progress=None):
    """Time ``search`` once per query, alternately without and with snippets, after ``warmup`` queries.

    Each query is timed once, so that neither mode runs on what the other just read.
    Returns one ``Latency`` per mode and query kind, and per mode over all kinds.
    """
    warm(live_index)  # as a server does in the background when it opens a generation
    for _, text in warmup:
        _timed_search(live_index, text, highlight=True)
    times, refused = collections.defaultdict(list), collections.Counter()
    for done, (kind, text) in enumerate(queries, start=1):
        mode = "search + highlighting" if done % 2 == 0 else "search"
        elapsed = _timed_search(live_index, text, highlight=done % 2 == 0)
        if elapsed is None:
            refused[mode, kind] += 1
        else:
            times[mode, kind].append(elapsed)
        if progress and (done % 20 == 0 or done == len(queries)):
            progress("timing searches", done, len(queries))
    rows = []
    for mode in ("search", "search + highlighting"):
        for kind, label in (("question", "questions"), ("short", "short queries")):
            if times[mode, kind] or refused[mode, kind]:
                rows.append(summarize(f"{mode}: {label}", times[mode, kind], refused[mode, kind]))
        every = times[mode, "question"] + times[mode, "short"]
        rows.append(summarize(f"{mode}: all", every, refused[mode, "question"] + refused[mode, "short"]))
    return rows


def _timed_search(live_index, text, highlight):
    started = time.perf_counter()
    try:
        search(live_index, SearchRequest(q=text, highlight=highlight))
    except QueryError:
        return None
    return (time.perf_counter() - started) * 1000
