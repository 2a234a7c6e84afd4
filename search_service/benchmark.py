"""Benchmark: indexing throughput and memory, query latency, and HTTP throughput on a large corpus.

1. Corpus: paragraphs assembled from the sentences of the evaluation corpora and the seeds with a
   seeded random generator (the same corpus on every run), grouped into documents with titles,
   sources and dates, and with a few paragraphs republished in other documents (near-duplicates).
2. Indexing: ``reindex`` runs in a child process, so its peak memory (max RSS) is measured alone.
3. Latency: evaluation questions plus short queries (1–3 consecutive words of the corpus), one
   after another in this process, each timed once: every other one without snippets, the others
   as the API answers them.
4. HTTP: ``search-service serve`` (gunicorn) on a loopback port, driven by a fixed number of client
   threads with keep-alive connections, for a fixed time and at most a fixed number of requests:
   after a warm-up with other queries, once with queries the server has not seen, then with the
   same queries again (answered from its cache of search pages).
"""

import collections
import contextlib
import dataclasses
import datetime
import http.client
import json
import math
import os
import pathlib
import random
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

from search_service.arabic import STOP_WORDS, normalize
from search_service.indexing import LiveIndex
from search_service.ingest.documents import SENTENCE_END, Document
from search_service.ingest.sources import iter_records
from search_service.search import QueryError, SearchRequest, search, warm

SEED = 20240329
#: Words a generated paragraph has at least, and a target drawn up to this many.
PARAGRAPH_WORDS = (20, 94)
#: Paragraphs per generated document.
DOCUMENT_PARAGRAPHS = (1, 6)
#: Share of generated paragraphs that republish an earlier paragraph (near-duplicates).
REPUBLISHED = 0.02
SOURCES = tuple(f"source-{n:02d}" for n in range(1, 13))
FIRST_DATE = datetime.date(2010, 1, 1)
DATE_SPAN_DAYS = 15 * 365
#: Share of the timed queries that are evaluation questions (the rest are short queries).
QUESTION_SHARE = 0.75
#: Queries run before the timing starts (they load the per-index arrays and common postings),
#: unless the run asks for another number: drawn as the timed ones are, from the questions not timed.
WARMUP_QUERIES = 50
#: Seconds the HTTP load waits at most for the server's workers to read ahead the longest posting lists.
WARM_SECONDS = 120
#: The server counts as idle once it uses less than this share of one core over a sample.
IDLE_CPU_SHARE = 0.05
IDLE_SAMPLE_SECONDS = 1.0
#: The HTTP load stops after this many requests even if the time is not up.
MAX_HTTP_REQUESTS = 100_000
SERVER_START_SECONDS = 60

_WORD = re.compile(r"\w+")


@dataclasses.dataclass
class Corpus:
    """A corpus file and what is in it."""

    path: pathlib.Path | None
    documents: int
    paragraphs: int
    size_bytes: int | None
    seconds: float


@dataclasses.dataclass
class Indexing:
    """How long a reindex took and what it cost."""

    paragraphs: int
    seconds: float
    first_pass_seconds: float
    cpu_seconds: float
    peak_rss_bytes: int  # the sum of each process's peak (an upper bound)
    sampled_rss_bytes: int  # the highest sum of the processes' memory at one time, sampled at each progress report
    index_bytes: int


@dataclasses.dataclass
class Latency:
    """Latency percentiles of a set of timed requests, in milliseconds."""

    label: str
    count: int
    p50: float
    p95: float
    p99: float
    mean: float
    refused: int = 0  # queries the service refused (4xx), not timed


@dataclasses.dataclass
class HttpLoad:
    """Throughput and latency of the HTTP API under a fixed concurrent load."""

    label: str
    concurrency: int
    seconds: float
    requests: int
    warmup: int  # other queries the server answered before this load
    refused: int  # answered 4xx: queries the service refuses (too long, syntax)
    errors: int  # anything else but 200, and failed connections
    latency: Latency
    server_peak_rss_bytes: int | None


@dataclasses.dataclass
class Report:
    """Every figure of one benchmark run."""

    corpus: Corpus
    indexing: Indexing | None
    latencies: list[Latency]
    http: list[HttpLoad]


def _sentences_of(paragraph):
    return [s.strip() for s in SENTENCE_END.split(paragraph) if len(_WORD.findall(s)) >= 2]


