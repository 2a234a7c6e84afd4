"""Collecting a query's matches with numpy: all matches scored at once, then ranked, collapsed and counted.

Whoosh's collectors step through the matcher tree one paragraph at a time in Python, and totals,
facets and duplicate collapsing need every match, so a query of common words costs tens of
microseconds for each of tens of thousands of paragraphs. Here the matcher tree Whoosh builds for
the query is evaluated bottom-up into arrays over the segment's documents instead:

- the query's terms, unions (summed, or scored by their best part), intersections, AND MAYBE,
  AND NOT and NOT are evaluated from the query itself, without building Whoosh's matchers for them
  (building a term's matcher reads its first block, and an intersection's steps to its first match);
- prefix, wildcard and fuzzy words are first replaced by the union of the index words they stand
  for, found in the field's vocabulary;
- a term's postings (document numbers and weights) are read block by block and cached per segment;
- its scores are its scorer's formula applied to whole arrays (BM25 is plain arithmetic) with the
  field lengths Whoosh uses, so each is the float Whoosh computes;
- unions, intersections, AND NOT, AND MAYBE and boosts combine arrays; a sum may differ from
  Whoosh's in its last bit, as Whoosh adds a union's parts in another order;
- a phrase reads positions only in the paragraphs that have all its words, and the paragraphs
  it matches are kept with the segment's postings;
- any other query (spans, ...) gets Whoosh's matcher, stepped through with its own methods.

Ranking is by score, then document number (Whoosh's order); collapsing keeps the best paragraph
of each duplicate group; totals and facet counts are counts over arrays.
"""

import bisect
import collections
import dataclasses
import re
import threading
import time
import weakref

import numpy as np
from rapidfuzz import process
from rapidfuzz.distance import OSA
from whoosh import collectors, query, scoring
from whoosh.codec.whoosh3 import W3LeafMatcher
from whoosh.filedb.structfile import BufferFile
from whoosh.matching import binary, combo, mcore, wrappers

from search_service.search.caches import GENERATIONS_KEPT, KeptPerKey, Remembered, index_key, segment_key

#: Postings kept per segment (document numbers and weights), in bytes.
POSTINGS_CACHE_BYTES = 128 << 20
#: Segments whose arrays are kept: those of the live generation (one per process that wrote it),
#: and of the previous one while it drains.
SEGMENTS_KEPT = 8
#: Index words a prefix or wildcard word stands for at most (the most frequent), as Lucene's
#: clause limit, and a fuzzy word (the closest, then the most frequent), as Elasticsearch's
#: ``max_expansions``.
MAX_PATTERN_EXPANSIONS = 1024
MAX_FUZZY_EXPANSIONS = 50
#: Expanded words remembered per index generation (forgotten when full).
EXPANSIONS_REMEMBERED = 10_000
#: Matches stepped through between two looks at the deadline.
DEADLINE_EVERY = 256
_NO_POSTINGS = (np.zeros(0, np.int32), np.zeros(0))


@dataclasses.dataclass(frozen=True)
class Facet:
    """Counts of the matches by the values of a column field, or by ``bucket(value)``, taken under
    ``restriction`` instead of the search's filter (None: every match of the query)."""

    fieldname: str
    restriction: object = None
    bucket: object = None

    def codes(self, segment, reader):
        if self.bucket is None:
            return segment.field_codes(reader, self.fieldname)
        return segment.bucket_codes(reader, self.fieldname, self.bucket)


@dataclasses.dataclass
class Collected:
    """The ranked page candidates and the counts over every match."""

    top: list  # (global document number, score, the other documents of its group), best first
    total: int  # matches, collapsed duplicates included
    groups: int  # matches once collapsed
    facets: dict  # facet name -> {value: matches}


