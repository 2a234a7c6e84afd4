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

The modules follow these steps: ``corpus`` (1, and the queries of 3 and 4), ``reindexing`` (2),
``latency`` (3), ``http_load`` (4), with ``process_tree`` reading the memory and CPU time of a
process and its descendants from ``/proc`` for 2 and 4; ``report`` holds the figures and prints
them as tables, and ``run`` runs the steps in order.
"""

from search_service.benchmark.corpus import evaluation_corpora, read_questions
from search_service.benchmark.report import format_report
from search_service.benchmark.run import WARMUP_QUERIES, run_benchmark

__all__ = ["WARMUP_QUERIES", "evaluation_corpora", "format_report", "read_questions", "run_benchmark"]