def corpus_sentences(sources):
    """The distinct sentences of the paragraphs in ``sources`` (files or directories), in reading order."""
    sentences = {}
    for record in iter_records([s for s in sources if pathlib.Path(s).exists()]):
        if isinstance(record, Document):
            for paragraph in record.paragraphs:
                sentences.update(dict.fromkeys(_sentences_of(paragraph)))
    return list(sentences)


def evaluation_corpora(eval_dir):
    """The corpora of the evaluation sets under ``eval_dir`` (none when it does not exist)."""
    return sorted(pathlib.Path(eval_dir).glob("*/corpus.jsonl")) if eval_dir else []


def sentence_sources(eval_dir, seeds_dir):
    """The files sentences are drawn from: the evaluation corpora (when present) and the seeds."""
    return [*evaluation_corpora(eval_dir), pathlib.Path(seeds_dir)]


def _paragraph(rng, sentences):
    target = rng.randint(*PARAGRAPH_WORDS)
    chosen, words = [], 0
    # Two sentences at least, so that a paragraph is not one sentence repeated all over the corpus.
    while words < target or len(chosen) < 2:
        sentence = rng.choice(sentences)
        chosen.append(sentence)
        words += len(sentence.split())
    return " ".join(chosen)


def _republished(rng, paragraph):
    """An earlier paragraph as another outlet republishes it: one word left out."""
    words = paragraph.split()
    del words[rng.randrange(len(words))]
    return " ".join(words)


def generate_corpus(path, paragraphs, sentences, seed=SEED, progress=None):
    """Write a deterministic JSONL corpus of ``paragraphs`` paragraphs built from ``sentences``."""
    if not sentences:
        raise ValueError("no sentences to build a corpus from")
    started = time.perf_counter()
    rng = random.Random(seed)
    path = pathlib.Path(path)
    written, documents, recent = 0, 0, []
    with open(path, "w", encoding="utf-8") as file:
        while written < paragraphs:
            count = min(rng.randint(*DOCUMENT_PARAGRAPHS), paragraphs - written)
            texts = []
            for _ in range(count):
                if recent and rng.random() < REPUBLISHED:
                    texts.append(_republished(rng, rng.choice(recent)))
                else:
                    texts.append(_paragraph(rng, sentences))
            recent = (recent + texts)[-1000:]
            documents += 1
            record = {
                "id": f"bench-{documents:07d}",
                "title": " ".join(rng.choice(sentences).split()[: rng.randint(3, 8)]).strip(".،,:؟?!"),
                "source": rng.choices(SOURCES, weights=[1 / rank for rank in range(1, len(SOURCES) + 1)])[0],
                "date": (FIRST_DATE + datetime.timedelta(days=rng.randrange(DATE_SPAN_DAYS))).isoformat(),
                "text": "\n".join(texts),
            }
            file.write(json.dumps(record, ensure_ascii=False) + "\n")
            written += count
            if progress and documents % 500 == 0:
                progress("generating corpus", written, paragraphs)
    if progress:
        progress("generating corpus", written, paragraphs)
    return Corpus(path, documents, written, path.stat().st_size, time.perf_counter() - started)


def describe_corpus(path):
    """Count the documents and paragraphs of an existing corpus file or directory."""
    started = time.perf_counter()
    documents = paragraphs = 0
    for record in iter_records([path]):
        if isinstance(record, Document):
            documents += 1
            paragraphs += len(record.paragraphs)
    path = pathlib.Path(path)
    size = path.stat().st_size if path.is_file() else sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
    return Corpus(path, documents, paragraphs, size, time.perf_counter() - started)


def benchmark_queries(count, questions, sentences, seed=SEED):
    """``count`` queries: a seeded sample of ``questions`` (up to 3/4) and short queries from ``sentences``.

    Returns a list of ``(kind, text)`` with kind ``"question"`` or ``"short"``, shuffled.
    """
    rng = random.Random(seed)
    asked = rng.sample(questions, min(len(questions), round(count * QUESTION_SHARE)))
    queries = [("question", q) for q in asked]
    while len(queries) < count:
        words = _WORD.findall(rng.choice(sentences))
        length = rng.randint(1, 3)
        if len(words) < length:
            continue
        start = rng.randrange(len(words) - length + 1)
        picked = words[start : start + length]
        if all(normalize(w) in STOP_WORDS or len(w) < 2 for w in picked):
            continue
        queries.append(("short", " ".join(picked)))
    rng.shuffle(queries)
    return queries


