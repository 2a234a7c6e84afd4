"""Evaluation sets on disk, scored in one call.

A set is a folder with ``corpus.jsonl``, and for each split ``queries.<split>.tsv`` and
``qrels.<split>.txt`` (the layout of ``../shared/eval``). Its corpus is indexed in a temporary
directory unless an index is given, and each split is ranked as the service ranks.
"""

import pathlib
import tempfile

from search_service.evaluation import EvaluationInputError, evaluate, read_qrels, read_queries
from search_service.indexing import LiveIndex, ReindexError, reindex
from search_service.search.runs import rank_documents

#: Documents ranked per query (Recall@100 needs 100).
DEPTH = 100


#: Splits listed in this order; others after them, by name.
SPLIT_ORDER = ("train", "dev", "test")


def splits_of(folder):
    """The splits of an evaluation set that have both queries and qrels: train, dev, test, others."""
    folder = pathlib.Path(folder)
    names = [p.name.removeprefix("qrels.").removesuffix(".txt") for p in folder.glob("qrels.*.txt")]
    found = [n for n in names if (folder / f"queries.{n}.tsv").is_file()]
    return sorted(found, key=lambda n: (SPLIT_ORDER.index(n) if n in SPLIT_ORDER else len(SPLIT_ORDER), n))


def _score_splits(live_index, folder, splits):
    results, rankings_all, judged_all = {}, {}, {}
    for split in splits:
        queries = read_queries(folder / f"queries.{split}.tsv")
        judged = read_qrels(folder / f"qrels.{split}.txt")
        rankings = rank_documents(live_index, queries, DEPTH)
        results[f"{folder.name} {split}"] = evaluate(rankings, judged)
        # Keyed by split too: two splits may use the same query ids.
        rankings_all |= {(split, qid): ranking for qid, ranking in rankings.items()}
        judged_all |= {(split, qid): judgements for qid, judgements in judged.items()}
    if len(splits) > 1:
        results[f"{folder.name} {'+'.join(splits)}"] = evaluate(rankings_all, judged_all)
    return results


def evaluate_set(folder, splits=(), index_dir=None):
    """Score ``splits`` (default: all) of the set in ``folder``: ``{"<set> <split>": metrics}``.

    With more than one split, a row for all of them together is added. Without ``index_dir``
    the set's ``corpus.jsonl`` is indexed in a temporary directory first.
    """
    folder = pathlib.Path(folder)
    splits = list(splits) or splits_of(folder)
    if not splits:
        raise EvaluationInputError(f"{folder}: no split with both queries.<split>.tsv and qrels.<split>.txt")
    for split in splits:
        for name in (f"queries.{split}.tsv", f"qrels.{split}.txt"):
            if not (folder / name).is_file():
                raise EvaluationInputError(f"{folder}: no {name} (splits here: {', '.join(splits_of(folder)) or 'none'})")
    if index_dir is not None:
        return _score_splits(LiveIndex(index_dir), folder, splits)
    corpus = folder / "corpus.jsonl"
    if not corpus.is_file():
        raise EvaluationInputError(f"{folder}: no corpus.jsonl to index")
    with tempfile.TemporaryDirectory(prefix=f"eval-{folder.name}-") as temporary:
        try:
            reindex([corpus], temporary)
        except ReindexError as error:
            raise EvaluationInputError(f"{corpus}: {error}") from None
        return _score_splits(LiveIndex(temporary), folder, splits)
