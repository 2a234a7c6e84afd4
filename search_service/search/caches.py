"""What identifies the segments of an index generation (``index_key``), the key under which searches
keep their values per generation (in the caches of ``search_service.indexing.caches``), and how many
generations' values are kept. Searches look them up from every thread."""

import weakref

from search_service.indexing.store import GENERATIONS_OPEN

#: Index generations whose values are kept: the live one, and the previous one while it drains.
GENERATIONS_KEPT = GENERATIONS_OPEN


def segment_key(reader):
    """What identifies a segment reader's segment (None for a reader of no one segment)."""
    segment = reader.segment() if hasattr(reader, "segment") else None
    return (segment.segment_id(), reader.doc_count_all()) if segment is not None else None


_index_keys = weakref.WeakKeyDictionary()  # reader -> its index_key


def index_key(searcher):
    """What identifies the segments a searcher reads (the same for every searcher of a generation).

    It is kept with the searcher's reader, which each thread reuses from search to search: a
    search asks for it dozens of times (each cache per generation is looked up with it).
    """
    reader = searcher.reader()
    found = _index_keys.get(reader)
    if found is None:
        found = _index_keys[reader] = tuple(segment_key(s.reader()) for s, _ in searcher.leaf_searchers())
    return found