def read_questions(eval_dir):
    """The questions of every ``queries.tsv`` under ``eval_dir`` (none when it does not exist)."""
    questions = []
    for path in sorted(pathlib.Path(eval_dir).glob("*/queries.tsv")) if eval_dir else []:
        for line in path.read_text(encoding="utf-8").splitlines():
            _, _, text = line.partition("\t")
            if text.strip():
                questions.append(text.strip())
    return questions


def _percentile(ordered, p):
    """Nearest-rank percentile of sorted values."""
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def summarize(label, milliseconds, refused=0):
    """Percentiles and mean of latencies in milliseconds, and how many queries were refused."""
    ordered = sorted(milliseconds) or [math.nan]
    return Latency(
        label, len(milliseconds), _percentile(ordered, 50), _percentile(ordered, 95), _percentile(ordered, 99),
        sum(milliseconds) / len(milliseconds) if milliseconds else math.nan, refused,
    )


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
    code = "import sys; from search_service.benchmark import _index_in_child; _index_in_child(sys.argv[1], sys.argv[2])"
    child = subprocess.Popen([sys.executable, "-c", code, str(corpus), str(index_dir)], stdout=subprocess.PIPE, text=True)
    started = time.monotonic()
    summary, peak, sampled = None, 0, 0
    if progress:
        progress("reading corpus, finding near-duplicates", 0, None)
    for line in child.stdout:
        message = json.loads(line)
        peak = max(peak, _peak_rss(child.pid) or 0)
        sampled = max(sampled, _tree_memory(child.pid, "VmRSS") or 0)
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


def _free_port():
    with contextlib.closing(socket.socket()) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def serving(index_dir):
    """``search-service serve`` over ``index_dir`` on a free loopback port; yields ``(port, process)``."""
    port = _free_port()
    command = [sys.executable, "-m", "search_service", "serve", "--index", str(index_dir), "--port", str(port)]
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=log)
        try:
            _wait_for_server(port, process, log)
            yield port, process
        finally:
            process.terminate()
            process.wait(timeout=30)


def _wait_for_server(port, process, log):
    deadline = time.monotonic() + SERVER_START_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            log.seek(0)
            raise RuntimeError(f"the server exited with status {process.returncode}: {log.read().decode()[-500:]}")
        try:
            status, _ = _get(http.client.HTTPConnection("127.0.0.1", port, timeout=5), "/api/health")
            if status == 200:
                return
        except OSError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"the server did not answer within {SERVER_START_SECONDS} s")


def _wait_until_warm(port, process, answers=10):
    """Wait until ``answers`` health checks in a row say the worker that answered is warm, then
    until the server is idle: the checks may all reach one worker while another still reads ahead."""
    deadline, in_a_row = time.monotonic() + WARM_SECONDS, 0
    while in_a_row < answers and time.monotonic() < deadline:
        status, body = _get(http.client.HTTPConnection("127.0.0.1", port, timeout=5), "/api/health")
        in_a_row = in_a_row + 1 if status == 200 and json.loads(body).get("warm") else 0
        time.sleep(0.05 if in_a_row else 0.5)
    used = _tree_cpu_seconds(process.pid)
    while time.monotonic() < deadline:
        time.sleep(IDLE_SAMPLE_SECONDS)
        used, before = _tree_cpu_seconds(process.pid), used
        if used - before < IDLE_CPU_SHARE * IDLE_SAMPLE_SECONDS:
            return


def _get(connection, path):
    connection.request("GET", path)
    response = connection.getresponse()
    return response.status, response.read()


def _descendants(pid):
    try:
        children = pathlib.Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return []
    return [int(c) for c in children] + [d for c in children for d in _descendants(int(c))]


def _tree_files(pid, name):
    """The text of ``/proc/<process>/<name>`` for a running process and each of its descendants
    (those that ended meanwhile left out)."""
    for process in [pid, *_descendants(pid)]:
        try:
            yield pathlib.Path(f"/proc/{process}/{name}").read_text()
        except OSError:
            continue


