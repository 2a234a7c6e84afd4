"""The ``search-service`` command line: reindex, serve, search, evaluate, export, bench."""

import collections
import functools
import logging
import sys
import time

import click

from search_service import __version__, config
from search_service.benchmark import WARMUP_QUERIES, evaluation_corpora, format_report, read_questions, run_benchmark
from search_service.evaluation import (
    METRICS, EvaluationInputError, evaluate, format_table, read_qrels, read_queries, read_run, relevant_documents, runnable, write_run,
)
from search_service.evaluation_sets import DEPTH, evaluate_set
from search_service.export import ExportError, export_index
from search_service.indexing import IndexNotFound, LiveIndex, ReindexError, reindex
from search_service.indexing.store import CURRENT
from search_service.ingest.documents import SkippedRecord
from search_service.ingest.metadata import numeric_date
from search_service.ingest.sources import FILE_TYPES, file_types_text
from search_service.search import COLLAPSES, DEFAULT_COLLAPSE, MAX_PER_PAGE, SORTS, QueryError, SearchRequest, search
from search_service.search.runs import rank_documents

#: ``reindex`` exit status when the new index is live but some records were skipped.
EXIT_PARTIAL = 3
#: ``search``'s options for one query, which batch mode does not take.
SEARCH_ONLY_OPTIONS = {"limit", "page", "sort", "collapse", "max_duplicates", "as_json", "sources", "date_from", "date_to"}


def _not_empty(context, parameter, value):
    if value == "" or (isinstance(value, tuple) and "" in value):
        raise click.BadParameter("give a path, not an empty one")
    return value


def _sources(context, parameter, value):
    """``--source`` paths; ``SEARCH_SERVICE_SOURCES`` may hold empty entries, which ``config.sources`` leaves out."""
    if context.get_parameter_source(parameter.name) is click.core.ParameterSource.ENVIRONMENT:
        return value
    return _not_empty(context, parameter, value)


class _Date(click.ParamType):
    """A ``YYYY-MM-DD`` date, Gregorian or Hijri, as ``GET /api/search`` takes it (``numeric_date``)."""

    name = "YYYY-MM-DD"

    def convert(self, value, parameter, context):
        date = numeric_date(value)
        if date is None:
            self.fail(f"{value!r} is not a day written YYYY-MM-DD (a year from 1343 to 1500 is Hijri)", parameter, context)
        return date


index_option = click.option(
    "--index", "index_dir", type=click.Path(file_okay=False), envvar="SEARCH_SERVICE_INDEX", callback=_not_empty,
    default=str(config.DEFAULT_INDEX_DIR), show_default="index/", help="Index directory (env SEARCH_SERVICE_INDEX).",
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="search-service")
def main():
    """Full-text search for Arabic text.

    Example: search-service reindex && search-service search "وزراء الخارجية"
    """


@main.command("reindex")
@click.option(
    "--source", "sources", multiple=True, type=click.Path(), envvar="SEARCH_SERVICE_SOURCES", callback=_sources,
    help="File or directory (.txt, .jsonl, .html, .htm); repeatable. Default: SEARCH_SERVICE_SOURCES (paths separated by :), else seeds/.",
)
@index_option
def reindex_command(sources, index_dir):
    """Build a new index from the sources and swap it in atomically.

    Exit status: 0 all records indexed (a field left out of some, a date no publication has, is
    reported); 3 indexed, some records skipped; 1 failed (old index kept); 2 usage error.

    Example: search-service reindex --source corpus.jsonl --source articles/
    """
    sources = config.sources(sources)
    progress = _Progress()
    try:
        summary = reindex(sources, index_dir, on_progress=functools.partial(progress, "indexing paragraphs"))
    except ReindexError as error:
        raise click.ClickException(str(error)) from None
    finally:
        progress.close()
    for report in summary.reports:
        click.echo(f"{'skipped' if isinstance(report, SkippedRecord) else 'left out'} {report}", err=True)
    if summary.other_files:
        kinds = file_types_text(summary.other_files)
        click.echo(f"left out files of types no reader handles ({FILE_TYPES} are read): {kinds}", err=True)
    click.echo(
        f"indexed {_counted(summary.documents, 'document')}, {_counted(summary.paragraphs, 'paragraph')} "
        f"({summary.duplicates} in near-duplicate groups), skipped {_counted(len(summary.skipped), 'record')}"
        f"{_indexed_without(summary.left_out)}, in {summary.seconds:.1f} s -> {index_dir} ({summary.generation})"
    )
    if summary.skipped:
        sys.exit(EXIT_PARTIAL)


