"""Relevance evaluation: hand-computed metrics, TREC file round trips, malformed input."""

import io

import pytest

from search_service.evaluation import (
    METRICS,
    EvaluationInputError,
    evaluate,
    format_table,
    per_query,
    read_qrels,
    read_queries,
    read_run,
    write_run,
)

QRELS = {
    "perfect": {"p1": 1, "p2": 1, "p3": 1},
    "ranks-2-4": {"r1": 1, "r2": 1, "r3": 1, "r4": 1, "r5": 1},
    "absent": {"a1": 1},
    "no-answer": {"-1": 1, "n1": 0},
}
RANKINGS = {
    "perfect": [("p1", 9.0), ("p2", 8.0), ("p3", 7.0), ("x1", 6.0)],
    "ranks-2-4": [("x1", 5.0), ("r1", 4.0), ("x2", 3.0), ("r2", 2.0), ("x3", 1.0)],
    "no-answer": [("n1", 1.0)],
}


def ranking(*docids):
    return [(docid, float(-rank)) for rank, docid in enumerate(docids)]


def test_perfect_ranking_scores_one_on_every_metric():
    assert per_query(RANKINGS, QRELS)["perfect"] == {name: 1.0 for name in METRICS}


def test_relevant_documents_at_ranks_2_and_4_of_5():
    assert per_query(RANKINGS, QRELS)["ranks-2-4"] == pytest.approx(
        {
            "MAP@10": 0.2,  # (1/2 + 2/4) / 5 relevant
            "MRR@10": 0.5,  # 1 / 2
            # DCG = 1/log2(3) + 1/log2(5) = 0.630930 + 0.430677 = 1.061606
            # IDCG = 1 + 1/log2(3) + 1/log2(4) + 1/log2(5) + 1/log2(6) = 2.948459; 1.061606 / 2.948459
            "nDCG@10": 0.360055,
            "Recall@10": 0.4,  # 2 / 5
            "Recall@100": 0.4,  # 2 / 5
            "P@1": 0.0,  # rank 1 is not relevant
        },
        abs=1e-6,
    )


def test_query_missing_from_run_scores_zero():
    assert per_query(RANKINGS, QRELS)["absent"] == {name: 0.0 for name in METRICS}


def test_query_without_relevant_documents_is_not_scored():
    assert "no-answer" not in per_query(RANKINGS, QRELS)


def test_evaluate_averages_over_queries_with_relevant_documents():
    assert evaluate(RANKINGS, QRELS) == pytest.approx(
        {
            "MAP@10": 0.4,  # (1 + 0.2 + 0) / 3
            "MRR@10": 0.5,  # (1 + 0.5 + 0) / 3
            "nDCG@10": 0.453352,  # (1 + 0.360055 + 0) / 3
            "Recall@10": 0.466667,  # (1 + 0.4 + 0) / 3
            "Recall@100": 0.466667,  # (1 + 0.4 + 0) / 3
            "P@1": 0.333333,  # (1 + 0 + 0) / 3
            "queries": 3,  # "no-answer" has only the -1 row and a grade-0 row
        },
        abs=1e-6,
    )


def test_evaluate_without_scorable_queries_reports_zero_queries():
    assert evaluate({}, {"q": {"-1": 1}}) == {name: 0.0 for name in METRICS} | {"queries": 0}


def test_ndcg_uses_grades_as_gains():
    qrels = {"q": {"a": 3, "b": 2, "c": 1}}
    # DCG = 1/log2(2) + 0 + 3/log2(4) + 2/log2(5) = 1 + 1.5 + 0.861353 = 3.361353
    # IDCG = 3/log2(2) + 2/log2(3) + 1/log2(4) = 3 + 1.261860 + 0.5 = 4.761860; 3.361353 / 4.761860
    assert evaluate({"q": ranking("c", "x", "a", "b")}, qrels)["nDCG@10"] == pytest.approx(0.705891, abs=1e-6)


def test_average_precision_divides_by_all_relevant_documents_like_map_cut():
    qrels = {"q": {f"d{i}": 1 for i in range(12)}}
    # ten relevant documents at ranks 1..10: (1/1 + 2/2 + ... + 10/10) / 12 relevant = 10 / 12
    assert evaluate({"q": ranking(*(f"d{i}" for i in range(12)))}, qrels)["MAP@10"] == pytest.approx(10 / 12)


def test_recall_at_100_counts_documents_beyond_rank_10():
    docids = [f"x{i}" for i in range(101)]
    docids[0], docids[49], docids[99], docids[100] = "a", "b", "c", "d"  # ranks 1, 50, 100, 101
    scores = evaluate({"q": ranking(*docids)}, {"q": {"a": 1, "b": 1, "c": 1, "d": 1}})
    assert scores["Recall@10"] == 0.25  # a / 4
    assert scores["Recall@100"] == 0.75  # a, b, c / 4; d at rank 101 is past the cutoff


def test_reciprocal_rank_ignores_relevant_documents_past_rank_10():
    docids = [f"x{i}" for i in range(10)] + ["a"]  # a at rank 11
    assert evaluate({"q": ranking(*docids)}, {"q": {"a": 1}})["MRR@10"] == 0.0