def _tree_cpu_seconds(pid):
    """CPU time (user and system) of a running process and its descendants, in seconds."""
    total = 0.0
    for text in _tree_files(pid, "stat"):
        stat = text.rpartition(")")[2].split()
        total += (int(stat[11]) + int(stat[12])) / os.sysconf("SC_CLK_TCK")
    return total


def _peak_rss(pid):
    """Peak resident memory of a running process and its descendants: the sum of their Linux
    ``VmHWM`` (an upper bound, as their peaks need not coincide), or None where unavailable."""
    return _tree_memory(pid, "VmHWM")


def _tree_memory(pid, field):
    """The sum of a memory field of ``/proc/<pid>/status`` over a running process and its
    descendants, in bytes, or None where unavailable."""
    total = None
    for text in _tree_files(pid, "status"):
        for line in text.splitlines():
            if line.startswith(field + ":"):
                total = (total or 0) + int(line.split()[1]) * 1024
    return total


class _Load:
    """Client threads sending searches until a deadline or a request budget runs out."""

    def __init__(self, port, paths, concurrency, seconds, max_requests):
        self.port, self.paths = port, paths
        self.concurrency, self.seconds, self.max_requests = concurrency, seconds, max_requests
        self.lock = threading.Lock()
        self.sent = 0
        self.times, self.refused, self.errors = [], 0, 0

    def _claim(self):
        with self.lock:
            if self.sent >= self.max_requests or time.monotonic() >= self.deadline:
                return None
            self.sent += 1
            return self.sent

    def _client(self):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        times, refused, errors = [], 0, 0
        while (sent := self._claim()) is not None:
            path = self.paths[(sent - 1) % len(self.paths)]
            started = time.perf_counter()
            try:
                status, _ = _get(connection, path)
            except (OSError, http.client.HTTPException):
                status = None
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
            if status == 200:
                times.append((time.perf_counter() - started) * 1000)
            elif status is not None and 400 <= status < 500:
                refused += 1
            else:
                errors += 1
        connection.close()
        with self.lock:
            self.times += times
            self.refused += refused
            self.errors += errors

    def run(self, progress=None, label="HTTP load"):
        """Run the load; returns the seconds it took."""
        self.deadline = time.monotonic() + self.seconds
        started = time.monotonic()
        threads = [threading.Thread(target=self._client, daemon=True) for _ in range(self.concurrency)]
        for thread in threads:
            thread.start()
        while any(thread.is_alive() for thread in threads):
            threads[0].join(0.5)
            if progress:
                progress(label, min(round(time.monotonic() - started), round(self.seconds)), round(self.seconds))
        return time.monotonic() - started


def _paths(queries):
    return [f"/api/search?q={urllib.parse.quote(text)}" for _, text in queries]


def measure_http(index_dir, queries, warmup, seconds, concurrency, max_requests=MAX_HTTP_REQUESTS, progress=None):
    """Requests per second and latency of ``GET /api/search`` under ``concurrency`` loopback clients.

    After ``warmup`` queries (all answered, however long they take), two loads of ``seconds`` each:
    ``queries`` the server has not seen (each asked once, so at most ``len(queries)`` requests),
    then the same queries again.
    """
    if progress:
        progress("starting the server", 0, None)
    paths = _paths(queries)
    loads = [("new queries", min(max_requests, len(paths))), ("repeated queries", max_requests)]
    results = []
    with serving(index_dir) as (port, process):
        _Load(port, _paths(warmup), concurrency, math.inf, len(warmup)).run()
        _wait_until_warm(port, process)
        for label, budget in loads:
            load = _Load(port, paths, concurrency, seconds, budget)
            elapsed = load.run(progress, f"HTTP load, {label}")
            answered = len(load.times)
            results.append(HttpLoad(
                label=label,
                concurrency=concurrency,
                seconds=elapsed,
                requests=answered + load.refused + load.errors,
                warmup=len(warmup),
                refused=load.refused,
                errors=load.errors,
                latency=summarize(f"HTTP GET /api/search, {label}", load.times, load.refused),
                server_peak_rss_bytes=_peak_rss(process.pid),
            ))
    return results


