"""The on-disk index: schema, atomic generations, the reindex that builds them."""

from search_service.indexing.builder import NothingToIndex, ReindexError, ReindexInProgress, ReindexSummary, reindex
from search_service.indexing.store import IndexNotFound, LiveIndex
from search_service.indexing.writing import available_cores

__all__ = ["IndexNotFound", "LiveIndex", "NothingToIndex", "ReindexError", "ReindexInProgress", "ReindexSummary", "available_cores", "reindex"]
