"""The benchmark: a deterministic corpus, and a small end-to-end run that prints its tables."""

import re

from click.testing import CliRunner

from search_service.benchmark.corpus import benchmark_queries, corpus_sentences, generate_corpus
from search_service.benchmark.report import Corpus, Report, format_report, summarize
from search_service.cli import main

from conftest import SEEDS


def test_generated_corpus_is_the_same_on_every_run(tmp_path):
    sentences = corpus_sentences([SEEDS])
    first = generate_corpus(tmp_path / "a.jsonl", 300, sentences)
    generate_corpus(tmp_path / "b.jsonl", 300, sentences)
    assert first.paragraphs == 300 and first.documents > 50
    assert (tmp_path / "a.jsonl").read_bytes() == (tmp_path / "b.jsonl").read_bytes()


def test_short_queries_fill_up_when_there_are_no_questions():
    queries = benchmark_queries(40, [], corpus_sentences([SEEDS]))
    assert len(queries) == 40 and {kind for kind, _ in queries} == {"short"}
    assert all(1 <= len(text.split()) <= 3 for _, text in queries)


def test_percentiles_are_nearest_rank():
    latency = summarize("x", [float(n) for n in range(1, 101)])
    assert (latency.p50, latency.p95, latency.p99, latency.mean) == (50.0, 95.0, 99.0, 50.5)


def test_a_pass_that_timed_no_query_prints_no_figures():
    report = Report(Corpus(None, 1, 1, None, 0.0), None, [summarize("search: all", [], refused=1)], [])
    assert "| search: all | 0 | – | – | – | – | 1 |" in format_report(report)


def test_bench_on_a_small_corpus_prints_every_figure(tmp_path):
    result = CliRunner().invoke(
        main,
        ["bench", "--paragraphs", "300", "--queries", "30", "--http-seconds", "1", "--concurrency", "2", "--warmup", "20",
         "--index", str(tmp_path / "index"), "--eval-dir", str(tmp_path / "no-eval")],
    )
    assert result.exit_code == 0, result.output
    for figure in [
        "indexing throughput", "peak memory", "highest total at one time", "index size", "search + highlighting: all", "p95",
        "HTTP throughput, new queries", "HTTP throughput, repeated queries",
    ]:
        assert figure in result.output
    assert "300 paragraphs" in result.output
    assert "warning: no evaluation set (*/queries.tsv) under" in result.output
    assert "warning: no evaluation corpus (*/corpus.jsonl) under" in result.output and "seeds' sentences alone" in result.output
    # The warm-up's queries are other than the timed ones: a query drawn for both is not sent first.
    warmups = {int(n) for n in re.findall(r"after (\d+) other queries", result.output)}
    assert len(warmups) == 1 and 0 < warmups.pop() <= 20


def test_bench_refuses_to_overwrite_an_existing_index(seeds_index):
    result = CliRunner().invoke(main, ["bench", "--paragraphs", "300", "--index", str(seeds_index)])
    assert result.exit_code == 2 and "--reuse-index" in result.output


def test_bench_on_a_corpus_of_no_paragraph_says_so(tmp_path):
    (tmp_path / "empty").mkdir()
    result = CliRunner().invoke(main, ["bench", "--corpus", str(tmp_path / "empty"), "--index", str(tmp_path / "index")])
    assert result.exit_code == 1 and "holds no paragraph" in result.output
