"""Relevance evaluation: TREC queries, qrels and runs, and the ranking metrics.

The metrics follow trec_eval (and so ``pytrec_eval`` and ``ir_measures``), at cutoff k:

- ``MAP@10``: AP@k as trec_eval's ``map_cut_k``: the precision at the rank of each relevant
  document found in the top k, summed and divided by the number of relevant documents of the
  query (not by min(relevant, k), so a query with more than k relevant documents cannot reach 1).
- ``MRR@10``: 1 / rank of the first relevant document in the top k, 0 if there is none.
- ``nDCG@10``: gains are the qrels grades, discounted by log2(rank + 1); the ideal ranking is the
  query's judged grades in decreasing order (trec_eval's ``ndcg_cut_k``).
- ``Recall@k``: relevant documents in the top k over the relevant documents of the query.
- ``P@1``: relevant documents in the top k over k.

A document is relevant when its grade is above 0 and its docid is not ``-1`` (the row that marks
a question without an answer). Only queries with at least one relevant document are scored; a
query missing from the run scores 0 on every metric. A ranking is taken in list order (trec_eval
re-sorts by score and breaks ties by docid, so tied scores may rank differently there), and a
document listed twice counts once, at its first rank.
"""

import math
from functools import partial

NO_ANSWER = "-1"


class EvaluationInputError(ValueError):
    """A queries, qrels or run file that cannot be read; the message names the file and line."""


def _lines(path):
    """Yield (line number, text without its line break) for the non-blank lines of a UTF-8 file."""
    try:
        with open(path, encoding="utf-8-sig") as file:
            for number, line in enumerate(file, start=1):
                if line.strip():
                    yield number, line.rstrip("\r\n")
    except UnicodeDecodeError:
        raise EvaluationInputError(f"{path}: not UTF-8 text") from None


def read_queries(path):
    """Read ``qid<TAB>query`` lines into a list of (qid, query) pairs, in file order."""
    queries, seen = [], set()
    for number, line in _lines(path):
        qid, tab, text = line.partition("\t")
        qid, text = qid.strip(), text.strip()
        if qid and len(qid.split()) == 1 and not text:
            raise EvaluationInputError(f"{path}:{number}: query {qid} has no text")
        if not tab or not qid or len(qid.split()) != 1:
            raise EvaluationInputError(f"{path}:{number}: expected 'qid<TAB>query', got {line!r}")
        if qid in seen:
            raise EvaluationInputError(f"{path}:{number}: query {qid} appears twice")
        seen.add(qid)
        queries.append((qid, text))
    return queries


def read_qrels(path):
    """Read TREC qrels ``qid 0 docid rel`` into {qid: {docid: rel}}, every row kept as judged."""
    qrels = {}
    for number, line in _lines(path):
        fields = line.split()
        if len(fields) != 4 or not _parses(int, fields[3]):
            raise EvaluationInputError(f"{path}:{number}: expected 'qid 0 docid rel', got {line!r}")
        qid, _, docid, rel = fields
        judged = qrels.setdefault(qid, {})
        if docid in judged:
            raise EvaluationInputError(f"{path}:{number}: document {docid} judged twice for query {qid}")
        judged[docid] = int(rel)
    return qrels


def runnable(rankings):
    """``(rankings without the documents whose id is not one word, those ids sorted)``: a run's
    columns are split at whitespace, so a run cannot hold them (nor qrels judge them)."""
    spaced = sorted({docid for ranking in rankings.values() for docid, _ in ranking if len(docid.split()) != 1})
    if not spaced:
        return rankings, spaced
    left_out = set(spaced)
    return {qid: [row for row in ranking if row[0] not in left_out] for qid, ranking in rankings.items()}, spaced


def write_run(target, rankings, tag):
    """Write {qid: [(docid, score), ...]} as TREC run lines ``qid Q0 docid rank score tag``.

    ``target`` is a path or a text file; ranks count from 1 in list order. Raises ``ValueError``
    for a tag or a document id that is not one word (a run's columns are split at whitespace).
    """
    if not tag or len(tag.split()) != 1:
        raise ValueError(f"run tag must be one word, got {tag!r}")
    _, spaced = runnable(rankings)
    if spaced:
        raise ValueError(f"document id {spaced[0]!r} is not one word, which a TREC run cannot hold")
    lines = [
        f"{qid} Q0 {docid} {rank} {float(score)} {tag}\n"
        for qid, ranking in rankings.items()
        for rank, (docid, score) in enumerate(ranking, start=1)
    ]
    if hasattr(target, "write"):
        target.writelines(lines)
    else:
        with open(target, "w", encoding="utf-8") as file:
            file.writelines(lines)


