"""Collecting a query's matches with numpy: all matches scored at once, then ranked, collapsed and counted.

Whoosh's collectors step through the matcher tree one paragraph at a time in Python, and totals,
facets and duplicate collapsing need every match, so a query of common words costs tens of
microseconds for each of tens of thousands of paragraphs. Here the matcher tree Whoosh builds for
the query is evaluated bottom-up into arrays over the segment's documents instead:

- the query's terms, unions (summed, or scored by their best part), intersections, AND MAYBE,
  AND NOT and NOT are evaluated from the query itself, without building Whoosh's matchers for them
  (building a term's matcher reads its first block, and an intersection's steps to its first match);
- prefix, wildcard and fuzzy words are first replaced by the union of the index words they stand
  for, found in the field's vocabulary (``expansion``);
- a term's postings (document numbers and weights) are read block by block and kept with the
  segment's other arrays (``index_arrays``);
- its scores are its scorer's formula applied to whole arrays (BM25 is plain arithmetic) with the
  field lengths Whoosh uses, so each is the float Whoosh computes; they are kept beside its
  postings, for the set of segments and the weighting they were computed for;
- unions, intersections, AND NOT, AND MAYBE and boosts combine arrays; a sum may differ from
  Whoosh's in its last bit, as Whoosh adds a union's parts in another order;
- a phrase reads positions only in the paragraphs that have all its words, and the paragraphs
  it matches are kept with the segment's postings;
- any other query (spans, ...) gets Whoosh's matcher, stepped through with its own methods.

Ranking is by score, then (optionally) a column's greatest value, then document number (Whoosh's
order); collapsing keeps the best paragraph of each duplicate group; totals and facet counts are
counts over arrays.
"""

import bisect
import collections
import dataclasses
import time

import numpy as np
from whoosh import query, scoring
from whoosh.codec.whoosh3 import W3LeafMatcher
from whoosh.matching import binary, combo, mcore, wrappers

from search_service.search.caches import index_key
from search_service.search.expansion import expanded
from search_service.search.index_arrays import NO_POSTINGS, index_groups, segment_arrays, value_ranks
from search_service.search.query import QueryError

#: Seconds a search may run before it is stopped (a pathological query must not hold a core).
SEARCH_TIME_LIMIT = 5.0
#: Matches stepped through between two looks at the deadline.
DEADLINE_EVERY = 256


@dataclasses.dataclass(frozen=True)
class Facet:
    """Counts of the matches by the values of a column field, or by ``bucket(value)``, taken under
    ``restriction`` instead of the search's filter (None: every match of the query)."""

    fieldname: str
    restriction: object = None
    bucket: object = None

    def codes(self, segment, reader):
        """``(codes, values)`` of the segment's documents for this facet (see ``field_codes``)."""
        if self.bucket is None:
            return segment.field_codes(reader, self.fieldname)
        return segment.bucket_codes(reader, self.fieldname, self.bucket)


@dataclasses.dataclass
class Collected:
    """The ranked page candidates and the counts over every match."""

    top: list  # (global document number, score), best first
    total: int  # matches, collapsed duplicates included
    groups: int  # matches once collapsed
    facets: dict  # facet name -> {value: matches}
    group_matches: dict  # document number in ``top`` or ``window`` -> the matches of its group, itself included
    matches: np.ndarray = dataclasses.field(compare=False, repr=False)  # every match's document number, ascending
    #: The best ``window`` paragraphs with at most ``window_per_group`` of each group, best first
    #: (``top``'s first ones when that is one): the candidates a second stage rescores.
    window: list = dataclasses.field(default_factory=list)

    def found(self, docnums):
        """Those of ``docnums`` (global document numbers) that the search matched, in their order."""
        if not docnums or not len(self.matches):
            return []
        wanted = np.asarray(docnums)
        at = np.minimum(np.searchsorted(self.matches, wanted), len(self.matches) - 1)
        return wanted[self.matches[at] == wanted].tolist()


