"""The command line as operators use it: exit codes, one-line errors, JSON output, batch runs."""

import json
import os
import pathlib
import re
import shutil
import socket
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request

import pytest
from click.testing import CliRunner

import search_service
from search_service import cli
from search_service.cli import main

from conftest import SEEDS, build_index, built_with_another_analysis, full_disk, write_jsonl

COMMANDS = ["reindex", "serve", "search", "evaluate", "bench"]


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def test_installed_outside_a_checkout_the_defaults_are_in_the_working_directory(tmp_path):
    # As after a non-editable `pip install`: the package alone in site-packages, run from a project folder.
    site, work = tmp_path / "site", tmp_path / "work"
    shutil.copytree(pathlib.Path(search_service.__file__).parent, site / "search_service", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(SEEDS, work / "seeds")
    env = {key: value for key, value in os.environ.items() if not key.startswith("SEARCH_SERVICE_")} | {"PYTHONPATH": str(site)}
    result = subprocess.run([sys.executable, "-m", "search_service", "reindex"], cwd=work, env=env, capture_output=True, text=True)
    assert result.returncode == 0 and "indexed 5 documents" in result.stdout
    assert (work / "index" / "CURRENT").is_file()


def test_python_m_is_the_same_program():
    result = subprocess.run([sys.executable, "-m", "search_service", "--help"], capture_output=True, text=True)
    assert result.returncode == 0 and "reindex" in result.stdout


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help(command):
    result = run(command, "--help")
    assert result.exit_code == 0 and "Example" in result.output


def test_reindex_seeds_exits_zero_and_summarises_with_progress_in_a_log(tmp_path):
    result = run("reindex", "--source", SEEDS, "--index", tmp_path / "index")
    assert result.exit_code == 0, result.output
    assert "indexed 5 documents" in result.output
    assert re.search(r"^\[ *[\d.]+ s\] indexing paragraphs: 0/\d+$", result.stderr, re.MULTILINE)  # not a terminal
    assert re.search(r"^\[ *[\d.]+ s\] indexing paragraphs: 79/79$", result.stderr, re.MULTILINE)  # where it ended, once
    assert result.stderr.count("79/79") == 1


def test_progress_in_a_log_shows_a_line_every_10_seconds_and_where_each_stage_ended(monkeypatch, capsys):
    clock = iter([0.0, 0, 1, 11, 12, 20, 26, 27])  # when the progress starts, then at each report
    monkeypatch.setattr(cli.time, "monotonic", lambda: next(clock))
    progress = cli._Progress()
    for stage, done in [("indexing", 0), ("indexing", 5), ("indexing", 6), ("indexing", 7), ("indexing", 9), ("writing", 1), ("writing", 2)]:
        progress(stage, done, 10)
    progress.close()
    assert capsys.readouterr().err.splitlines() == [
        "[   0.0 s] indexing: 0/10", "[  11.0 s] indexing: 6/10", "[  20.0 s] indexing: 9/10",  # each count once
        "[  26.0 s] writing: 1/10", "[  27.0 s] writing: 2/10",
    ]


def test_web_pages_are_indexed_and_searched_by_their_article(tmp_path):
    web = pathlib.Path(__file__).parent / "data" / "ingest" / "web"
    assert "indexed 3 documents, 9 paragraphs" in run("reindex", "--source", web, "--index", tmp_path / "index").output
    found = json.loads(run("search", "السودان", "--index", tmp_path / "index", "--json").output)
    assert [r["id"] for r in found["results"]] == ["cairo#1"] and found["results"][0]["document"]["date"] == "2024-04-02"
    assert json.loads(run("search", "الأكثر قراءة", "--index", tmp_path / "index", "--json").output)["total"] == 0


def test_reindex_reads_its_sources_from_the_environment_as_the_api_does(tmp_path, monkeypatch):
    corpus = write_jsonl(tmp_path / "c.jsonl", [{"id": "a", "text": "نص سليم عن الاقتصاد"}])
    monkeypatch.setenv("SEARCH_SERVICE_SOURCES", f"{corpus}{os.pathsep}")
    result = run("reindex", "--index", tmp_path / "index")
    assert result.exit_code == 0 and "indexed 1 document" in result.output
    assert "indexed 5 documents" in run("reindex", "--source", SEEDS, "--index", tmp_path / "index").output


def test_reindex_with_skipped_records_exits_3_and_reports_file_and_line(tmp_path):
    corpus = write_jsonl(tmp_path / "c.jsonl", [{"id": "a", "text": "نص سليم عن الاقتصاد"}, "{broken", {"id": "b"}])
    result = run("reindex", "--source", corpus, "--index", tmp_path / "index")
    assert result.exit_code == 3
    assert f"{corpus}:2" in result.output and f"{corpus}:3" in result.output
    assert "indexed 1 document, 1 paragraph (0 in near-duplicate groups), skipped 2 records" in result.output


def test_reindex_reports_a_date_left_out_apart_from_skipped_records_and_exits_0(tmp_path):
    corpus = write_jsonl(tmp_path / "wires.jsonl", [
        {"id": "good", "text": "اجتمع وزراء خارجية التحالف في روما.", "date": "2024-03-05"},
        {"id": "placeholder", "text": "افتتح وزير الطاقة مشروع الطاقة الشمسية في معان.", "date": "2999-01-01"},
    ])
    result = subprocess.run(
        [sys.executable, "-m", "search_service", "reindex", "--source", corpus, "--index", tmp_path / "index"], capture_output=True, text=True,
    )
    assert result.returncode == 0, result.stderr
    assert f'left out {corpus}:2: "date" "2999-01-01": no publication date is before 1900 or after tomorrow\n' in result.stderr
    assert "skipped" not in result.stderr
    assert "indexed 2 documents, 2 paragraphs (0 in near-duplicate groups), skipped 0 records, 1 record indexed without its date, in" in result.stdout
    [found] = json.loads(run("search", "الشمسية", "--index", tmp_path / "index", "--json").output)["results"]
    assert found["document"]["id"] == "placeholder" and found["document"]["date"] is None


def test_reindex_reports_the_records_skipped_and_the_fields_left_out_in_the_order_of_their_lines(tmp_path):
    corpus = write_jsonl(tmp_path / "wires.jsonl", [
        {"id": "placeholder", "text": "افتتح وزير الطاقة مشروع الطاقة الشمسية في معان.", "date": "2999-01-01"},
        "{broken",
        {"id": "typo", "text": "اجتمع وزراء خارجية التحالف في روما.", "date": "0001-01-01"},
    ])
    output = run("reindex", "--source", corpus, "--index", tmp_path / "index").output
    assert [line for line in output.splitlines() if line.startswith(("skipped ", "left out "))] == [
        f'left out {corpus}:1: "date" "2999-01-01": no publication date is before 1900 or after tomorrow',
        f"skipped {corpus}:2: invalid JSON: Expecting property name enclosed in double quotes at column 2",
        f'left out {corpus}:3: "date" "0001-01-01": no publication date is before 1900 or after tomorrow',
    ]


def test_reindex_says_which_types_of_files_in_its_folders_it_left_out(tmp_path):
    corpus = tmp_path / "corpus"
    shutil.copytree(SEEDS, corpus)
    for name in ("notes.md", "export.ndjson", "archive.jsonl.gz", ".hidden.md"):
        (corpus / name).write_text("{}", encoding="utf-8")
    (corpus / "also.md").symlink_to(corpus / "notes.md")  # the same file: counted once, not reported
    result = run("reindex", "--source", corpus, "--source", corpus / "notes.md", "--source", corpus, "--index", tmp_path / "index")
    assert result.exit_code == 0 and "indexed 5 documents" in result.output
    assert "left out files of types no reader handles (.txt, .jsonl, .html or .htm are read): .jsonl.gz (1), .md (1), .ndjson (1)" in result.output


def test_reindex_failure_is_one_line_and_exits_1(tmp_path):
    result = run("reindex", "--source", tmp_path / "missing", "--index", tmp_path / "index")
    assert result.exit_code == 1
    assert result.output.count("\n") == 1 and "missing" in result.output and "Traceback" not in result.output


def test_serve_with_a_bad_setting_is_one_line_and_exits_1(seeds_index, monkeypatch):
    monkeypatch.setenv("SEARCH_SERVICE_MAX_CONTENT_LENGTH", "64KiB")
    result = run("serve", "--index", seeds_index, "--port", 1)
    assert result.exit_code == 1
    assert result.output.strip().count("\n") == 0 and "MAX_CONTENT_LENGTH must be a number of bytes" in result.output


def test_serve_on_a_port_in_use_is_one_line_and_exits_1(seeds_index):
    with socket.create_server(("127.0.0.1", 0)) as taken:
        result = run("serve", "--index", seeds_index, "--port", taken.getsockname()[1])
    assert result.exit_code == 1
    assert result.output.strip().count("\n") == 0 and "Address already in use" in result.output


def test_sources_of_no_document_never_replace_the_live_index(tmp_path):
    index = tmp_path / "index"
    assert run("reindex", "--source", SEEDS, "--index", index).exit_code == 0
    (tmp_path / "mistyped").mkdir()
    (tmp_path / "mistyped" / "notes.md").write_text("# not a corpus", encoding="utf-8")
    bad = write_jsonl(tmp_path / "bad.jsonl", ["{broken"])
    for source, reason in (
        (tmp_path / "mistyped", "no document in .txt, .jsonl, .html or .htm files; files of other types: .md (1)"),
        (bad, f"records skipped: 1, the first: {bad}:1"),
    ):
        result = run("reindex", "--source", source, "--index", index)
        assert result.exit_code == 1 and result.output.count("\n") == 1
        assert "nothing to index" in result.output and reason in result.output and "unchanged" in result.output
    assert json.loads(run("search", "داعش", "--index", index, "--json").output)["total"] > 0


def test_a_reindex_out_of_room_keeps_the_live_index_and_says_what_takes_the_room(tmp_path):
    index = tmp_path / "index"
    assert run("reindex", "--source", SEEDS, "--index", index).exit_code == 0
    failed = subprocess.run(
        [sys.executable, "-m", "search_service", "reindex", "--source", SEEDS, "--index", str(index)],
        capture_output=True, text=True, preexec_fn=full_disk(100_000), check=False,
    )
    assert failed.returncode == 1 and "Traceback" not in failed.stderr
    assert "previous index is still live" in failed.stderr and "keeps the live generation and up to 2 before it" in failed.stderr
    assert json.loads(run("search", "داعش", "--index", index, "--json").output)["total"] > 0
    # A first reindex has no index to keep.
    first = subprocess.run(
        [sys.executable, "-m", "search_service", "reindex", "--source", SEEDS, "--index", str(tmp_path / "new")],
        capture_output=True, text=True, preexec_fn=full_disk(100_000), check=False,
    )
    assert first.returncode == 1 and "no index was made" in first.stderr and "still live" not in first.stderr


def test_usage_error_exits_2():
    assert run("reindex", "--no-such-flag").exit_code == 2
    assert run("reindex", "--index", "").exit_code == 2
    assert run("reindex", "--source", "").exit_code == 2  # not the working directory


def test_search_without_an_index_says_how_to_build_one(tmp_path):
    result = run("search", "داعش", "--index", tmp_path / "empty")
    assert result.exit_code == 1 and "search-service reindex" in result.output
    assert result.output.count("\n") == 1


def test_a_search_that_finds_nothing_says_so(seeds_index):
    result = run("search", "كمبيوترات", "--index", seeds_index)
    assert result.exit_code == 0 and result.output.startswith("0 paragraphs found") and "page" not in result.output


def test_a_page_past_the_last_says_so(seeds_index):
    first = run("search", "داعش", "--index", seeds_index).output.splitlines()[0]
    pages = int(first.rsplit(" of ", 1)[1])
    result = run("search", "داعش", "--index", seeds_index, "--page", pages + 1)
    assert result.output.splitlines()[0].endswith(f"page {pages + 1} of {pages}: past the last")


def test_a_first_reindex_of_no_document_makes_no_index(tmp_path):
    result = run("reindex", "--source", write_jsonl(tmp_path / "none.jsonl", []), "--index", tmp_path / "index")
    assert result.exit_code == 1 and result.output.count("\n") == 1
    assert "nothing to index" in result.output and "no index was made" in result.output
    assert "search-service reindex" in run("search", "داعش", "--index", tmp_path / "index").output


def test_search_on_an_index_of_another_analysis_answers_and_warns(tmp_path):
    index = built_with_another_analysis(build_index(tmp_path / "index"))
    result = subprocess.run(
        [sys.executable, "-m", "search_service", "search", "داعش", "--index", str(index)], capture_output=True, text=True,
    )
    assert result.returncode == 0 and "paragraphs found" in result.stdout
    assert result.stderr.count("\n") == 1 and f"search-service reindex --index {index}" in result.stderr


def test_search_shows_one_result_per_document_when_asked(seeds_index):
    result = run("search", "وزراء الخارجية", "--collapse", "document", "--index", seeds_index, "--json")
    documents = [r["document"]["id"] for r in json.loads(result.output)["results"]]
    assert result.exit_code == 0 and len(documents) == len(set(documents)) == 5
    printed = run("search", "وزراء الخارجية", "--collapse", "document", "--index", seeds_index)
    assert printed.output.startswith("39 paragraphs found, 5 results") and "stands for 12 matching paragraphs" in printed.output


def test_a_query_may_begin_with_a_minus_and_a_mistyped_option_is_still_an_error(seeds_index):
    excluding = run("search", "-سوريا التحالف", "--index", seeds_index, "--json")
    found = json.loads(excluding.output)
    assert excluding.exit_code == 0 and found["total"] and not any("سوريا" in r["text"] for r in found["results"])
    assert run("search", "داعش", "--limt", "5", "--index", seeds_index).exit_code == 2


def test_bad_query_is_a_one_line_error(seeds_index):
    result = run("search", '"داعش', "--index", seeds_index)
    assert result.exit_code == 1 and "quote" in result.output and result.output.count("\n") == 1


def test_search_prints_ranked_paragraphs(seeds_index):
    result = run("search", "التحالف الدولي", "--index", seeds_index, "--limit", 3)
    assert result.exit_code == 0 and "1. " in result.output and "3. " in result.output


def test_search_lists_as_many_republished_copies_as_asked(seeds_index):
    every = run("search", "الناتو 18 فبراير", "--index", seeds_index, "--limit", 1)
    counted = run("search", "الناتو 18 فبراير", "--index", seeds_index, "--limit", 1, "--max-duplicates", 0)
    assert "also in: 000_b0b6bfff154b50a2#8\n" in every.output and "also in: 1 more\n" in counted.output
    assert run("search", "الناتو", "--max-duplicates", -1, "--index", seeds_index).exit_code == 2


def test_search_says_which_other_names_of_a_month_it_found(seeds_index):
    result = run("search", "الناتو 18 شباط", "--index", seeds_index)
    assert result.exit_code == 0 and "شباط also found: فبراير, فيفري" in result.output


def test_search_sorts_newest_first_and_refuses_an_unknown_order(seeds_index):
    body = json.loads(run("search", "داعش", "--sort", "date", "--json", "--limit", 100, "--index", seeds_index).output)
    dates = [r["document"]["date"] or "" for r in body["results"]]
    assert dates == sorted(dates, reverse=True) and dates[0] == "2024-03-29"
    refused = run("search", "داعش", "--sort", "newest", "--index", seeds_index)
    assert refused.exit_code == 2 and "'relevance', 'date'" in refused.output


def test_search_json_prints_the_body_of_the_api(seeds_index, live_server):
    query = "وزراء الخارجية"
    printed = json.loads(run("search", query, "--json", "--index", seeds_index).output)
    with urllib.request.urlopen(f"{live_server}/api/search?q={urllib.parse.quote(query)}") as response:
        served = json.loads(response.read())
    printed.pop("took_ms"), served.pop("took_ms")
    assert printed == served


def test_search_filters_by_source_and_dates_as_the_api_does(seeds_index, live_server):
    source = "بوابة روزا اليوسف"
    options = ["--source", source, "--date-from", "1445-09-01", "--date-to", "2024-12-31"]  # a Hijri day, 2024-03-11
    printed = json.loads(run("search", "داعش", "--json", *options, "--index", seeds_index).output)
    params = {"q": "داعش", "source": source, "date_from": "1445-09-01", "date_to": "2024-12-31"}
    with urllib.request.urlopen(f"{live_server}/api/search?" + urllib.parse.urlencode(params)) as response:
        served = json.loads(response.read())
    printed.pop("took_ms"), served.pop("took_ms")
    assert printed == served
    assert printed["results"] and {r["document"]["source"] for r in printed["results"]} == {source}
    assert json.loads(run("search", "داعش", "--json", "--date-from", "2025-01-01", "--index", seeds_index).output)["total"] == 0


@pytest.mark.parametrize(
    "options, message",
    [
        (["--date-from", "2024-13-01"], "'2024-13-01' is not a day written YYYY-MM-DD"),
        (["--date-from", "2024-05-01", "--date-to", "2024-01-01"], "date_from must not be after date_to"),
    ],
)
def test_search_refuses_a_wrong_date_with_a_usage_error(seeds_index, options, message):
    result = run("search", "داعش", *options, "--index", seeds_index)
    assert result.exit_code == 2 and message in result.output


@pytest.mark.parametrize(
    "query, options, params",
    [('"داعش', [], {}), ("داعش", ["--page", 200, "--limit", 10], {"page": 200, "per_page": 10})],
    ids=["refused query", "page too deep"],
)
def test_search_json_prints_the_error_body_of_the_api(seeds_index, live_server, query, options, params):
    printed = run("search", query, "--json", *options, "--index", seeds_index)
    with pytest.raises(urllib.error.HTTPError) as answer:
        urllib.request.urlopen(f"{live_server}/api/search?" + urllib.parse.urlencode({"q": query, **params}))
    assert printed.exit_code == 1 and printed.output.encode() == answer.value.read()  # the same bytes, keys in the same order


def test_batch_search_says_which_queries_it_refused_and_where_it_cannot_write(seeds_index, tmp_path):
    queries = tmp_path / "q.tsv"
    queries.write_text("1\tالتحالف\n2\t" + " ".join(f"كلمة{n}" for n in range(70)) + "\n", encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "search_service", "search", "--queries", queries, "--run", tmp_path / "run.txt", "--index", seeds_index],
        capture_output=True, text=True,
    )
    assert result.returncode == 0 and "query 2 ranks nothing: the query has too many words" in result.stderr
    assert "for 2 queries (1 found nothing)" in result.stdout
    assert {line.split()[0] for line in (tmp_path / "run.txt").read_text().splitlines()} == {"1"}
    nowhere = run("search", "--queries", queries, "--run", tmp_path / "missing" / "run.txt", "--index", seeds_index)
    assert nowhere.exit_code == 1 and "cannot write the run" in nowhere.output and "Traceback" not in nowhere.output