class _Segment:
    """Per-segment arrays, built on first use and shared by all threads (they are never written)."""

    def __init__(self, doc_count):
        self.doc_count = doc_count
        self.lock = threading.RLock()
        self.arrays = {}
        self.postings = collections.OrderedDict()
        self.postings_bytes = 0

    def _once(self, key, compute):
        """The value kept under ``key``, computed by ``compute()`` on first use."""
        with self.lock:
            if key not in self.arrays:
                self.arrays[key] = compute()
            return self.arrays[key]

    def field_lengths(self, reader, fieldname):
        return self._once(
            ("lengths", fieldname),
            lambda: np.array([reader.doc_field_length(d, fieldname, 1) for d in range(self.doc_count)], dtype=np.float64),
        )

    def field_codes(self, reader, fieldname):
        """``(codes, values)``: each document's value of a column field as an index into ``values``."""

        def compute():
            index = {}
            column = reader.column_reader(fieldname) if self.doc_count else ()  # a reader of no segment has no columns
            codes = np.fromiter((index.setdefault(v, len(index)) for v in column), dtype=np.int64, count=self.doc_count)
            return codes, list(index)

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

    def cached_postings(self, key):
        with self.lock:
            found = self.postings.get(key)
            if found is not None:
                self.postings.move_to_end(key)
            return found

    def keep_postings(self, key, postings):
        size = sum(a.nbytes for a in postings)
        with self.lock:
            if key in self.postings or size > POSTINGS_CACHE_BYTES // 4:
                return
            self.postings[key] = postings
            self.postings_bytes += size
            while self.postings_bytes > POSTINGS_CACHE_BYTES:
                _, dropped = self.postings.popitem(last=False)
                self.postings_bytes -= sum(a.nbytes for a in dropped)


_segments = KeptPerKey(SEGMENTS_KEPT)


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


def _segment(reader):
    key = segment_key(reader)
    if key is None:
        return _Segment(reader.doc_count_all())
    return _segments.get(key, lambda: _Segment(reader.doc_count_all()))


