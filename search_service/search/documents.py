"""Whole documents, reassembled from their paragraphs."""

from whoosh import query

from search_service.indexing import schema as fields
from search_service.search.searcher import document_metadata


def get_document(live_index, document_id):
    """The document with its metadata and paragraphs in order, or None if the id is unknown."""
    with live_index.searcher() as searcher:
        hits = searcher.search(query.Term(fields.DOCUMENT_ID, document_id), limit=None, sortedby=fields.POSITION)
        paragraphs = [hit.fields() for hit in hits]
    if not paragraphs:
        return None
    return {
        **document_metadata(paragraphs[0]),
        "paragraphs": [{"id": p[fields.ID], "position": p[fields.POSITION], "text": p[fields.TEXT]} for p in paragraphs],
    }