@main.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.option(
    "--workers", type=click.IntRange(1, 64), help="Worker processes.  [default: one per core]",
)
@click.option("--threads", default=2, show_default=True, type=click.IntRange(1, 64), help="Threads per worker process.")
@index_option
def serve_command(host, port, workers, threads, index_dir):
    """Serve the HTTP API, search page and widget with a production WSGI server (gunicorn).

    Access logs go to stderr as JSON lines. SIGTERM stops it gracefully (requests in progress are
    finished first), Ctrl-C at once.

    Example: search-service serve --host 0.0.0.0 --port 8000
    """
    from search_service.api import create_app
    from search_service.api.server import check_address, serve

    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stderr)
    try:
        create_app({"INDEX": index_dir})  # each worker builds its own; a bad setting stops here, once
    except ValueError as error:
        raise click.ClickException(str(error)) from None
    try:
        LiveIndex(index_dir).info()
    except IndexNotFound as error:
        click.echo(f"warning: {error}; searches answer 503 until then", err=True)
    try:
        check_address(host, port)
    except OSError as error:
        raise click.ClickException(f"cannot serve on {host}:{port}: {error.strerror or error}") from None
    click.echo(f"serving on http://{host}:{port} (index {index_dir})", err=True)
    serve(index_dir, host, port, workers, threads)