class _Evaluation:
    """Evaluates queries and matcher trees over one segment into (mask, scores) arrays."""

    def __init__(self, reader, segment, deadline, scorers=None):
        self.reader = reader
        self.segment = segment
        self.n = segment.doc_count
        self.deadline = deadline
        # Scorers hold index-wide statistics (idf, average length): one per term serves every segment.
        self.scorers = {} if scorers is None else scorers

    def _empty(self):
        return np.zeros(self.n, dtype=bool), np.zeros(self.n)

    def query(self, q, searcher, context):
        """(mask, scores) of a query over the segment of ``searcher``, with the scores Whoosh's matchers give."""
        kind = type(q)
        if kind is query.Term:
            return self._term(q, searcher, context)
        plain_or = kind is query.Or and not q.minmatch and not q.scale
        if (plain_or or kind is query.And) and len(q.subqueries) < 2:  # Whoosh then ignores the boost, as here
            return self.query(q.subqueries[0], searcher, context) if q.subqueries else self._empty()
        if plain_or:
            mask, scores = self._empty()
            for sub in q.subqueries:
                # A term adds its postings alone, not an array over every paragraph.
                found = self._term_postings_scores(sub, searcher, context) if type(sub) is query.Term else None
                if found is not None:
                    ids, term_scores = found
                    mask[ids] = True
                    scores[ids] += term_scores
                else:
                    mask_b, b = self.query(sub, searcher, context)
                    mask |= mask_b
                    scores += b
            if q.boost != 1.0:
                scores *= q.boost
            return mask, scores
        if kind is query.And:
            mask, scores = self.query(q.subqueries[0], searcher, context)
            for sub in q.subqueries[1:]:
                mask_b, b = self.query(sub, searcher, context)
                scores += b
                mask &= mask_b
            scores *= mask
            if q.boost != 1.0:
                scores *= q.boost
            return mask, scores
        if kind is query.DisjunctionMax and len(q.subqueries) > 1 and not q.tiebreak:
            mask, scores = self._empty()
            for sub in q.subqueries:
                mask_b, b = self.query(sub, searcher, context)
                mask |= mask_b
                np.maximum(scores, b, out=scores)
            if q.boost != 1.0:
                scores *= q.boost
            return mask, scores
        if kind is query.AndMaybe or kind is query.AndNot:  # Whoosh's matchers for these take no boost
            mask, scores = self.query(q.a, searcher, context)
            mask_b, b = self.query(q.b, searcher, context)
            if kind is query.AndMaybe:
                scores += b
            else:
                mask &= ~mask_b
            scores *= mask
            return mask, scores
        if kind is query.Phrase and _has_positions(searcher, q.fieldname):
            return self._phrase(q, searcher, context)
        if kind is query.Not and not self.reader.has_deletions():
            # Whoosh's inverse matcher: every paragraph its query does not match, each scoring 1.
            matched, _ = self.query(q.query, searcher, context)
            return ~matched, (~matched).astype(np.float64)
        return self.scored(q.matcher(searcher, context))

    def _phrase(self, q, searcher, context):
        """A phrase as Whoosh matches and scores it (its words in order, each within ``slop``
        positions after the one before; the sum of the words' scores), with positions read only
        for the paragraphs that have all the words. The paragraphs it matches are kept with the
        segment's postings: a month's two-word name (تشرين الأول), looked up with every query
        that names the month, would have its positions read in thousands of paragraphs each time."""
        if len(q.words) < 2:
            return self.scored(q.matcher(searcher, context))
        mask, scores = self.query(query.And([query.Term(q.fieldname, word) for word in q.words]), searcher, context)
        key = ("phrase", q.fieldname, tuple(q.words), q.slop)
        found = self.segment.cached_postings(key)
        if found is None:
            found = (self._in_order(q, np.flatnonzero(mask)),)
            self.segment.keep_postings(key, found)
        mask = np.zeros(self.n, dtype=bool)
        mask[found[0]] = True
        scores *= mask
        if q.boost != 1.0:
            scores *= q.boost
        return mask, scores

    def _in_order(self, q, candidates):
        """The ``candidates`` (document numbers) where the phrase's words are in order."""
        if not len(candidates):
            return candidates.astype(np.int32)
        fieldobj = self.reader.schema[q.fieldname]
        matchers = {word: self.reader.postings(q.fieldname, fieldobj.to_bytes(word)) for word in q.words}

        def positions(word, docnum, read):
            if word not in read:
                matchers[word].skip_to(docnum)
                read[word] = matchers[word].value_as("positions")
            return read[word]

        kept = []
        for number, docnum in enumerate(candidates.tolist()):
            # Each word's positions are read once, and only until the words are out of order.
            read = {}
            if _in_order((positions(word, docnum, read) for word in q.words), q.slop):
                kept.append(docnum)
            if number % DEADLINE_EVERY == DEADLINE_EVERY - 1 and time.monotonic() > self.deadline:
                raise collectors.TimeLimit
        return np.array(kept, dtype=np.int32)

    def _term(self, q, searcher, context):
        found = self._term_postings_scores(q, searcher, context)
        return self.scored(q.matcher(searcher, context)) if found is None else self._dense(*found)

    def _term_postings_scores(self, q, searcher, context):
        """A term's document numbers and scores (boost applied) in the segment, or None where only
        its Whoosh matcher can tell (deleted documents, a scorer that is not BM25-like)."""
        fieldname = q.fieldname
        if fieldname not in searcher.schema:
            return _NO_POSTINGS
        try:
            key = (fieldname, searcher.schema[fieldname].to_bytes(q.text))
        except ValueError:
            return _NO_POSTINGS
        postings = self.term_postings(key)
        if postings is None or not len(postings[0]):  # no scorer for a term the segment lacks
            return postings
        scorer = self.scorers.get(key)
        if scorer is None:
            scorer = self.scorers[key] = context.weighting.scorer(searcher, *key)
        scores = self._scores(scorer, fieldname, postings)
        if scores is None:
            return None
        if q.boost != 1.0:
            scores = scores * q.boost
        return postings[0], scores

    def _scores(self, scorer, fieldname, postings):
        """The scores ``scorer`` gives a term's postings ``(ids, weights)`` in the segment, or None
        where its formula cannot be applied to arrays."""
        if not _vectorizable(scorer):
            return None
        ids, weights = postings
        scores = scorer._score(weights.astype(np.float64), self.segment.field_lengths(self.reader, fieldname)[ids])
        return scores if isinstance(scores, np.ndarray) and scores.shape == ids.shape else None

    def term_postings(self, key):
        """A term's document numbers and weights in the segment (cached; none if it lacks the term),
        or None where only Whoosh's matcher can give them (a segment with deleted documents)."""
        found = self.segment.cached_postings(key)
        if found is not None:
            return found
        if key not in self.reader:
            return _NO_POSTINGS
        m = self.reader.postings(*key)
        return self._postings(m) if type(m) is W3LeafMatcher else None

    def scored(self, m):
        kind = type(m)
        if kind is mcore.NullMatcherClass or not m.is_active():
            return self._empty()
        # Arrays are fresh at every level, so they are combined in place. A document a matcher does
        # not match scores 0 in its array, so a sum is Whoosh's sum (a + 0.0 is a).
        if kind is binary.UnionMatcher or kind is binary.IntersectionMatcher or kind is binary.AndMaybeMatcher:
            (mask, a), (mask_b, b) = self.scored(m.a), self.scored(m.b)
            a += b
            if kind is binary.UnionMatcher:
                mask |= mask_b
                return mask, a
            if kind is binary.IntersectionMatcher:
                mask &= mask_b
            a *= mask
            return mask, a
        if kind is binary.AndNotMatcher:
            mask, a = self.scored(m.a)
            mask &= ~self.matching(m.b)
            a *= mask
            return mask, a
        if kind is wrappers.WrappingMatcher:
            mask, scores = self.scored(m.child)
            scores *= m.boost
            return mask, scores
        if kind is W3LeafMatcher and _vectorizable(m.scorer):
            postings = self._postings(m)
            scores = self._scores(m.scorer, m.term()[0], postings)
            if scores is not None:
                return self._dense(postings[0], scores)
            m.reset()
        return self._stepped(m, scored=True)

    def restriction(self, q, searcher):
        """The mask of the documents a filter query matches: terms and ranges of a column field (a
        source, a date range) from the field's values, read once per segment, and their unions
        and intersections; any other query from Whoosh's matcher. A date range over years would
        otherwise be a union of every date it holds, stepped through one paragraph at a time."""
        kind = type(q)
        if (kind is query.And or kind is query.Or) and q.subqueries:
            masks = [self.restriction(sub, searcher) for sub in q.subqueries]
            return np.logical_and.reduce(masks) if kind is query.And else np.logical_or.reduce(masks)
        if (kind is query.Term or kind is query.TermRange) and self.reader.has_column(q.fieldname) and not self.reader.has_deletions():
            codes, values = self.segment.field_codes(self.reader, q.fieldname)
            wanted = [(v == q.text) if kind is query.Term else _in_range(v, q) for v in values]
            return np.array(wanted, dtype=bool)[codes]
        return self.matching(q.matcher(searcher, searcher.boolean_context()))

    def matching(self, m):
        """The mask of documents a matcher matches (no scores)."""
        kind = type(m)
        if kind is mcore.NullMatcherClass or not m.is_active():
            return np.zeros(self.n, dtype=bool)
        if kind is binary.UnionMatcher or kind is binary.DisjunctionMaxMatcher:
            return self.matching(m.a) | self.matching(m.b)
        if kind is combo.ArrayUnionMatcher or kind is combo.PreloadedUnionMatcher:
            # These read ahead from their parts as they are made: the parts no longer hold every match.
            mask = np.zeros(self.n, dtype=bool)
            mask[np.fromiter(m.all_ids(), dtype=np.int64)] = True
            return mask
        if kind is binary.IntersectionMatcher:
            return self.matching(m.a) & self.matching(m.b)
        if kind is binary.AndNotMatcher:
            return self.matching(m.a) & ~self.matching(m.b)
        if kind is binary.AndMaybeMatcher or kind is wrappers.WrappingMatcher:
            return self.matching(m.children()[0])
        if kind is W3LeafMatcher:
            mask = np.zeros(self.n, dtype=bool)
            mask[self._postings(m)[0]] = True
            return mask
        return self._stepped(m, scored=False)[0]

    def _dense(self, ids, scores):
        mask, dense = self._empty()
        mask[ids] = True
        dense[ids] = scores
        return mask, dense

    def _postings(self, m):
        """Document numbers and weights of a fresh leaf matcher (cached).

        The posting list is read from the file at once, then decoded a block at a time.
        """
        key = m.term()
        found = self.segment.cached_postings(key)
        if found is not None:
            return found
        # whoosh3 3.54 keeps the extent's length as a 1-tuple.
        length = m._length[0] if isinstance(m._length, tuple) else m._length
        data = m._postfile.get(m._startoffset, length)
        m = W3LeafMatcher(BufferFile(data), 0, len(data), m.format, term=key)
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
        self.segment.keep_postings(key, postings)
        return postings

    def _stepped(self, m, scored):
        """Step through any matcher with Whoosh's own methods (exact for every matcher type)."""
        ids, scores = [], []
        while m.is_active():
            ids.append(m.id())
            if scored:
                scores.append(m.score())
            m.next()
            if len(ids) % DEADLINE_EVERY == 0 and time.monotonic() > self.deadline:
                raise collectors.TimeLimit
        ids = np.array(ids, dtype=np.int64)
        return self._dense(ids, np.array(scores) if scored else np.zeros(len(ids)))


