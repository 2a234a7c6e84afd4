"""Batch ranking of documents for evaluation: each document ranked by its best paragraph."""

from search_service.indexing import schema as fields
from search_service.search.query import QueryError, parse_query, query_words
from search_service.search.ranking import weighting

#: Paragraphs fetched per wanted document, so that k distinct documents are found.
PARAGRAPHS_PER_DOCUMENT = 3


def _parse_leniently(text, schema):
    """Questions are read as written; if the service refuses one, as its plain words."""
    try:
        return parse_query(text, schema)
    except QueryError:
        try:
            return parse_query(" ".join(query_words(text.replace('"', " "))), schema)
        except QueryError:
            return None


def rank_documents(live_index, queries, k):
    """For each ``(qid, text)``, up to ``k`` ``(document id, score)`` pairs, best first."""
    rankings = {}
    with live_index.searcher(weighting=weighting()) as searcher:
        for qid, text in queries:
            parsed = _parse_leniently(text, searcher.schema)
            best = {}
            if parsed is not None:
                for hit in searcher.search(parsed, limit=k * PARAGRAPHS_PER_DOCUMENT):
                    best.setdefault(hit[fields.DOCUMENT_ID], hit.score)
                    if len(best) == k:
                        break
            rankings[qid] = list(best.items())
    return rankings