# A query may begin with - (-سوريا التحالف): an option the command does not know is read as the query.
@main.command("search", context_settings={"ignore_unknown_options": True})
@click.argument("query", required=False)
@click.option("--limit", default=10, show_default=True, type=click.IntRange(1, MAX_PER_PAGE), help="Results to show.")
@click.option("--page", default=1, show_default=True, type=click.IntRange(min=1))
@click.option(
    "--sort", type=click.Choice(SORTS), default=SORTS[0], show_default=True,
    help="relevance, or date: newest first, then by relevance.",
)
@click.option(
    "--collapse", type=click.Choice(tuple(COLLAPSES)), default=DEFAULT_COLLAPSE, show_default=True,
    help="duplicates: one result per paragraph and its republished copies; document: one per document.",
)
@click.option("--max-duplicates", type=click.IntRange(min=0), help="List at most N of a result's republished copies (default: all).")
@click.option("--source", "sources", multiple=True, metavar="NAME", help="Only results of this source (repeatable; its name as results show it).")
@click.option("--date-from", type=_Date(), help="Only results dated this day or later (a year from 1343 to 1500 is Hijri).")
@click.option("--date-to", type=_Date(), help="Only results dated this day or earlier.")
@click.option("--json", "as_json", is_flag=True, help="Print exactly the body GET /api/search returns.")
@click.option("--queries", type=click.Path(exists=True, dir_okay=False), help="Batch mode: a TSV of qid<TAB>query.")
@click.option("--run", "run_path", type=click.Path(dir_okay=False, writable=True, allow_dash=True), help="Batch mode: write a TREC run here (- for standard output).")
@click.option("--k", default=100, show_default=True, type=click.IntRange(1, 1000), help="Batch mode: documents per query.")
@index_option
@click.pass_context
def search_command(
    context, query, limit, page, sort, collapse, max_duplicates, sources, date_from, date_to, as_json, queries, run_path, k, index_dir,
):
    """Search the index and print ranked paragraphs.

    Examples: search-service search "التحالف الدولي" --json;
    search-service search "داعش" --source "بوابة روزا اليوسف" --date-from 2024-01-01;
    search-service search --queries q.tsv --run run.txt
    """
    given = {name for name in context.params if context.get_parameter_source(name) is click.core.ParameterSource.COMMANDLINE}
    live = LiveIndex(index_dir)
    if queries or run_path:
        if not (queries and run_path) or query:
            raise click.UsageError("batch mode takes --queries FILE and --run OUT, and no QUERY")
        _refuse_options_of_the_other_mode(context, given & SEARCH_ONLY_OPTIONS, "batch mode (--queries and --run)")
        rankings = _or_fail(lambda: rank_documents(live, read_queries(queries), k))
        empty = sum(1 for ranked in rankings.values() if not ranked)  # before the documents a run cannot name are left out
        written = sum(map(len, _write_run(run_path, rankings).values()))
        found_nothing = f" ({empty} found nothing)" if empty else ""
        lines = _counted(written, "line")
        target = "standard output" if run_path == "-" else run_path
        click.echo(f"wrote {lines} for {_counted(len(rankings), 'query', 'queries')}{found_nothing} to {target}", err=run_path == "-")
        return
    if not query:
        raise click.UsageError("give a QUERY, or --queries and --run for batch mode")
    _refuse_options_of_the_other_mode(context, given & {"k"}, "a search of one QUERY")
    try:
        request = SearchRequest(
            q=query, page=page, per_page=limit, sources=sources, date_from=date_from, date_to=date_to, sort=sort, collapse=collapse,
            max_duplicates=max_duplicates,
        )
    except ValueError as error:  # the checks across options: --date-from after --date-to
        raise click.UsageError(str(error)) from None
    if as_json:
        _print_json(live, request)
        return
    _print_page(_or_fail(lambda: search(live, request)))


def _refuse_options_of_the_other_mode(context, names, mode):
    """A usage error naming the options given that ``mode`` does not take, rather than ignoring them."""
    if names:
        options = sorted(param.opts[0] for param in context.command.params if param.name in names)
        raise click.UsageError(f"{mode} does not take {', '.join(options)}")


def _print_json(live, request):
    """The body ``GET /api/search`` answers, a refused query's error body included (exit 1)."""
    from search_service.api import errors, schemas

    try:
        result = search(live, request)
    except QueryError as error:
        click.echo(schemas.to_json(errors.query_error_body(error)), nl=False)
        sys.exit(1)
    except IndexNotFound as error:
        raise click.ClickException(str(error)) from None
    click.echo(schemas.to_json(schemas.SearchPage().dump(result)), nl=False)


def _write_run(path, rankings):
    """Write ``rankings`` as a TREC run and return the rankings written. A document whose id is not
    one word (a file named ``my notes.txt``) is left out, with a warning (``evaluation.runnable``)."""
    rankings, spaced = runnable(rankings)
    if spaced:
        named = ", ".join(map(repr, spaced[:3])) + (", ..." if len(spaced) > 3 else "")
        click.echo(f"warning: {_counted(len(spaced), 'document')} left out of the run, as a TREC run cannot hold an id with spaces: {named}", err=True)
    try:
        write_run(sys.stdout if path == "-" else path, rankings, tag="search-service")
    except OSError as error:
        raise click.ClickException(f"cannot write the run to {path}: {error.strerror}") from None
    return rankings


def _counted(number, noun, plural=None):
    """``1 document``, ``2 documents``."""
    return f"{number} {noun if number == 1 else plural or noun + 's'}"