def _has_positions(searcher, fieldname):
    return fieldname in searcher.schema and searcher.schema[fieldname].format.supports("positions")


def _in_order(positions, slop):
    """Whether words at these positions (a sorted list per word, taken from ``positions`` only
    while they can still be in order) follow each other in order, each 1 to ``slop`` positions
    after the end of the words before it (Whoosh's ordered SpanNear2)."""
    spans = None
    for following in positions:
        if spans is None:
            spans = {(p, p) for p in following}
        else:
            spans = {(start, p) for start, end in spans for p in following if 1 <= p - end <= slop}
        if not spans:
            return False
    return True


def _distinct(groups):
    """How many distinct values non-negative group numbers have (a negative one is a group alone)."""
    alone = groups < 0
    return int(np.count_nonzero(np.bincount(groups[~alone]))) + int(np.count_nonzero(alone))


def _vectorizable(scorer):
    """Whether a scorer's score is ``_score(weight, field length)``, arithmetic numpy can apply to arrays."""
    return isinstance(scorer, scoring.WeightLengthScorer) and type(scorer).score is scoring.WeightLengthScorer.score


_EXPANDING = (query.Prefix, query.Wildcard, query.FuzzyTerm)
_expansions = KeptPerKey(GENERATIONS_KEPT)


def expanded(searcher, q):
    """``q`` with its prefix, wildcard and fuzzy words replaced by the index words they stand for,
    scored as Whoosh scores them in a search: the sum of the words' scores.

    The words are looked up in the field's vocabulary, read once per index generation, and each
    word's expansion is remembered: Whoosh would compare a fuzzy word with every index word that
    shares its first letter, in Python, in every segment and again for the snippets (seconds for
    one word of a large vocabulary), then step through the union of their matches one by one.
    """

    def replace(node):
        if type(node) not in _EXPANDING:
            return node
        key = (type(node), node.fieldname, node.text, getattr(node, "maxdist", 0), getattr(node, "prefixlength", 0))
        remembered = _expansions.get(index_key(searcher), lambda: Remembered(EXPANSIONS_REMEMBERED))
        words = remembered.get(key, _expansion, searcher, node)
        if not words:
            return query.NullQuery
        terms = [query.Term(node.fieldname, word, boost=node.boost) for word in words]
        return terms[0] if len(terms) == 1 else query.Or(terms)

    return q.accept(replace)