def test_options_of_the_other_search_mode_are_refused_not_ignored(seeds_index, tmp_path):
    (tmp_path / "q.tsv").write_text("1\tداعش\n", encoding="utf-8")
    one = run("search", "العراق", "--k", "5", "--index", seeds_index)
    assert one.exit_code == 2 and "a search of one QUERY does not take --k" in one.output
    batch = run(
        "search", "--queries", tmp_path / "q.tsv", "--run", tmp_path / "r.txt", "--json", "--limit", "5", "--source", "seeds", "--index", seeds_index,
    )
    assert batch.exit_code == 2 and "batch mode (--queries and --run) does not take --json, --limit, --source" in batch.output
    assert not (tmp_path / "r.txt").exists()


def test_a_batch_run_can_be_written_to_standard_output(seeds_index, tmp_path):
    (tmp_path / "q.tsv").write_text("1\tداعش\n", encoding="utf-8")
    result = run("search", "--queries", tmp_path / "q.tsv", "--run", "-", "--k", "2", "--index", seeds_index)
    assert result.exit_code == 0 and [line.split()[:2] for line in result.stdout.splitlines()] == [["1", "Q0"]] * 2
    assert "wrote 2 lines for 1 query to standard output" in result.stderr


def test_a_document_id_of_two_words_is_left_out_of_a_trec_run_with_a_warning(tmp_path):
    records = [{"id": "doc one", "text": "نص عن الاقتصاد"}, {"id": "doc2", "text": "الاقتصاد والتجارة"}]
    index = build_index(tmp_path / "index", write_jsonl(tmp_path / "c.jsonl", records))
    (tmp_path / "q.tsv").write_text("1\tالاقتصاد\n", encoding="utf-8")
    result = run("search", "--queries", tmp_path / "q.tsv", "--run", tmp_path / "run.txt", "--index", index)
    assert result.exit_code == 0 and "1 document left out of the run" in result.stderr and "'doc one'" in result.stderr
    assert "wrote 1 line for 1 query" in result.stdout
    assert [line.split()[:4] for line in (tmp_path / "run.txt").read_text().splitlines()] == [["1", "Q0", "doc2", "1"]]
    # A query whose only document is left out found it all the same.
    (tmp_path / "q.tsv").write_text("1\tنص\n", encoding="utf-8")
    result = run("search", "--queries", tmp_path / "q.tsv", "--run", tmp_path / "run.txt", "--index", index)
    assert "wrote 0 lines for 1 query to" in result.stdout and "found nothing" not in result.stdout


