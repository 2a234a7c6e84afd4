"""What searches read from an index generation, kept in each process as numpy arrays.

- Per segment (``SegmentArrays``): each document's field lengths, its values of a column field
  (source, date) as codes, its duplicate group, and the posting lists read so far (document
  numbers and weights; their scores; a phrase's matches), up to ``POSTINGS_CACHE_BYTES``.
- Over the whole index: the duplicate groups joined across segments, the dates' ranks, each
  field's vocabulary, and paragraphs' column values.

Each is read on first use, once per set of segments, and shared by all threads (never written
once built). ``warm_segments`` reads ahead what the searches of a new generation need most.
"""

import bisect
import collections
import threading
import weakref

import numpy as np
from whoosh import columns
from whoosh.codec import whoosh3
from whoosh.reading import TermNotFound
from whoosh.util.numeric import byte_to_length

from search_service.indexing.caches import KeptPerKey, SizeBounded
from search_service.indexing.store import SEGMENTS_OPEN
from search_service.search.caches import GENERATIONS_KEPT, index_key, segment_key

#: Postings kept per segment (document numbers and weights), in bytes.
POSTINGS_CACHE_BYTES = 128 << 20
#: Segments whose arrays are kept: those of the live generation (one per process that wrote it),
#: and of the previous one while it drains.
SEGMENTS_KEPT = SEGMENTS_OPEN
#: Bytes a kept entry of the postings cache counts for beside its arrays' (its key, tuple and
#: array objects).
KEPT_ENTRY_BYTES = 256
#: Share of a segment's postings cache that reading ahead fills.
WARMED_SHARE = 0.5
#: The postings of a term a segment lacks.
NO_POSTINGS = (np.zeros(0, np.int32), np.zeros(0))
#: A field's length as Whoosh decodes the byte it stores for a document; NaN for a byte of 0, for
#: which Whoosh's ``doc_field_length`` gives None (such a document has no term of the field).
_LENGTH_OF_BYTE = np.array([byte_to_length(byte) if byte else np.nan for byte in range(256)])