def _expansion(searcher, node):
    """The index words (at most ``MAX_PATTERN_EXPANSIONS`` or ``MAX_FUZZY_EXPANSIONS``) that a
    prefix, wildcard or fuzzy word stands for."""
    words, frequencies = vocabulary(searcher, node.fieldname)
    if type(node) is query.FuzzyTerm:
        start, end = _prefix_range(words, node.text[: node.prefixlength])
        found = process.extract(node.text, words[start:end], scorer=OSA.distance, score_cutoff=node.maxdist, limit=None)
        closest = sorted((distance, -frequencies[start + index], word) for word, distance, index in found)
        return tuple(word for _, _, word in closest[:MAX_FUZZY_EXPANSIONS])
    literal = node.text if type(node) is query.Prefix else node._find_prefix(node.text)
    start, end = _prefix_range(words, literal)
    pattern = re.compile(node._get_pattern()) if type(node) is query.Wildcard else None
    found = [index for index in range(start, end) if pattern is None or pattern.match(words[index])]
    most_frequent = sorted(found, key=lambda index: -frequencies[index])[:MAX_PATTERN_EXPANSIONS]
    return tuple(words[index] for index in sorted(most_frequent))


def _prefix_range(words, prefix):
    """The range of the sorted ``words`` that begin with ``prefix``."""
    start = bisect.bisect_left(words, prefix)
    return start, bisect.bisect_left(words, prefix + "\U0010ffff", start)


