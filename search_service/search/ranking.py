"""The ranking model, in two stages as search engines rescore.

1. Every match of the query is scored by BM25 over the paragraph's fields (stems, exact word
   forms, title), each field with its own k1 and b, and Lucene's idf.
2. The best ``RESCORE_WINDOW`` paragraphs (with at most ``RESCORED_PER_GROUP`` of each group a
   result stands for) are rescored: the BM25F of the query words' character
   3-grams in the text and the title is added (related word forms: الصبر finds يصبرون, in the
   paragraph or in its document's title), then the BM25 of pairs of consecutive query words
   found in their order a few words apart (ordered proximity), then pseudo-relevance
   feedback (RM3) adds the BM25 of the terms that weigh most in the best of them. All only add to
   a score, so the window stays above the paragraphs after it, and none adds or removes a match.

The window's paragraphs are read as they were analysed at indexing (their terms and n-gram forms
are stored beside the text), so the index keeps no n-gram postings; each n-gram's collection
frequency is summed once per index generation from the exact-form vocabulary.
"""

import bisect
import collections
import dataclasses
import heapq
import math
import operator
import typing

import numpy as np
from whoosh import scoring

from search_service.arabic import NGRAM_SIZE, query_terms, word_ngrams
from search_service.indexing import schema as index_schema
from search_service.indexing.caches import KeptPerKey, Remembered
from search_service.search.caches import GENERATIONS_KEPT, index_key
from search_service.search.index_arrays import column_values, index_groups, value_ranks, vocabulary
from search_service.search.query import weighted_wanted_words

#: (k1, b) of each field, tuned on the train and dev splits of the evaluation sets.
FIELD_PARAMETERS = {
    index_schema.TEXT: (0.6, 0.6),
    index_schema.TEXT_EXACT: (0.6, 0.6),
    index_schema.TITLE: (1.2, 0.75),
}
#: Paragraphs rescored after the first stage.
RESCORE_WINDOW = 50
#: How many paragraphs of one group the window may hold, by the field that groups them: copies of
#: one paragraph rescore alike, the paragraphs of one document do not (its best after rescoring
#: stands for it).
RESCORED_PER_GROUP = {index_schema.DUPLICATE_GROUP: 1, index_schema.DOCUMENT_ID: 3}
#: (k1, b) of the character n-gram BM25F, and its weight beside the first stage's score.
NGRAM_PARAMETERS = (1.2, 0.75)
NGRAM_WEIGHT = 1.0
#: How many times an n-gram of the title counts as one of the text (BM25F's field weight; a whole
#: number, as the title's n-gram forms are counted that many times over).
TITLE_NGRAM_WEIGHT = 2
#: Ordered proximity: two consecutive query words found in this order at most this many terms
#: apart (a prefix variant the index adds beside a word counts as a term) count as one
#: occurrence of the pair, scored by BM25 with this weight.
PROXIMITY_WINDOW = 3
PROXIMITY_WEIGHT = 0.5
#: Feedback: paragraphs it reads, terms it adds and their weight.
FEEDBACK_PARAGRAPHS = 10
FEEDBACK_TERMS = 20
FEEDBACK_WEIGHT = 0.3
#: Terms whose paragraph count is remembered per index generation (forgotten when full): a search
#: looks up its terms' and its feedback terms' in every segment.
DOC_FREQUENCIES_REMEMBERED = 100_000


_doc_frequencies = KeptPerKey(GENERATIONS_KEPT)


class FieldBM25(scoring.BM25F):
    """BM25 summed over fields, each with its own k1 and b, and Lucene's idf.

    Lucene's idf, ``log(1 + (N - n + 0.5) / (n + 0.5))``, goes to 0 for a term in every
    paragraph, where Whoosh's ``log(N / (n + 1)) + 1`` stays at 1 or more.
    """

    def __init__(self, parameters):
        super().__init__()
        self.parameters = dict(parameters)

    def idf(self, searcher, fieldname, text):
        parent = searcher.get_parent()
        found = _doc_frequencies.get(index_key(parent), lambda: Remembered(DOC_FREQUENCIES_REMEMBERED))
        return lucene_idf(found.get((fieldname, text), parent.doc_frequency, fieldname, text), parent.doc_count())

    def scorer(self, searcher, fieldname, text, qf=1):
        if not searcher.schema[fieldname].scorable:
            return scoring.WeightScorer.for_(searcher, fieldname, text)
        k1, b = self.parameters.get(fieldname, (self.K1, self.B))
        return _BM25Scorer(searcher, fieldname, text, b, k1, qf=qf)


class _BM25Scorer(scoring.BM25FScorer):
    """Whoosh's BM25F scorer, its upper bound computed only when a matcher asks for it.

    Whoosh computes the bound as the scorer is made, from the term's information in every segment
    (most of the time it takes to make one); scoring all the matches never asks for it.
    """

    def setup(self, searcher, fieldname, text):
        self._bound_of = (searcher, fieldname, text)
        self.dfl = lambda docid: searcher.doc_field_length(docid, fieldname, 1)

    def max_quality(self):
        searcher, fieldname, text = self._bound_of
        info = searcher.term_info(fieldname, text)
        return self._score(info.max_weight(), info.min_length())