class _SegmentScoring:
    """Evaluates queries and matcher trees over one segment into (mask, scores) arrays."""

    def __init__(self, reader, segment, deadline, searcher_key, scorers):
        self.reader = reader
        self.segment = segment
        self.searcher_key = searcher_key  # index_key of the searcher the segment belongs to
        self.n = segment.doc_count
        self.deadline = deadline
        # Scorers hold index-wide statistics (idf, average length): one per term serves every segment.
        self.scorers = scorers

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
            # The terms' postings are added up at once (each paragraph's scores in the terms' order),
            # not each into an array over every paragraph.
            postings, others = [NO_POSTINGS], []
            for sub in q.subqueries:
                found = self._term_postings_scores(sub, searcher, context) if type(sub) is query.Term else None
                if found is None:
                    others.append(self.query(sub, searcher, context))
                else:
                    postings.append(found)
            ids = np.concatenate([term_ids for term_ids, _ in postings])
            # np.bincount counts in integers when no term has postings, whatever the weights' type.
            scores = np.bincount(ids, np.concatenate([term_scores for _, term_scores in postings]), self.n).astype(np.float64, copy=False)
            mask = np.zeros(self.n, dtype=bool)
            mask[ids] = True
            for mask_b, b in others:
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
        if kind is query.Not:
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
                raise _too_slow()
        return np.array(kept, dtype=np.int32)

    def _term(self, q, searcher, context):
        found = self._term_postings_scores(q, searcher, context)
        return self.scored(q.matcher(searcher, context)) if found is None else self._dense(*found)

    def _term_postings_scores(self, q, searcher, context):
        """A term's document numbers and scores (boost applied) in the segment, or None where only
        its Whoosh matcher can tell (a scorer that is not BM25-like)."""
        fieldname = q.fieldname
        if fieldname not in searcher.schema:
            return NO_POSTINGS
        try:
            key = (fieldname, searcher.schema[fieldname].to_bytes(q.text))
        except ValueError:
            return NO_POSTINGS
        postings = self.segment.postings(self.reader, key)
        if not len(postings[0]):  # no scorer for a term the segment lacks
            return postings
        scores = self._term_scores(key, postings, searcher, context)
        if scores is None:
            return None
        if q.boost != 1.0:
            scores = scores * q.boost
        return postings[0], scores

    def _term_scores(self, key, postings, searcher, context):
        """A term's scores (no boost) for its postings in the segment, or None where its scorer's
        formula cannot be applied to arrays. They depend on the whole index's statistics (idf,
        average length), so they are kept with the segment's postings for this set of segments
        and this weighting."""
        kept_key = ("scores", self.searcher_key, context.weighting, key)
        found = self.segment.cached_postings(kept_key)
        if found is not None:
            return found[0]
        scorer = self.scorers.get(key)
        if scorer is None:
            scorer = self.scorers[key] = context.weighting.scorer(searcher, *key)
        scores = self._scores(scorer, key[0], postings)
        if scores is not None:
            scores.flags.writeable = False
            self.segment.keep_postings(kept_key, (scores,))
        return scores

    def _scores(self, scorer, fieldname, postings):
        """The scores ``scorer`` gives a term's postings ``(ids, weights)`` in the segment, or None
        where its formula cannot be applied to arrays."""
        if not _vectorizable(scorer):
            return None
        ids, weights = postings
        scores = scorer._score(weights.astype(np.float64), self.segment.field_lengths(self.reader, fieldname)[ids])
        return scores if isinstance(scores, np.ndarray) and scores.shape == ids.shape else None

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
            postings = self.segment.leaf_postings(m)
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
        if (kind is query.Term or kind is query.TermRange) and self.reader.has_column(q.fieldname):
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
            mask[self.segment.leaf_postings(m)[0]] = True
            return mask
        return self._stepped(m, scored=False)[0]

    def _dense(self, ids, scores):
        mask, dense = self._empty()
        mask[ids] = True
        dense[ids] = scores
        return mask, dense

    def _stepped(self, m, scored):
        """Step through any matcher with Whoosh's own methods (exact for every matcher type)."""
        ids, scores = [], []
        while m.is_active():
            ids.append(m.id())
            if scored:
                scores.append(m.score())
            m.next()
            if len(ids) % DEADLINE_EVERY == 0 and time.monotonic() > self.deadline:
                raise _too_slow()
        ids = np.array(ids, dtype=np.int64)
        return self._dense(ids, np.array(scores) if scored else np.zeros(len(ids)))