def collect(searcher, q, limit, group_field, facets=None, search_filter=None, seconds=5.0, sort_field=None):
    """Score every match of ``q``; return the best ``limit`` (one per ``group_field`` value) and the counts.

    ``search_filter`` restricts the matches; ``facets`` maps names to the ``Facet`` counted. With a
    ``sort_field`` (a column), the matches with its greatest values come first (ISO dates: the
    newest), then the best scored. Raises ``whoosh.collectors.TimeLimit`` past ``seconds``.
    """
    deadline = time.monotonic() + seconds
    q = expanded(searcher, q)
    context = searcher.context(needs_current=True, top_query=q, limit=limit)
    facets = facets or {}
    found, scores, scorers = [], [], {}
    facet_parts = {name: [] for name in facets}
    for subsearcher, offset in searcher.leaf_searchers():
        reader = subsearcher.reader()
        segment = _segment(reader)
        evaluation = _Evaluation(reader, segment, deadline, scorers)
        mask, segment_scores = evaluation.query(q, subsearcher, context)
        # Counted by document numbers: indexing with a mask over every paragraph is several times slower.
        searched = np.flatnonzero(_restricted(mask, search_filter, evaluation, subsearcher))
        for name, facet in facets.items():
            # A facet whose filter is the search's (no filter of its own was set) counts what was found.
            if facet.restriction == search_filter:
                counted = searched
            else:
                counted = np.flatnonzero(_restricted(mask, facet.restriction, evaluation, subsearcher))
            facet_parts[name].append((facet.codes(segment, reader), counted))
        found.append(searched + offset)
        scores.append(segment_scores)
    scores = np.concatenate(scores)
    groups, order, ordered = _all_groups(searcher, group_field)
    matches = np.concatenate(found)
    ranks = None if sort_field is None else value_ranks(searcher, sort_field)
    best = _best_per_group(matches, scores, groups, limit, ranks)
    return Collected(
        top=[(d, score, others) for (d, score), others in zip(best, _others([d for d, _ in best], groups, order, ordered))],
        total=len(matches),
        groups=_distinct(groups[matches]),
        facets={name: _counts(parts) for name, parts in facet_parts.items()},
    )


def _restricted(mask, restriction, evaluation, subsearcher):
    """The documents of ``mask`` that the filter query ``restriction`` (None: no filter) matches."""
    if restriction is None:
        return mask
    return mask & evaluation.restriction(restriction, subsearcher)


