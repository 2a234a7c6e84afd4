"""Batch ranking of documents for evaluation: each document ranked by its best paragraph.

Documents are ranked as the search API ranks paragraphs (the same query, first stage and rescoring),
with a document's paragraphs as the group a result stands for.
"""

import logging

from search_service.indexing import schema as index_schema
from search_service.search.collection import collect
from search_service.search.query import QueryError, parse_query, query_words
from search_service.search import ranking

log = logging.getLogger(__name__)


def _parse_leniently(text, schema):
    """Questions are read as written; if the service refuses one, as its plain words. Raises the
    ``QueryError`` of the plain words when it refuses those too."""
    try:
        return text, parse_query(text, schema)
    except QueryError:
        words = " ".join(query_words(text.replace('"', " ")))
        return words, parse_query(words, schema)


def rank_documents(live_index, queries, k):
    """For each ``(qid, text)``, up to ``k`` ``(document id, score)`` pairs, best first; a query the
    service refuses even as plain words, or stops at its time limit, ranks nothing, and is logged
    as a warning with the reason."""
    rankings = {}
    with live_index.searcher(weighting=ranking.weighting()) as searcher:
        for qid, text in queries:
            try:
                text, parsed = _parse_leniently(text, searcher.schema)
                collected = collect(
                    searcher, parsed, max(k, ranking.RESCORE_WINDOW), index_schema.DOCUMENT_ID, **ranking.rescoring_window(index_schema.DOCUMENT_ID),
                )
            except QueryError as error:
                log.warning("query %s ranks nothing: %s", qid, error)
                rankings[qid] = []
                continue
            ranked = ranking.rescore_groups(searcher, text, collected, index_schema.DOCUMENT_ID)[:k]
            rankings[qid] = [(searcher.stored_fields(docnum)[index_schema.DOCUMENT_ID], score) for docnum, score in ranked]
    return rankings
