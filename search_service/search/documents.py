"""Whole documents, reassembled from their paragraphs."""

from whoosh import query

from search_service.indexing import schema as index_schema
from search_service.search.query import QueryError
from search_service.search.searcher import document_metadata, matched_terms
from search_service.search.snippets import marked


def get_document(live_index, document_id, q=None):
    """The document with its metadata and paragraphs in order, or None if the id is unknown.

    Each paragraph also has ``marked``: its text as HTML, escaped, with the words the query ``q``
    matches in ``<mark>`` (none without a query, or for a query the service refuses).
    """
    with live_index.searcher() as searcher:
        hits = searcher.search(query.Term(index_schema.DOCUMENT_ID, document_id), limit=None, sortedby=index_schema.POSITION)
        paragraphs = [hit.fields() for hit in hits]
        wanted = set(), set(), ()
        if q:
            try:
                wanted = matched_terms(searcher, q)
            except QueryError:
                pass
    if not paragraphs:
        return None
    return {
        **document_metadata(paragraphs[0]),
        "paragraphs": [
            {
                "id": p[index_schema.ID], "position": p[index_schema.POSITION], "text": p[index_schema.TEXT],
                "marked": marked(p[index_schema.TEXT], *wanted),
            }
            for p in paragraphs
        ],
    }