def _in_range(value, q):
    """Whether a value is within a ``TermRange`` (bounds inclusive unless excluded; None: open)."""
    above = q.start is None or (value > q.start if q.startexcl else value >= q.start)
    below = q.end is None or (value < q.end if q.endexcl else value <= q.end)
    return above and below


def warm_segments(searcher, fieldnames, group_field, facet_field, share=0.5):
    """Read ahead what ``collect`` needs: the groups and facet values, each segment's lengths of
    ``fieldnames``, and the posting lists of their terms in most paragraphs, into the segment's
    cache up to ``share`` of its size (they are the longest to read, and the most asked for)."""
    readers = [subsearcher.reader() for subsearcher, _ in searcher.leaf_searchers()]
    for reader in readers:
        segment = _segment(reader)
        segment.field_codes(reader, facet_field)
        for fieldname in fieldnames:
            segment.field_lengths(reader, fieldname)
    _all_groups(searcher, group_field)
    for reader in readers:
        evaluation = _Evaluation(reader, _segment(reader), deadline=float("inf"))
        terms = sorted(
            ((info.doc_frequency(), fieldname, term) for fieldname in fieldnames for term, info in reader.iter_field(fieldname)),
            reverse=True,
        )
        budget = share * POSTINGS_CACHE_BYTES
        for found, fieldname, term in terms:
            # About 8 bytes a posting (number and weight) once read.
            budget -= 8 * found
            if budget < 0:
                break
            evaluation.term_postings((fieldname, term))


def term_postings(searcher, fieldname, text):
    """A term's document numbers over the whole index (ascending) and weights, from the segments' caches."""
    key = (fieldname, searcher.schema[fieldname].to_bytes(text))
    ids, weights = [], []
    for subsearcher, offset in searcher.leaf_searchers():
        reader = subsearcher.reader()
        found = _Evaluation(reader, _segment(reader), time.monotonic()).term_postings(key)
        if found is None:  # a segment with deleted documents filters its postings
            pairs = np.array(list(reader.postings(*key).items_as("weight")), dtype=np.float64).reshape(-1, 2)
            found = pairs[:, 0].astype(np.int32), pairs[:, 1]
        ids.append(found[0].astype(np.int64) + offset)
        weights.append(found[1])
    if not ids:
        return np.zeros(0, np.int64), np.zeros(0)
    return np.concatenate(ids), np.concatenate(weights)


_vocabularies = KeptPerKey(GENERATIONS_KEPT)


def vocabulary(searcher, fieldname):
    """``(words, frequencies)``: a field's indexed words and their occurrences over the whole index,
    read once per set of segments."""

    def compute():
        # Segment by segment: Whoosh's merged iteration over several segments is several times slower.
        counts = collections.Counter()
        for subsearcher, _ in searcher.leaf_searchers():
            for term, info in subsearcher.reader().iter_field(fieldname):
                counts[term.decode("utf-8") if isinstance(term, bytes) else term] += info.weight()
        words = sorted(counts)
        return words, [counts[word] for word in words]

    return _vocabularies.get((index_key(searcher), fieldname), compute)


def field_lengths(searcher, fieldname):
    """Every document's length in a field, as the scorers see it, over the whole index."""
    parts = [_segment(s.reader()).field_lengths(s.reader(), fieldname) for s, _ in searcher.leaf_searchers()]
    return parts[0] if len(parts) == 1 else np.concatenate(parts)


def _counts(parts):
    """``{value: matches}`` over segments' ``((codes, values), document numbers)``; documents
    without a value are not counted."""
    counts = collections.Counter()
    for (codes, values), docnums in parts:
        for code, count in enumerate(np.bincount(codes[docnums], minlength=len(values)).tolist()):
            if count and values[code]:
                counts[values[code]] += count
    return dict(counts)


_joined_groups = KeptPerKey(SEGMENTS_KEPT)