def test_document_ranked_twice_counts_once_at_its_first_rank():
    scores = evaluate({"q": ranking("a", "a", "b")}, {"q": {"a": 1, "b": 1}})
    assert scores["MAP@10"] == 1.0  # (1/1 + 2/2) / 2: b is at rank 2, not 3


def test_run_round_trips_through_a_file(tmp_path):
    path = tmp_path / "run.txt"
    rankings = {"q1": [("d1", 12.5), ("d2", 3.0), ("d3", 0.1234567891)], "q2": [("2:270-271", -1.0)]}
    write_run(path, rankings, "bm25")
    assert path.read_text("utf-8").splitlines()[:2] == ["q1 Q0 d1 1 12.5 bm25", "q1 Q0 d2 2 3.0 bm25"]
    assert read_run(path) == rankings


def test_write_run_accepts_an_open_file():
    out = io.StringIO()
    write_run(out, {"q": [("d", 1.0)]}, "tag")
    assert out.getvalue() == "q Q0 d 1 1.0 tag\n"


def test_write_run_rejects_a_tag_with_spaces(tmp_path):
    with pytest.raises(ValueError, match="one word"):
        write_run(tmp_path / "run.txt", {}, "my run")


def test_read_run_orders_each_query_as_trec_eval_does(tmp_path):
    path = tmp_path / "run.txt"
    path.write_text("q Q0 b 2 1.0 t\nq Q0 a 1 2.0 t\n", "utf-8")
    assert read_run(path) == {"q": [("a", 2.0), ("b", 1.0)]}
    # As trec_eval reads a run: the scores order it, equal scores by decreasing id, whatever the rank column says.
    path.write_text("q Q0 d9 1 5.0 t\nq Q0 d1 2 9.0 t\nq Q0 d2 3 5.0 t\nq Q0 d3 4 5.0 t\n", "utf-8")
    assert read_run(path) == {"q": [("d1", 9.0), ("d9", 5.0), ("d3", 5.0), ("d2", 5.0)]}


def test_queries_are_read_with_bom_crlf_and_blank_lines(tmp_path):
    path = tmp_path / "queries.tsv"
    path.write_bytes("\ufeff101\tمن هم قوم شعيب؟\r\n\r\n102\t من بنى الكعبة؟ \r\n".encode("utf-8"))
    assert read_queries(path) == [("101", "من هم قوم شعيب؟"), ("102", "من بنى الكعبة؟")]


def test_qrels_keep_every_judged_row_with_spaces_or_tabs(tmp_path):
    path = tmp_path / "qrels.txt"
    path.write_text("1 0 7:85-93 1\n1\t0\t11:84-88\t2\n2 0 -1 1\n3 0 d 0\n", "utf-8")
    assert read_qrels(path) == {"1": {"7:85-93": 1, "11:84-88": 2}, "2": {"-1": 1}, "3": {"d": 0}}


@pytest.mark.parametrize(
    "reader, text, message",
    [
        (read_queries, "101\tfine\n102 no tab\n", ":2: expected 'qid<TAB>query'"),
        (read_queries, "101\t\n", ":1: query 101 has no text"),
        (read_queries, "\tquery without id\n", ":1: expected 'qid<TAB>query'"),
        (read_queries, "\tمصر\n", ":1: expected 'qid<TAB>query'"),
        (read_queries, "101\ta\n101\tb\n", ":2: query 101 appears twice"),
        (read_qrels, "1 0 d 1\n1 0 d\n", ":2: expected 'qid 0 docid rel'"),
        (read_qrels, "1 0 d high\n", ":1: expected 'qid 0 docid rel'"),
        (read_qrels, "1 0 d 1\n1 0 d 0\n", ":2: document d judged twice for query 1"),
        (read_run, "q Q0 d 1 2.0\n", ":1: expected 'qid Q0 docid rank score tag'"),
        (read_run, "q Q0 d first 2.0 t\n", ":1: expected 'qid Q0 docid rank score tag'"),
        (read_run, "q Q0 d 1 high t\n", ":1: expected 'qid Q0 docid rank score tag'"),
        (read_run, "q Q0 d 1 2.0 t\nq Q0 d 2 1.0 t\n", ":2: document d ranked twice for query q"),
    ],
)
def test_malformed_line_is_reported_with_file_and_line(tmp_path, reader, text, message):
    path = tmp_path / "input.txt"
    path.write_text(text, "utf-8")
    with pytest.raises(EvaluationInputError) as error:
        reader(path)
    assert str(error.value).startswith(f"{path}{message}")


def test_file_that_is_not_utf8_is_reported(tmp_path):
    path = tmp_path / "queries.tsv"
    path.write_bytes("101\tسؤال\n".encode("cp1256"))
    with pytest.raises(EvaluationInputError, match="not UTF-8 text"):
        read_queries(path)


def test_format_table_renders_one_row_per_run_with_four_decimals():
    table = format_table({"qqa23 dev": evaluate(RANKINGS, QRELS)}, label="set")
    assert table == (
        "| set | queries | MAP@10 | MRR@10 | nDCG@10 | Recall@10 | Recall@100 | P@1 |\n"
        "|---|---|---|---|---|---|---|---|\n"
        "| qqa23 dev | 3 | 0.4000 | 0.5000 | 0.4534 | 0.4667 | 0.4667 | 0.3333 |\n"
    )