class SegmentArrays:
    """One segment's arrays, built on first use and shared by all threads (they are never written)."""

    def __init__(self, doc_count):
        self.doc_count = doc_count
        self.lock = threading.RLock()
        self.arrays = {}
        self.postings_kept = SizeBounded(POSTINGS_CACHE_BYTES, _kept_bytes, largest=POSTINGS_CACHE_BYTES // 4)

    def _once(self, key, compute):
        """The value kept under ``key``, computed by ``compute()`` on first use."""
        with self.lock:
            if key not in self.arrays:
                self.arrays[key] = compute()
            return self.arrays[key]

    def field_lengths(self, reader, fieldname):
        """Each document's length in ``fieldname`` (as Whoosh stores it, for BM25), read from its
        lengths column at once (Whoosh's ``doc_field_length`` reads a byte a call)."""

        def compute():
            column = reader._perdoc._cached_reader(whoosh3._lenfield(fieldname), whoosh3.LENGTHS_COLUMN) if self.doc_count else None
            if column is None:  # no document has the field: Whoosh's default length
                return np.ones(self.doc_count)
            lengths = np.full(self.doc_count, np.nan)
            # One byte a document (``LENGTHS_COLUMN`` is a column of unsigned bytes).
            stored = np.frombuffer(column._dbfile.get(column._basepos, column._count), dtype=np.uint8)
            lengths[: len(stored)] = _LENGTH_OF_BYTE[stored]
            return lengths

        return self._once(("lengths", fieldname), compute)

    def field_codes(self, reader, fieldname):
        """``(codes, values)``: each document's value of a column field as an index into ``values``."""

        def compute():
            if not self.doc_count:  # a reader of no segment has no columns
                return np.zeros(0, dtype=np.int64), []
            index = {}
            stored = _raw_values(reader.column_reader(fieldname, translate=False))
            codes = np.fromiter((index.setdefault(v, len(index)) for v in stored), dtype=np.int64, count=self.doc_count)
            # Only the distinct stored values are translated (decoded): each translates to a value of its own.
            translate = reader.schema[fieldname].from_column_value
            return codes, [translate(value) for value in index]

        return self._once(("codes", fieldname), compute)

    def bucket_codes(self, reader, fieldname, bucket):
        """``field_codes`` of the values put in buckets: ``bucket(value)`` in place of each value."""

        def compute():
            codes, values = self.field_codes(reader, fieldname)
            index = {}
            renumbered = np.array([index.setdefault(bucket(v), len(index)) for v in values], dtype=np.int64)
            return renumbered[codes], list(index)

        return self._once(("buckets", fieldname, bucket), compute)

    def group_numbers(self, reader, fieldname):
        """``(numbers, values)``: like ``field_codes``, but each document without a value is a group of its own."""

        def compute():
            codes, values = self.field_codes(reader, fieldname)
            numbers = codes.copy()
            if "" in values:
                alone = np.flatnonzero(codes == values.index(""))
                numbers[alone] = -1 - alone
            return numbers, values

        return self._once(("groups", fieldname), compute)

    def group_order(self, reader, fieldname):
        """``(order, ordered)``: document numbers sorted by group number, and the sorted group numbers."""

        def compute():
            numbers, _ = self.group_numbers(reader, fieldname)
            order = np.argsort(numbers, kind="stable")
            return order, numbers[order]

        return self._once(("order", fieldname), compute)

    def postings(self, reader, key):
        """A term's document numbers and weights in the segment (cached; none if it lacks the term)."""
        found = self.cached_postings(key)
        if found is not None:
            return found
        try:
            m = reader.postings(*key)
        except TermNotFound:  # remembered: a query's word often lacks its prefix variants
            self.keep_postings(key, NO_POSTINGS)
            return NO_POSTINGS
        return self.leaf_postings(m)

    def leaf_postings(self, m):
        """Document numbers and weights of a fresh leaf matcher (cached), decoded a block at a time."""
        key = m.term()
        found = self.cached_postings(key)
        if found is not None:
            return found
        ids, weights = [], []
        while m.is_active():
            m._read_data()
            deltas, block_weights = m._data[0], m._data[1]
            ids.append(np.cumsum(np.array(deltas, dtype=np.int64)))
            if block_weights is None or isinstance(block_weights, float):
                weights.append(np.full(len(deltas), 1.0 if block_weights is None else block_weights))
            else:
                weights.append(np.array(block_weights, dtype=np.float64))
            m._next_block()
        ids = np.concatenate(ids).astype(np.int32) if ids else np.zeros(0, np.int32)
        weights = np.concatenate(weights) if weights else np.zeros(0)
        # Weights are term frequencies, mostly small whole numbers: kept in 4 bytes when that is exact.
        if np.array_equal(weights.astype(np.float32), weights):
            weights = weights.astype(np.float32)
        postings = (ids, weights)
        self.keep_postings(key, postings)
        return postings

    def cached_postings(self, key):
        """Arrays kept under ``key`` by ``keep_postings``, or None."""
        return self.postings_kept.get(key)

    def keep_postings(self, key, postings):
        """Keep a tuple of arrays, the least recently used dropped past ``POSTINGS_CACHE_BYTES``."""
        self.postings_kept.keep(key, postings)


def _raw_values(column):
    """Every document's stored value in a column, in order: a column of values of any length read
    at once, its values cut from the bytes read (Whoosh reads a value a call); another kind of
    column value by value."""
    if not isinstance(column, columns.VarBytesColumn.Reader) or not len(column._lengths):
        return iter(column)
    stored = column._dbfile.get(column._basepos, column._offsets[-1] + column._lengths[-1])
    return (stored[offset : offset + length] for offset, length in zip(column._offsets, column._lengths))


def _kept_bytes(arrays):
    """What a tuple of arrays counts for in the postings cache: their bytes and a kept entry's own
    (so that the empty postings of terms a segment lacks are bounded too)."""
    return KEPT_ENTRY_BYTES + sum(a.nbytes for a in arrays)


_segments = KeptPerKey(SEGMENTS_KEPT)


def segment_arrays(reader):
    """The ``SegmentArrays`` of a segment reader's segment (kept; fresh for a reader of no one segment)."""
    key = segment_key(reader)
    if key is None:
        return SegmentArrays(reader.doc_count_all())
    return _segments.get(key, lambda: SegmentArrays(reader.doc_count_all()))


_column_readers = weakref.WeakKeyDictionary()  # segment reader -> {fieldname: its column reader}


def column_values(searcher, fieldname, docnums):
    """The values of a column field for documents (global numbers) of ``searcher``, in order.

    A segment reader's column reader is kept with it (each thread has its own readers): opening
    one reads the column's offsets.
    """
    leaves = searcher.leaf_searchers()
    starts = [offset for _, offset in leaves]
    values = []
    for docnum in docnums:
        leaf, offset = leaves[bisect.bisect_right(starts, docnum) - 1]
        readers = _column_readers.setdefault(leaf.reader(), {})
        if fieldname not in readers:
            readers[fieldname] = leaf.reader().column_reader(fieldname)
        values.append(readers[fieldname][docnum - offset])
    return values


def term_postings(searcher, fieldname, text):
    """A term's document numbers over the whole index (ascending) and weights, from the segments' caches."""
    key = (fieldname, searcher.schema[fieldname].to_bytes(text))
    ids, weights = [], []
    for subsearcher, offset in searcher.leaf_searchers():
        reader = subsearcher.reader()
        found = segment_arrays(reader).postings(reader, key)
        ids.append(found[0].astype(np.int64) + offset)
        weights.append(found[1])
    if not ids:
        return np.zeros(0, np.int64), np.zeros(0)
    return np.concatenate(ids), np.concatenate(weights)


def _kept_per_field(kept, searcher, fieldname, compute):
    """``compute()``, kept in ``kept`` under the searcher's set of segments and ``fieldname`` (for
    each set, the values of every field asked for)."""
    by_field = kept.get(index_key(searcher), lambda: KeptPerKey(len(searcher.schema.names())))
    return by_field.get(fieldname, compute)


_vocabularies = KeptPerKey(GENERATIONS_KEPT)


def vocabulary(searcher, fieldname):
    """``(words, frequencies)``: a field's indexed words and their occurrences over the whole index,
    read once per set of segments (and kept for every field read: searches look up several)."""

    def compute():
        # Segment by segment: Whoosh's merged iteration over several segments is several times slower.
        counts = collections.Counter()
        for subsearcher, _ in searcher.leaf_searchers():
            for term, info in subsearcher.reader().iter_field(fieldname):
                counts[term.decode("utf-8") if isinstance(term, bytes) else term] += info.weight()
        words = sorted(counts)
        return words, [counts[word] for word in words]

    return _kept_per_field(_vocabularies, searcher, fieldname, compute)


_joined_groups = KeptPerKey(GENERATIONS_KEPT)


def index_groups(searcher, fieldname):
    """``(groups, order, ordered)`` over all segments: group numbers, equal for equal values of the
    column ``fieldname`` (a document without a value is a group of its own), the document numbers
    sorted by group, and the sorted group numbers. Joined once for a set of segments."""
    readers = [subsearcher.reader() for subsearcher, _ in searcher.leaf_searchers()]
    if len(readers) == 1:
        arrays = segment_arrays(readers[0])
        return arrays.group_numbers(readers[0], fieldname)[0], *arrays.group_order(readers[0], fieldname)

    def compute():
        index, joined = {}, []
        for numbers, values in (segment_arrays(reader).group_numbers(reader, fieldname) for reader in readers):
            renumbered = np.array([index.setdefault(v, len(index)) for v in values], dtype=np.int64)
            joined.append(np.where(numbers >= 0, renumbered[np.maximum(numbers, 0)], numbers - len(joined) * (1 << 40)))
        groups = np.concatenate(joined)
        order = np.argsort(groups, kind="stable")
        return groups, order, groups[order]

    return _kept_per_field(_joined_groups, searcher, fieldname, compute)


def largest_groups(searcher, fieldname, paragraphs):
    """The document numbers of the paragraphs of the largest groups (two paragraphs or more), the
    largest group first, at most ``paragraphs`` in all."""
    _, order, ordered = index_groups(searcher, fieldname)
    starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
    sizes = np.diff(np.r_[starts, len(ordered)])
    chosen = []
    for group in np.argsort(-sizes, kind="stable").tolist():
        if sizes[group] < 2 or len(chosen) + sizes[group] > paragraphs:
            break
        chosen += order[starts[group] : starts[group] + sizes[group]].tolist()
    return chosen


_ranks = KeptPerKey(GENERATIONS_KEPT)


def value_ranks(searcher, fieldname):
    """Each document's value of a column field as its rank among the field's values (0 for the
    least), over all segments. Computed once for a set of segments."""

    def compute():
        parts = [segment_arrays(s.reader()).field_codes(s.reader(), fieldname) for s, _ in searcher.leaf_searchers()]
        ordered = sorted({value for _, values in parts for value in values})
        rank = {value: number for number, value in enumerate(ordered)}
        return np.concatenate([np.array([rank[v] for v in values], dtype=np.int64)[codes] for codes, values in parts])

    return _kept_per_field(_ranks, searcher, fieldname, compute)


def warm_segments(searcher, fieldnames, group_fields, facet_field):
    """Read ahead what searches need: the groups of each of ``group_fields``, the facet values,
    each segment's lengths of ``fieldnames``, and the posting lists of their terms in most
    paragraphs, into the segment's cache up to ``WARMED_SHARE`` of its size (they are the longest
    to read, and the most asked for)."""
    readers = [subsearcher.reader() for subsearcher, _ in searcher.leaf_searchers()]
    for reader in readers:
        arrays = segment_arrays(reader)
        arrays.field_codes(reader, facet_field)
        for fieldname in fieldnames:
            arrays.field_lengths(reader, fieldname)
    for group_field in group_fields:
        index_groups(searcher, group_field)
    for reader in readers:
        arrays = segment_arrays(reader)
        terms = sorted(
            ((info.doc_frequency(), fieldname, term) for fieldname in fieldnames for term, info in reader.iter_field(fieldname)),
            reverse=True,
        )
        budget = WARMED_SHARE * POSTINGS_CACHE_BYTES
        for found, fieldname, term in terms:
            # About 8 bytes a posting (number and weight) once read.
            budget -= 8 * found
            if budget < 0:
                break
            arrays.postings(reader, (fieldname, term))