def read_run(path):
    """Read a TREC run into {qid: [(docid, score), ...]}, each ranking ordered as trec_eval orders
    it: by decreasing score, equal scores by decreasing document id (the rank column is not read)."""
    ranked = {}
    for number, line in _lines(path):
        fields = line.split()
        if len(fields) != 6 or not _parses(int, fields[3]) or not _parses(float, fields[4]):
            raise EvaluationInputError(f"{path}:{number}: expected 'qid Q0 docid rank score tag', got {line!r}")
        qid, _, docid, rank, score, _ = fields
        rows = ranked.setdefault(qid, {})
        if docid in rows:
            raise EvaluationInputError(f"{path}:{number}: document {docid} ranked twice for query {qid}")
        rows[docid] = (int(rank), float(score))
    return {
        qid: [(docid, score) for docid, (_, score) in sorted(rows.items(), key=lambda row: (row[1][1], row[0]), reverse=True)]
        for qid, rows in ranked.items()
    }


def _parses(convert, text):
    try:
        convert(text)
    except ValueError:
        return False
    return True


def average_precision(ranked, relevant, k):
    """AP@k over all relevant documents of the query (trec_eval ``map_cut_k``)."""
    found, total = 0, 0.0
    for rank, docid in enumerate(ranked[:k], start=1):
        if docid in relevant:
            found += 1
            total += found / rank
    return total / len(relevant)


def reciprocal_rank(ranked, relevant, k):
    """1 / rank of the first relevant document in the top k, else 0."""
    return next((1 / rank for rank, docid in enumerate(ranked[:k], start=1) if docid in relevant), 0.0)


def _dcg(gains):
    return sum(gain / math.log2(rank + 1) for rank, gain in enumerate(gains, start=1))


def ndcg(ranked, relevant, k):
    """nDCG@k with the grades as gains and the ideal ranking taken from the qrels."""
    ideal = sorted(relevant.values(), reverse=True)[:k]
    return _dcg(relevant.get(docid, 0) for docid in ranked[:k]) / _dcg(ideal)


def recall(ranked, relevant, k):
    """Share of the relevant documents found in the top k."""
    return sum(docid in relevant for docid in ranked[:k]) / len(relevant)


def precision(ranked, relevant, k):
    """Share of the top k that is relevant; a shorter ranking still divides by k."""
    return sum(docid in relevant for docid in ranked[:k]) / k


METRICS = {
    "MAP@10": partial(average_precision, k=10),
    "MRR@10": partial(reciprocal_rank, k=10),
    "nDCG@10": partial(ndcg, k=10),
    "Recall@10": partial(recall, k=10),
    "Recall@100": partial(recall, k=100),
    "P@1": partial(precision, k=1),
}


def relevant_documents(judged):
    """Of one query's judgements {docid: rel}, the relevant documents (not the "no answer" mark)."""
    return {docid: rel for docid, rel in judged.items() if rel > 0 and docid != NO_ANSWER}


def per_query(rankings, qrels):
    """Score each query that has a relevant document: {qid: {metric: value}}."""
    scores = {}
    for qid, judged in qrels.items():
        relevant = relevant_documents(judged)
        if relevant:
            ranked = list(dict.fromkeys(docid for docid, _ in rankings.get(qid, ())))
            scores[qid] = {name: metric(ranked, relevant) for name, metric in METRICS.items()}
    return scores


def evaluate(rankings, qrels):
    """Average every metric over the queries with a relevant document; ``queries`` counts them."""
    scores = list(per_query(rankings, qrels).values())
    means = {name: sum(s[name] for s in scores) / len(scores) if scores else 0.0 for name in METRICS}
    return means | {"queries": len(scores)}


def format_table(named_results, label="run"):
    """Render {name: evaluate(...) result} as a markdown table, one row per name, 4 decimals."""
    header = [label, "queries", *METRICS]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for name, results in named_results.items():
        cells = [name, str(results["queries"]), *(f"{results[metric]:.4f}" for metric in METRICS)]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"
