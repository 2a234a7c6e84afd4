"""Batch ranking of documents for evaluation: each document ranked by its best paragraph.

Documents are ranked as the search API ranks paragraphs (the same query, first stage and rescoring),
with a document's paragraphs as the group a result stands for.
"""

from search_service.indexing import schema as fields
from search_service.search.collection import collect
from search_service.search.query import QueryError, parse_query, query_words
from search_service.search import ranking


def _parse_leniently(text, schema):
    """Questions are read as written; if the service refuses one, as its plain words."""
    for attempt in (text, " ".join(query_words(text.replace('"', " ")))):
        try:
            return attempt, parse_query(attempt, schema)
        except QueryError:
            continue
    return text, None


def rank_documents(live_index, queries, k):
    """For each ``(qid, text)``, up to ``k`` ``(document id, score)`` pairs, best first."""
    rankings = {}
    with live_index.searcher(weighting=ranking.weighting()) as searcher:
        for qid, text in queries:
            text, parsed = _parse_leniently(text, searcher.schema)
            if parsed is None:
                rankings[qid] = []
                continue
            collected = collect(searcher, parsed, max(k, ranking.RESCORE_WINDOW), fields.DOCUMENT_ID)
            ranked = ranking.rescore(searcher, text, collected.top)[:k]
            rankings[qid] = [(searcher.stored_fields(docnum)[fields.DOCUMENT_ID], score) for docnum, score in ranked]
    return rankings
