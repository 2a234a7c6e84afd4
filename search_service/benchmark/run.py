"""A whole benchmark run: the corpus generated (or described) and indexed, searches timed in this
process and over HTTP, gathered into a ``Report``."""

import pathlib

from search_service.benchmark.corpus import (
    SEED, benchmark_queries, corpus_sentences, describe_corpus, generate_corpus, read_questions, sentence_sources,
)
from search_service.benchmark.http_load import measure_http
from search_service.benchmark.latency import measure_latency
from search_service.benchmark.reindexing import measure_indexing
from search_service.benchmark.report import Corpus, Report
from search_service.indexing import LiveIndex

#: Queries run before the timing starts (they load the per-index arrays and common postings),
#: unless the run asks for another number: drawn as the timed ones are, from the questions not timed.
WARMUP_QUERIES = 50


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