def _indexed_without(left_out):
    """The records indexed with a field left out, counted by field as the reindex summary adds them:
    ``, 1 record indexed without its date``; nothing when there are none."""
    counts = collections.Counter(record.field for record in left_out)
    return "".join(
        f", {_counted(count, 'record')} indexed without {'its' if count == 1 else 'their'} {field}" for field, count in counts.items()
    )


def _or_fail(action):
    try:
        return action()
    except (QueryError, IndexNotFound, EvaluationInputError) as error:
        raise click.ClickException(str(error)) from None


def _print_page(page):
    pages = ""
    if page.pages:
        pages = f", page {page.page} of {page.pages}" + (": past the last" if page.page > page.pages else "")
    click.echo(f"{_counted(page.total, 'paragraph')} found, {_counted(page.groups, 'result')} ({page.took_ms} ms){pages}")
    if page.suggestion:
        click.echo(f"did you mean: {page.suggestion}")
    for found in page.synonyms:
        click.echo(f"{found['word']} also found: {', '.join(found['synonyms'])}")
    for rank, result in enumerate(page.results, start=(page.page - 1) * page.per_page + 1):
        document = result["document"]
        meta = " · ".join(filter(None, [document["title"], document["source"], document["date"]]))
        click.echo(f"\n{rank}. {result['id']}  score {result['score']}  {meta}")
        click.echo("   " + result["text"][:300])
        if result["matched_paragraphs"] > 1:
            click.echo(f"   stands for {result['matched_paragraphs']} matching paragraphs (itself and those collapsed into it)")
        if result["duplicate_count"]:
            unlisted = result["duplicate_count"] - len(result["duplicates"])
            more = [f"{unlisted} more"] if unlisted else []
            click.echo("   also in: " + ", ".join([d["id"] for d in result["duplicates"]] + more))


@main.command("evaluate")
@click.option("--collection", "collections", multiple=True, type=click.Path(exists=True, file_okay=False),
              help="An evaluation set folder (corpus.jsonl, queries.<split>.tsv, qrels.<split>.txt); repeatable. "
                   "Its corpus is indexed in a temporary directory unless --index DIR is given on the command line.")
@click.option("--split", "splits", multiple=True, help="Split of --collection to score; repeatable. Default: every split.")
@click.option("--queries", type=click.Path(exists=True, dir_okay=False), help="TSV of qid<TAB>query (with --qrels).")
@click.option("--qrels", type=click.Path(exists=True, dir_okay=False), help="TREC qrels: qid 0 docid rel (with --queries).")
@click.option("--run", "run_path", type=click.Path(dir_okay=False, writable=True), help="With --queries: also write the TREC run here.")
@click.option("--score-run", "scored_run", type=click.Path(exists=True, dir_okay=False),
              help="With --qrels: score this TREC run (from this service or any other system) instead of searching.")