def _has_positions(searcher, fieldname):
    return fieldname in searcher.schema and searcher.schema[fieldname].format.supports("positions")


def _in_order(positions, slop):
    """Whether words at these positions (a sorted list per word, taken from ``positions`` only
    while they can still be in order) follow each other in order, each 1 to ``slop`` positions
    after the end of the words before it (Whoosh's ordered SpanNear2). Only where the words so far
    can end matters: each position of the next word is looked up among those, so a paragraph of
    megabytes costs its positions, not their product."""
    ends = None
    for following in positions:
        if ends is None:
            ends = following
        else:
            ends = [p for p in following if bisect.bisect_left(ends, p - slop) < bisect.bisect_left(ends, p)]
        if not ends:
            return False
    return True


def _group_counts(groups):
    """From the matches' group numbers: the matches of each group number, and how many groups
    they make (a negative number is a group alone)."""
    alone = groups < 0
    per_group = np.bincount(groups[~alone])
    return per_group, int(np.count_nonzero(per_group)) + int(np.count_nonzero(alone))


def _vectorizable(scorer):
    """Whether a scorer's score is ``_score(weight, field length)``, arithmetic numpy can apply to arrays."""
    return isinstance(scorer, scoring.WeightLengthScorer) and type(scorer).score is scoring.WeightLengthScorer.score


def _too_slow():
    return QueryError(
        f"the search took longer than {SEARCH_TIME_LIMIT:g} s and was stopped: use fewer or more specific words",
        "too_slow", SEARCH_TIME_LIMIT,
    )


def search_deadline():
    """The ``time.monotonic()`` time at which a search starting now is stopped."""
    return time.monotonic() + SEARCH_TIME_LIMIT


def collect(
    searcher, q, limit, group_field, facets=None, search_filter=None, deadline=None, sort_field=None, tie_field=None, window=0,
    window_per_group=1,
):
    """Score every match of ``q``; return the best ``limit`` (one per ``group_field`` value), the
    best ``window`` (at most ``window_per_group`` per value; ``window`` at most ``limit``) and the counts.

    ``search_filter`` restricts the matches; ``facets`` maps names to the ``Facet`` counted. With a
    ``sort_field`` (a column), the matches with its greatest values come first (ISO dates: the
    newest), then the best scored. With a ``tie_field`` (a column), of equal scores the greatest
    value comes first (a republished paragraph's dated copy before its undated one). Raises a
    ``QueryError`` (``too_slow``) past ``deadline`` (a ``time.monotonic()`` time; by default
    ``search_deadline()``), and one for a wildcard word that would be every word of the index.
    """
    if deadline is None:
        deadline = search_deadline()
    q = expanded(searcher, q)
    context = searcher.context(needs_current=True, top_query=q, limit=limit)
    facets = facets or {}
    found, scores, scorers = [], [], {}
    searcher_key = index_key(searcher)
    facet_parts = {name: [] for name in facets}
    for subsearcher, offset in searcher.leaf_searchers():
        reader = subsearcher.reader()
        segment = segment_arrays(reader)
        segment_scoring = _SegmentScoring(reader, segment, deadline, searcher_key, scorers)
        mask, segment_scores = segment_scoring.query(q, subsearcher, context)
        # Counted by document numbers: indexing with a mask over every paragraph is several times slower.
        searched = np.flatnonzero(_restricted(mask, search_filter, segment_scoring, subsearcher))
        for name, facet in facets.items():
            # A facet whose filter is the search's (no filter of its own was set) counts what was found.
            if facet.restriction == search_filter:
                counted = searched
            else:
                counted = np.flatnonzero(_restricted(mask, facet.restriction, segment_scoring, subsearcher))
            facet_parts[name].append((facet.codes(segment, reader), counted))
        found.append(searched + offset)
        scores.append(segment_scores)
    scores = np.concatenate(scores)
    groups, _, _ = index_groups(searcher, group_field)
    matches = np.concatenate(found)
    ranks = None if sort_field is None else value_ranks(searcher, sort_field)
    ties = None if tie_field in (None, sort_field) else value_ranks(searcher, tie_field)  # the sort field orders its ties already
    best = _best_per_group(matches, scores, groups, limit, ranks, ties)
    candidates = best[:window] if window_per_group == 1 else _best_per_group(matches, scores, groups, window, ranks, ties, window_per_group)
    docnums = sorted({d for d, _ in best + candidates})
    per_group, group_count = _group_counts(groups[matches])
    return Collected(
        top=best,
        total=len(matches),
        groups=group_count,
        facets={name: _counts(parts) for name, parts in facet_parts.items()},
        group_matches={d: 1 if group < 0 else int(per_group[group]) for d, group in zip(docnums, groups[docnums].tolist())},
        window=candidates,
        matches=matches,
    )