def lucene_idf(found, paragraphs):
    """Lucene's BM25 idf of a term found ``found`` times among ``paragraphs`` (0 when it is everywhere)."""
    return math.log(1 + max(paragraphs - found + 0.5, 0) / (found + 0.5))


_WEIGHTING = FieldBM25(FIELD_PARAMETERS)


def weighting():
    """The first stage's ranking function (one instance: the term scores it gives are kept per
    weighting, with the segments' postings)."""
    return _WEIGHTING


def _bm25(tf, lengths, average, k1, b):
    return tf * (k1 + 1) / (tf + k1 * (1 - b + b * lengths / average))


def _weighted_bm25(tf, lengths, weights, average, k1, b):
    """Sum over terms of ``weights`` × BM25, for a (paragraphs × terms) ``tf`` matrix and the paragraphs' ``lengths``."""
    return _bm25(tf, lengths[:, None], average or 1, k1, b) @ weights


@dataclasses.dataclass
class _NgramStatistics:
    frequencies: dict  # n-gram -> occurrences in the collection
    paragraphs: int
    average_length: float  # n-grams per paragraph


_statistics = KeptPerKey(GENERATIONS_KEPT)


def ngram_statistics(searcher):
    """The n-gram frequencies of the index generation, summed over its exact-form vocabulary (once)."""

    def compute():
        frequencies, total = collections.Counter(), 0
        for word, count in zip(*vocabulary(searcher, index_schema.TEXT_EXACT)):
            grams = word_ngrams(word)
            total += count * len(grams)
            for gram in grams:
                frequencies[gram] += count
        paragraphs = searcher.doc_count()
        return _NgramStatistics(dict(frequencies), paragraphs, total / max(paragraphs, 1))

    return _statistics.get(index_key(searcher), compute)


class _Analysed(typing.NamedTuple):
    # ngram_text of the title TITLE_NGRAM_WEIGHT times, then of the text: as no n-gram spans the
    # space after a form, one str.count finds an n-gram of the title that many times over.
    ngrams: str
    ngram_count: int  # the n-grams of ``ngrams``
    terms: collections.Counter  # indexed term -> occurrences
    sequence: list  # the indexed terms in order


def _analysed(rescoring_forms):
    """A paragraph as the rescoring reads it, from the forms analysed when it was indexed."""
    terms, title, text = index_schema.rescoring_parts(rescoring_forms)
    ngrams = title * TITLE_NGRAM_WEIGHT + text
    sequence = terms.split()
    return _Analysed(ngrams, _ngram_count(ngrams), collections.Counter(sequence), sequence)


def _ngram_count(ngram_forms):
    return len(ngram_forms) - NGRAM_SIZE * ngram_forms.count(" ")


def _positions(sequence, wanted):
    """Each of the ``wanted`` terms' positions in ``sequence``, ascending."""
    found = collections.defaultdict(list)
    for position, term in enumerate(sequence):
        if term in wanted:
            found[term].append(position)
    return found


def _ngram_bm25(searcher, analysed, words):
    """The character n-gram BM25F of paragraphs (``analysed``) for the query's ``(word, weight)``
    pairs: an n-gram of the title counts ``TITLE_NGRAM_WEIGHT`` times as one of the text.

    An n-gram's idf is Lucene's, with its collection frequency in the text standing for its
    document frequency; the average length is the text's. An n-gram weighs the sum of the weights
    of the query's words that hold it.
    """
    wanted = collections.Counter()
    for word, weight in words:
        for gram in word_ngrams(word):
            wanted[gram] += weight
    if not wanted:
        return np.zeros(len(analysed))
    statistics = ngram_statistics(searcher)
    grams = list(wanted)
    tf = np.array([[a.ngrams.count(g) for g in grams] for a in analysed])
    lengths = np.array([a.ngram_count for a in analysed], dtype=np.float64)
    weights = np.array([wanted[g] * lucene_idf(statistics.frequencies.get(g, 0), statistics.paragraphs) for g in grams])
    return _weighted_bm25(tf, lengths, weights, statistics.average_length, *NGRAM_PARAMETERS)


def _text_bm25(searcher, analysed, tf, weights):
    """``_weighted_bm25`` over the paragraphs' indexed terms, with the text field's k1 and b."""
    lengths = np.array([len(a.sequence) for a in analysed], dtype=np.float64)
    return _weighted_bm25(tf, lengths, weights, searcher.avg_field_length(index_schema.TEXT), *FIELD_PARAMETERS[index_schema.TEXT])


def _pairs_in_order(first, second, window):
    """How many positions in ``first`` have a position of ``second`` at most ``window`` after them."""
    return sum(1 for p in first if bisect.bisect_right(second, p + window) > bisect.bisect_right(second, p))