@index_option
@click.pass_context
def evaluate_command(context, collections, splits, queries, qrels, run_path, scored_run, index_dir):
    """Rank documents for each query and print MAP@10, MRR@10, nDCG@10, Recall@10, Recall@100, P@1.

    Examples: search-service evaluate --collection ../shared/eval/qqa23 --collection ../shared/eval/arcd;
    search-service evaluate --queries ../shared/eval/arcd/queries.train.tsv
    --qrels ../shared/eval/arcd/qrels.train.txt --index /tmp/arcd-index;
    search-service evaluate --score-run lucene.run --qrels ../shared/eval/arcd/qrels.train.txt
    """
    if [bool(collections), bool(queries), bool(scored_run)].count(True) != 1 or bool(qrels) == bool(collections):
        raise click.UsageError("give --collection DIR, --queries FILE with --qrels FILE, or --score-run FILE with --qrels FILE")
    if run_path and not queries:
        raise click.UsageError("--run goes with --queries and --qrels")
    if scored_run:
        judged, rankings = _or_fail(lambda: (read_qrels(qrels), read_run(scored_run)))
        _require_relevant(judged, rankings, qrels, scored_run)
        click.echo(format_table({scored_run: evaluate(rankings, judged)}), nl=False)
        return
    if collections:
        given = context.get_parameter_source("index_dir") is click.core.ParameterSource.COMMANDLINE
        if given and len(collections) > 1:
            raise click.UsageError("--index goes with one --collection (each set has its own corpus)")
        results = {}
        for folder in collections:
            results |= _or_fail(lambda: evaluate_set(folder, splits, index_dir if given else None))
        click.echo(format_table(results, label="set"), nl=False)
        if given:
            _warn_if_nothing_relevant(results, index_dir)
        return
    judged, asked = _or_fail(lambda: (read_qrels(qrels), read_queries(queries)))
    rankings = _or_fail(lambda: rank_documents(LiveIndex(index_dir), asked, k=DEPTH))
    if run_path:
        _write_run(run_path, rankings)
    # Only the queries asked are scored: qrels often judge a whole collection's queries.
    asked_ids = {qid for qid, _ in asked}
    judged = {qid: judgements for qid, judgements in judged.items() if qid in asked_ids}
    _require_relevant(judged, asked_ids, qrels, queries)
    results = {queries: evaluate(rankings, judged)}
    click.echo(format_table(results), nl=False)
    _warn_if_nothing_relevant(results, index_dir)


def _require_relevant(judged, qids, qrels, named):
    """Fail where ``qrels`` judge no document relevant for any of ``qids`` (those of ``named``, a
    file of queries or a run): every average would be 0."""
    if not any(relevant_documents(judged.get(qid, {})) for qid in qids):
        raise click.ClickException(f"{qrels} judges no document relevant for the queries of {named}: are they the same set's?")


def _warn_if_nothing_relevant(results, index_dir):
    """Say so on stderr where a set's queries found no relevant document at all: the index is
    likely not of its corpus."""
    for name, metrics in results.items():
        if metrics["queries"] and not any(metrics[metric] for metric in METRICS):
            click.echo(f"warning: {name}: no query found a relevant document; is {index_dir} an index of its corpus?", err=True)


@main.command("export")
@click.option("--output", "output_dir", required=True, type=click.Path(file_okay=False), help="Directory for index.json, documents.ndjson and README.txt.")
@index_option
def export_command(output_dir, index_dir):
    """Export the live index for OpenSearch or Elasticsearch: Arabic analyzers, mappings, bulk file.

    Example: search-service export --output opensearch/ && cat opensearch/README.txt
    """
    try:
        summary = export_index(index_dir, output_dir)
    except (IndexNotFound, ExportError) as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"exported {summary.paragraphs} paragraphs ({summary.generation}) to {output_dir}: index.json, documents.ndjson, README.txt")