def _index_groups(searcher, fieldname, parts):
    """``(groups, order, ordered)`` over all segments: group numbers, equal for equal group values
    (``parts`` holds each segment's ``group_numbers``), the document numbers sorted by group, and
    the sorted group numbers. Computed once for a set of segments."""

    def compute():
        index, joined = {}, []
        for numbers, values in parts:
            renumbered = np.array([index.setdefault(v, len(index)) for v in values], dtype=np.int64)
            joined.append(np.where(numbers >= 0, renumbered[np.maximum(numbers, 0)], numbers - len(joined) * (1 << 40)))
        groups = np.concatenate(joined)
        order = np.argsort(groups, kind="stable")
        return groups, order, groups[order]

    return _joined_groups.get((index_key(searcher), fieldname), compute)


def _all_groups(searcher, fieldname):
    """``(groups, order, ordered)`` of ``_index_groups`` for the searcher's segments, one or more."""
    readers = [subsearcher.reader() for subsearcher, _ in searcher.leaf_searchers()]
    if len(readers) == 1:
        reader = readers[0]
        return _segment(reader).group_numbers(reader, fieldname)[0], *_segment(reader).group_order(reader, fieldname)
    return _index_groups(searcher, fieldname, [_segment(reader).group_numbers(reader, fieldname) for reader in readers])


def largest_groups(searcher, fieldname, paragraphs):
    """The document numbers of the paragraphs of the largest groups (two paragraphs or more), the
    largest group first, at most ``paragraphs`` in all."""
    _, order, ordered = _all_groups(searcher, fieldname)
    starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
    sizes = np.diff(np.r_[starts, len(ordered)])
    chosen = []
    for group in np.argsort(-sizes, kind="stable").tolist():
        if sizes[group] < 2 or len(chosen) + sizes[group] > paragraphs:
            break
        chosen += order[starts[group] : starts[group] + sizes[group]].tolist()
    return chosen


_ranks = KeptPerKey(SEGMENTS_KEPT)


def value_ranks(searcher, fieldname):
    """Each document's value of a column field as its rank among the field's values (0 for the
    least), over all segments. Computed once for a set of segments."""

    def compute():
        parts = [_segment(s.reader()).field_codes(s.reader(), fieldname) for s, _ in searcher.leaf_searchers()]
        ordered = sorted({value for _, values in parts for value in values})
        rank = {value: number for number, value in enumerate(ordered)}
        return np.concatenate([np.array([rank[v] for v in values], dtype=np.int64)[codes] for codes, values in parts])

    return _ranks.get((index_key(searcher), fieldname), compute)


def _others(docnums, groups, order, ordered):
    """For each document, the other documents of its group (none for a document without a group)."""
    wanted = groups[docnums]
    starts, ends = np.searchsorted(ordered, wanted).tolist(), np.searchsorted(ordered, wanted, side="right").tolist()
    return [
        [] if group < 0 else [d for d in order[start:end].tolist() if d != docnum]
        for docnum, group, start, end in zip(docnums, wanted.tolist(), starts, ends)
    ]


def _best_per_group(matches, scores, groups, limit, ranks=None):
    """The ``limit`` best matches (score descending, then document number), one per group; with
    ``ranks`` (one per document), the highest ranked first, then by score."""
    primary = scores if ranks is None else ranks
    wanted = min(len(matches), 4 * limit + 16)
    while True:
        if wanted < len(matches):
            threshold = np.partition(primary[matches], len(matches) - wanted)[len(matches) - wanted]
            candidates = matches[primary[matches] >= threshold]
        else:
            candidates = matches
        keys = (candidates, -scores[candidates]) + (() if ranks is None else (-ranks[candidates],))
        ranked = candidates[np.lexsort(keys)]
        _, first = np.unique(groups[ranked], return_index=True)
        kept = ranked[np.sort(first)]
        if len(kept) >= limit or len(candidates) == len(matches):
            return [(int(d), float(scores[d])) for d in kept[:limit]]
        wanted *= 4
