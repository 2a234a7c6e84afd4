"""Searching the index: the query language, ranking, snippets and near-duplicate collapsing."""

from search_service.search.documents import get_document
from search_service.search.query import MAX_QUERY_LENGTH, REFUSALS, QueryError, parse_query
from search_service.search.searcher import (
    COLLAPSES, MAX_PER_PAGE, SORTS, SearchPage, SearchRequest, is_warm, paging_error, search, warm,
)

__all__ = [
    "COLLAPSES", "MAX_PER_PAGE", "MAX_QUERY_LENGTH", "QueryError", "REFUSALS", "SORTS", "SearchPage", "SearchRequest", "get_document", "is_warm",
    "paging_error", "parse_query", "search", "warm",
]
