"""The figures of a benchmark run, their percentiles, and the report that prints them as Markdown tables."""

import dataclasses
import math
import pathlib


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