def test_batch_search_writes_a_trec_run_and_evaluate_scores_it(seeds_index, tmp_path):
    queries = tmp_path / "q.tsv"
    queries.write_text("1\tموزمبيق\n2\tالتحالف الدولي\n", encoding="utf-8")
    qrels = tmp_path / "qrels.txt"
    qrels.write_text("1 0 001_93b21bcfa360256c 1\n", encoding="utf-8")
    run_file = tmp_path / "run.txt"
    result = run("search", "--queries", queries, "--run", run_file, "--k", 3, "--index", seeds_index)
    assert result.exit_code == 0, result.output
    lines = [line.split() for line in run_file.read_text(encoding="utf-8").splitlines()]
    assert lines[0][:4] == ["1", "Q0", "001_93b21bcfa360256c", "1"]
    assert len([line for line in lines if line[0] == "2"]) == 3
    result = run("evaluate", "--queries", queries, "--qrels", qrels, "--index", seeds_index)
    assert result.exit_code == 0 and "MRR@10" in result.output and "1.0000" in result.output
    # The written run, scored as any system's run, gives the same figures.
    scored = run("evaluate", "--score-run", run_file, "--qrels", qrels)
    assert scored.exit_code == 0 and scored.output.splitlines()[2].split("|")[2:] == result.output.splitlines()[2].split("|")[2:]
    assert run("evaluate", "--score-run", run_file, "--queries", queries, "--qrels", qrels).exit_code == 2
    # A query the qrels judge but the file does not ask is not scored (as a zero).
    (tmp_path / "all.txt").write_text("1 0 001_93b21bcfa360256c 1\n3 0 002_db66337763f26236 1\n", encoding="utf-8")
    assert run("evaluate", "--queries", queries, "--qrels", tmp_path / "all.txt", "--index", seeds_index).output == result.output
    (tmp_path / "other.txt").write_text("9 0 002_db66337763f26236 1\n", encoding="utf-8")
    unjudged = run("evaluate", "--queries", queries, "--qrels", tmp_path / "other.txt", "--index", seeds_index)
    assert unjudged.exit_code == 1 and "judges no document relevant for the queries" in unjudged.output
    # Judged, but nothing relevant: every average would be 0.
    for judged in ("1 0 001_93b21bcfa360256c 0\n", "1 0 -1 1\n"):  # judged irrelevant; "no answer" (-1)
        (tmp_path / "irrelevant.txt").write_text(judged, encoding="utf-8")
        irrelevant = run("evaluate", "--queries", queries, "--qrels", tmp_path / "irrelevant.txt", "--index", seeds_index)
        assert irrelevant.exit_code == 1 and "judges no document relevant" in irrelevant.output
    # A run of other queries than those judged.
    other_run = run("evaluate", "--score-run", run_file, "--qrels", tmp_path / "other.txt")
    assert other_run.exit_code == 1 and f"for the queries of {run_file}" in other_run.output