@main.command("bench")
@click.option("--paragraphs", default=200_000, show_default=True, type=click.IntRange(min=10), help="Paragraphs of the generated corpus.")
@click.option("--corpus", type=click.Path(exists=True), help="Benchmark this corpus (.jsonl, .txt or a directory) instead of a generated one.")
@click.option("--index", "index_dir", type=click.Path(file_okay=False), help="Build the benchmark index here and keep it (default: a temporary directory).")
@click.option("--reuse-index", is_flag=True, help="Time queries on the index already in --index, without indexing.")
@click.option("--queries", "query_count", default=1000, show_default=True, type=click.IntRange(min=1), help="Queries timed, alternately without and with snippets, then sent over HTTP.")
@click.option("--http-seconds", default=20.0, show_default=True, type=click.FloatRange(min=0), help="Length of the HTTP load; 0 skips it.")
@click.option("--concurrency", default=8, show_default=True, type=click.IntRange(1, 64), help="HTTP client threads (loopback only).")
@click.option(
    "--warmup", "warmup_count", default=WARMUP_QUERIES, show_default=True, type=click.IntRange(min=0),
    help="Queries other than the timed ones (questions and short queries) sent first, in this process and to the server.",
)
@click.option(
    "--eval-dir", type=click.Path(file_okay=False), default=str(config.PROJECT_DIR.parent / "shared" / "eval"),
    envvar="SEARCH_SERVICE_EVAL_DIR", show_default="../shared/eval",
    help="Evaluation sets (env SEARCH_SERVICE_EVAL_DIR): their sentences build the corpus, their questions are timed.",
)
def bench_command(paragraphs, corpus, index_dir, reuse_index, query_count, http_seconds, concurrency, warmup_count, eval_dir):
    """Measure indexing throughput and memory, query latency and HTTP throughput; print the tables.

    The corpus is the same on every run: paragraphs assembled with a seeded generator from the
    sentences of the evaluation sets (when present) and the seeds. The HTTP load runs
    `search-service serve` on a free port of 127.0.0.1.

    Example: search-service bench --paragraphs 20000 --queries 300 --http-seconds 10
    """
    import pathlib
    import tempfile

    if reuse_index and not index_dir:
        raise click.UsageError("--reuse-index needs --index DIR")
    if index_dir and not reuse_index and (pathlib.Path(index_dir) / CURRENT).exists():
        raise click.UsageError(f"{index_dir} already holds an index: pass --reuse-index to time it, or choose another directory")
    if not read_questions(eval_dir):
        click.echo(f"warning: no evaluation set (*/queries.tsv) under {eval_dir}: only short queries are timed", err=True)
    if not (corpus or reuse_index or evaluation_corpora(eval_dir)):
        click.echo(f"warning: no evaluation corpus (*/corpus.jsonl) under {eval_dir}: the corpus is made of the seeds' sentences alone", err=True)
    progress = _Progress()
    with tempfile.TemporaryDirectory(prefix="search-service-bench-") as work:
        try:
            report = run_benchmark(
                work, index_dir or pathlib.Path(work, "index"), paragraphs, query_count, http_seconds, concurrency,
                corpus=corpus, eval_dir=eval_dir, seeds_dir=config.DEFAULT_SOURCES[0], reuse_index=reuse_index,
                warmup_count=warmup_count, progress=progress,
            )
        except (RuntimeError, IndexNotFound, ReindexError) as error:
            raise click.ClickException(str(error)) from None
        finally:
            progress.close()
    click.echo(format_report(report), nl=False)


class _Progress:
    """Stages of a long command on stderr: one updating line on a terminal, a line every few
    seconds on a pipe (a log). A stage's total is None where it is not known; a stage of nothing
    to do (total 0) is not shown."""

    EVERY_SECONDS = 10

    def __init__(self):
        self.interactive = sys.stderr.isatty()
        self.stage, self.printed = None, 0.0
        self.shown = None  # on a pipe, the (stage, count) of the last line printed
        self.unprinted = None  # on a pipe, a later line of another count, not printed yet
        self.started = time.monotonic()

    def __call__(self, stage, done, total):
        if total == 0:
            return
        now = time.monotonic()
        line = f"[{now - self.started:6.1f} s] {stage}" + (f": {done:,}/{total:,}" if total else " …")
        if self.interactive:
            click.echo("\r" + line.ljust(72), nl=False, err=True)
        elif stage != self.stage or now - self.printed >= self.EVERY_SECONDS:
            if stage != self.stage:
                self._print_unprinted()  # where the stage before ended
            click.echo(line, err=True)
            self.printed, self.shown, self.unprinted = now, (stage, done), None
        elif (stage, done) != self.shown:
            self.unprinted = line
        self.stage = stage

    def _print_unprinted(self):
        if self.unprinted:
            click.echo(self.unprinted, err=True)
            self.unprinted = None

    def close(self):
        """End the progress: the line ends on a terminal; on a pipe, where each stage ended is
        printed (its last count, not the 0/N it began with)."""
        if self.interactive and self.stage:
            click.echo(err=True)
        self._print_unprinted()