def _proximity_bm25(searcher, analysed, words):
    """The BM25 of paragraphs (``analysed``) for the pairs of consecutive terms of the query's
    ``(word, weight)`` pairs, each pair counted where its second term follows its first within
    ``PROXIMITY_WINDOW`` terms, and weighing the mean of its words' weights."""
    terms = [(term, weight) for word, weight in words for term in query_terms(word)]
    boosts = {}
    for (a, weight_a), (b, weight_b) in zip(terms, terms[1:]):
        if a != b:
            boosts.setdefault((a, b), (weight_a + weight_b) / 2)
    pairs = list(boosts)
    if not pairs:
        return np.zeros(len(analysed))
    tf = np.zeros((len(analysed), len(pairs)))
    for row, paragraph in enumerate(analysed):
        present = [(column, x, y) for column, (x, y) in enumerate(pairs) if x in paragraph.terms and y in paragraph.terms]
        if present:
            positions = _positions(paragraph.sequence, {term for _, x, y in present for term in (x, y)})
            for column, x, y in present:
                tf[row, column] = _pairs_in_order(positions[x], positions[y], PROXIMITY_WINDOW)
    weights = np.array([boosts[x, y] * (searcher.idf(index_schema.TEXT, x) + searcher.idf(index_schema.TEXT, y)) / 2 for x, y in pairs])
    return _text_bm25(searcher, analysed, tf, weights)


def _feedback_terms(analysed, scores):
    """RM3's expansion terms: each paragraph's term frequencies weighted by exp(score - best score)."""
    weights = {}
    best = max(scores)
    for paragraph, score in zip(analysed, scores):
        weight = math.exp(score - best) / (len(paragraph.sequence) or 1)
        for term, count in paragraph.terms.items():
            weights[term] = weights.get(term, 0.0) + weight * count
    chosen = heapq.nlargest(FEEDBACK_TERMS, weights.items(), key=operator.itemgetter(1))
    return {term: weight / chosen[0][1] for term, weight in chosen} if chosen else {}


def _feedback_bm25(searcher, analysed, scores):
    """The BM25 of paragraphs (``analysed``, best first) for the feedback terms of the best of them."""
    best = np.argsort(-scores, kind="stable")[:FEEDBACK_PARAGRAPHS]
    wanted = _feedback_terms([analysed[i] for i in best], scores[best])
    if not wanted:
        return np.zeros(len(analysed))
    tf = np.array([[a.terms.get(t, 0) for t in wanted] for a in analysed], dtype=np.float64)
    weights = np.array([w * searcher.idf(index_schema.TEXT, t) for t, w in wanted.items()])
    return _text_bm25(searcher, analysed, tf, weights)


def rescore(searcher, text, ranked):
    """Second stage: ``ranked`` ``(docnum, score)`` pairs, best first, with the window rescored."""
    window, rest = ranked[:RESCORE_WINDOW], ranked[RESCORE_WINDOW:]
    words = weighted_wanted_words(text)
    if not window or not words:
        return ranked
    scores = np.array([r[1] for r in window], dtype=np.float64)
    docnums = [r[0] for r in window]
    analysed = list(map(_analysed, column_values(searcher, index_schema.RESCORING_FORMS, docnums)))
    if NGRAM_WEIGHT:
        scores += NGRAM_WEIGHT * _ngram_bm25(searcher, analysed, words)
    if PROXIMITY_WEIGHT:
        scores += PROXIMITY_WEIGHT * _proximity_bm25(searcher, analysed, words)
    if FEEDBACK_WEIGHT:
        scores += FEEDBACK_WEIGHT * _feedback_bm25(searcher, analysed, scores)
    window = sorted(zip(docnums, scores.tolist()), key=lambda r: (-r[1], r[0]))
    return window + rest


def rescoring_window(group_field):
    """``collect``'s window arguments for the paragraphs ``rescore_groups`` reads."""
    return {"window": RESCORE_WINDOW, "window_per_group": RESCORED_PER_GROUP[group_field]}


def rescore_groups(searcher, text, collected, group_field, sort_field=None):
    """The groups ``collected`` ranks (by ``group_field``, with ``rescoring_window``) as ``(docnum,
    score)`` pairs: the window's groups each by its best rescored paragraph, then the others in the
    first stage's order (no paragraph after the window scored more than one in it). Collected
    newest first by ``sort_field``, the window's paragraphs are in the order of their new scores
    within each date (each still above those of its date after the window: rescoring only adds to
    a score)."""
    window = rescore(searcher, text, collected.window)
    if sort_field is not None:
        ranks = value_ranks(searcher, sort_field)
        window.sort(key=lambda pair: -ranks[pair[0]])  # stable: by the new score within a date
    candidates = window + collected.top
    groups, _, _ = index_groups(searcher, group_field)
    seen, ranked = set(), []
    for pair, group in zip(candidates, groups[[docnum for docnum, _ in candidates]].tolist()):
        if group not in seen:
            seen.add(group)
            ranked.append(pair)
    return ranked
