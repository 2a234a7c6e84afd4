"""Searching the index: the query language, ranking, snippets and near-duplicate collapsing.

Importing it replaces Whoosh's ``BinaryGroup.query`` in the whole process by one that builds each
side of a + or - group once (``query.parsing._binary_group_query``): Whoosh's builds them twice at every
level, exponential in the nesting.
"""

from search_service.search.documents import get_document
from search_service.search.query import MAX_QUERY_LENGTH, REFUSALS, QueryError, parse_query
from search_service.search.searcher import (
    COLLAPSES, DEFAULT_COLLAPSE, MAX_DEPTH, MAX_PER_PAGE, SORTS, SearchPage, SearchRequest, is_warm, search, warm,
)

__all__ = [
    "COLLAPSES", "DEFAULT_COLLAPSE", "MAX_DEPTH", "MAX_PER_PAGE", "MAX_QUERY_LENGTH", "QueryError", "REFUSALS", "SORTS", "SearchPage", "SearchRequest", "get_document", "is_warm",
    "parse_query", "search", "warm",
]