def run_benchmark(
    work_dir, index_dir, paragraphs, query_count, http_seconds, concurrency,
    corpus=None, eval_dir=None, seeds_dir=None, reuse_index=False, warmup_count=WARMUP_QUERIES, progress=None,
):
    """Generate (or describe) the corpus, index it, and time queries and the HTTP API; returns a ``Report``.

    With ``reuse_index`` the index already in ``index_dir`` is timed; the corpus is not written again.
    ``warmup_count`` other queries (questions not timed, and short queries) are run first in this
    process and on the server.
    """
    if corpus is None and reuse_index:
        sentences = corpus_sentences(sentence_sources(eval_dir, seeds_dir))
        info = LiveIndex(index_dir).info()
        described = Corpus(None, info.get("documents", 0), info["paragraphs"], None, 0.0)
    elif corpus is None:
        sentences = corpus_sentences(sentence_sources(eval_dir, seeds_dir))
        if progress:
            progress("generating corpus", 0, paragraphs)
        described = generate_corpus(pathlib.Path(work_dir) / "corpus.jsonl", paragraphs, sentences, progress=progress)
    else:
        if progress:
            progress("reading corpus", 0, None)
        described = describe_corpus(corpus)
        if not described.paragraphs:
            raise RuntimeError(f"{corpus} holds no paragraph to index")
        sentences = corpus_sentences([corpus])
    indexing = None if reuse_index else measure_indexing(described.path, index_dir, progress)
    questions = read_questions(eval_dir)
    queries = benchmark_queries(query_count, questions, sentences)
    live = LiveIndex(index_dir)
    timed = {text for _, text in queries}
    untimed = [question for question in questions if question not in timed]
    warmup = [q for q in benchmark_queries(warmup_count, untimed, sentences, seed=SEED + 1) if q[1] not in timed]
    latencies = measure_latency(live, queries, warmup, progress=progress)
    loads = measure_http(index_dir, queries, warmup, http_seconds, concurrency, progress=progress) if http_seconds > 0 else []
    return Report(described, indexing, latencies, loads)


def _ms(milliseconds):
    """A latency figure, or "–" for a pass that timed no query."""
    return "–" if math.isnan(milliseconds) else f"{milliseconds:.1f}"


def _mb(size):
    return f"{size / 1e6:,.1f} MB" if size is not None else "n/a"


def format_report(report):
    """The report as Markdown tables."""
    corpus, indexing = report.corpus, report.indexing
    lines = ["| measure | value |", "|---|---|"]
    size = f", {_mb(corpus.size_bytes)} of JSONL" if corpus.size_bytes is not None else " (index reused)"
    lines.append(f"| corpus | {corpus.documents:,} documents, {corpus.paragraphs:,} paragraphs{size} |")
    if indexing:
        lines += [
            f"| indexing time | {indexing.seconds:,.1f} s (reading and near-duplicates {indexing.first_pass_seconds:,.1f} s, "
            f"writing {indexing.seconds - indexing.first_pass_seconds:,.1f} s); CPU time {indexing.cpu_seconds:,.1f} s |",
            f"| indexing throughput | {indexing.paragraphs / indexing.seconds:,.0f} paragraphs/s |",
            f"| indexing peak memory (max RSS, all processes) | {_mb(indexing.peak_rss_bytes)} |",
            f"| indexing memory, highest total at one time (RSS sampled every progress report) | {_mb(indexing.sampled_rss_bytes)} |",
            f"| index size | {_mb(indexing.index_bytes)} |",
        ]
    for load in report.http:
        lines.append(
            f"| HTTP throughput, {load.label} | {load.requests / load.seconds:,.0f} requests/s ({load.requests:,} requests in "
            f"{load.seconds:.1f} s after {load.warmup:,} other queries, {load.concurrency} clients, {load.refused} refused with 4xx, "
            f"{load.errors} errors) |"
        )
    if report.http:
        lines.append(f"| HTTP server peak memory (max RSS, all processes) | {_mb(report.http[-1].server_peak_rss_bytes)} |")
    lines += ["", "| latency (ms) | queries | p50 | p95 | p99 | mean | refused |", "|---|---|---|---|---|---|---|"]
    rows = report.latencies + [load.latency for load in report.http]
    for row in rows:
        figures = " | ".join(_ms(value) for value in (row.p50, row.p95, row.p99, row.mean))
        lines.append(f"| {row.label} | {row.count:,} | {figures} | {row.refused} |")
    return "\n".join(lines) + "\n"