def group_others(searcher, docnums, group_field):
    """For each document, the other documents of its ``group_field`` group (none without a group)."""
    groups, order, ordered = index_groups(searcher, group_field)
    wanted = groups[docnums]
    starts, ends = np.searchsorted(ordered, wanted).tolist(), np.searchsorted(ordered, wanted, side="right").tolist()
    return [
        [] if group < 0 else [d for d in order[start:end].tolist() if d != docnum]
        for docnum, group, start, end in zip(docnums, wanted.tolist(), starts, ends)
    ]


def _restricted(mask, restriction, segment_scoring, subsearcher):
    """The documents of ``mask`` that the filter query ``restriction`` (None: no filter) matches."""
    if restriction is None:
        return mask
    return mask & segment_scoring.restriction(restriction, subsearcher)


def _in_range(value, q):
    """Whether a value is within a ``TermRange`` (bounds inclusive unless excluded; None: open)."""
    above = q.start is None or (value > q.start if q.startexcl else value >= q.start)
    below = q.end is None or (value < q.end if q.endexcl else value <= q.end)
    return above and below


def _counts(parts):
    """``{value: matches}`` over segments' ``((codes, values), document numbers)``; documents
    without a value are not counted."""
    counts = collections.Counter()
    for (codes, values), docnums in parts:
        for code, count in enumerate(np.bincount(codes[docnums], minlength=len(values)).tolist()):
            if count and values[code]:
                counts[values[code]] += count
    return dict(counts)


def _best_per_group(matches, scores, groups, limit, ranks=None, ties=None, per_group=1):
    """The ``limit`` best matches (score descending, then document number), at most ``per_group``
    of each group; with ``ranks`` (one per document), the highest ranked first, then by score; with
    ``ties`` (one per document), of equal scores the highest first."""
    primary = (scores if ranks is None else ranks)[matches]
    wanted = min(len(matches), 4 * limit + 16)
    while True:
        if wanted < len(matches):
            threshold = np.partition(primary, len(matches) - wanted)[len(matches) - wanted]
            candidates = matches[primary >= threshold]
        else:
            candidates = matches
        keys = (
            (candidates,) + (() if ties is None else (-ties[candidates],))
            + (-scores[candidates],) + (() if ranks is None else (-ranks[candidates],))
        )
        ranked = candidates[np.lexsort(keys)]
        kept = ranked[_ranks_in_group(groups[ranked]) < per_group]
        if len(kept) >= limit or len(candidates) == len(matches):
            return [(int(d), float(scores[d])) for d in kept[:limit]]
        wanted *= 4


def _ranks_in_group(groups):
    """For a sequence of group numbers, each one's count of earlier equal numbers (0 for the first of its group)."""
    order = np.argsort(groups, kind="stable")
    ordered = groups[order]
    starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
    ranks = np.empty(len(groups), dtype=np.int64)
    ranks[order] = np.arange(len(groups)) - np.repeat(starts, np.diff(np.r_[starts, len(groups)]))
    return ranks
