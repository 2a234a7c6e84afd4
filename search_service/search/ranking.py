"""The ranking model, in two stages as search engines rescore.

1. Every match of the query is scored by BM25 over the paragraph's fields (stems, exact word
   forms, title), each field with its own k1 and b, and Lucene's idf.
2. The best ``RESCORE_WINDOW`` paragraphs are rescored: their character 3-gram BM25 for the query's
   words is added (related word forms: الصبر finds يصبرون), then pseudo-relevance feedback (RM3)
   adds the BM25 of the terms that weigh most in the best of them. Both only add to a score, so the
   window stays above the paragraphs after it.
"""

import collections
import math

import numpy as np
from whoosh import scoring

from search_service.arabic import index_terms
from search_service.indexing import schema as fields
from search_service.search.collection import field_lengths, term_postings
from search_service.search.query import wanted_words

#: (k1, b) of each field, tuned on the train and dev splits of the evaluation sets.
FIELD_PARAMETERS = {
    fields.TEXT: (0.6, 0.6),
    fields.TEXT_EXACT: (0.6, 0.6),
    fields.TEXT_NGRAM: (1.2, 0.75),
    fields.TITLE: (1.2, 0.75),
}
#: Paragraphs rescored after the first stage.
RESCORE_WINDOW = 100
#: Weight of the character n-gram BM25 beside the first stage's score.
NGRAM_WEIGHT = 0.6
#: Feedback: paragraphs it reads, terms it adds and their weight.
FEEDBACK_PARAGRAPHS = 10
FEEDBACK_TERMS = 20
FEEDBACK_WEIGHT = 0.3


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
        found = parent.doc_frequency(fieldname, text)
        return math.log(1 + (parent.doc_count() - found + 0.5) / (found + 0.5))

    def scorer(self, searcher, fieldname, text, qf=1):
        if not searcher.schema[fieldname].scorable:
            return scoring.WeightScorer.for_(searcher, fieldname, text)
        k1, b = self.parameters.get(fieldname, (self.K1, self.B))
        return scoring.BM25FScorer(searcher, fieldname, text, b, k1, qf=qf)


def weighting():
    """The first stage's ranking function."""
    return FieldBM25(FIELD_PARAMETERS)


def _bm25(searcher, fieldname, docnums, terms):
    """The BM25 of each paragraph in ``docnums`` (ascending) for ``{term: query weight}`` in one field."""
    k1, b = FIELD_PARAMETERS[fieldname]
    lengths = field_lengths(searcher, fieldname)[docnums]
    norm = k1 * (1 - b + b * lengths / (searcher.avg_field_length(fieldname) or 1))
    total = np.zeros(len(docnums))
    for term, weight in terms.items():
        ids, frequencies = term_postings(searcher, fieldname, term)
        if not len(ids):
            continue
        at = np.minimum(np.searchsorted(ids, docnums), len(ids) - 1)
        tf = np.where(ids[at] == docnums, frequencies[at], 0.0)
        total += weight * searcher.idf(fieldname, term) * tf * (k1 + 1) / (tf + norm)
    return total


def _feedback_terms(searcher, docnums, scores):
    """RM3's expansion terms: each paragraph's term frequencies weighted by exp(score - best score)."""
    weights = collections.Counter()
    best = max(scores)
    for docnum, score in zip(docnums, scores):
        terms = collections.Counter(index_terms(searcher.stored_fields(docnum)[fields.TEXT]))
        length = sum(terms.values()) or 1
        for term, count in terms.items():
            weights[term] += math.exp(score - best) * count / length
    chosen = weights.most_common(FEEDBACK_TERMS)
    return {term: weight / chosen[0][1] for term, weight in chosen} if chosen else {}


def rescore(searcher, text, ranked):
    """Second stage: ``ranked`` ``(docnum, score, ...)`` tuples, best first, with the window rescored."""
    window, rest = ranked[:RESCORE_WINDOW], ranked[RESCORE_WINDOW:]
    words = wanted_words(text)
    if not window or not words:
        return ranked
    docnums = np.array(sorted(r[0] for r in window), dtype=np.int64)
    first = {r[0]: r[1] for r in window}
    scores = np.array([first[d] for d in docnums])
    grams = collections.Counter(t.text for t in searcher.schema[fields.TEXT_NGRAM].analyzer(" ".join(words)))
    if grams and NGRAM_WEIGHT:
        scores += NGRAM_WEIGHT * _bm25(searcher, fields.TEXT_NGRAM, docnums, grams)
    if FEEDBACK_WEIGHT:
        best = np.argsort(-scores, kind="stable")[:FEEDBACK_PARAGRAPHS]
        terms = _feedback_terms(searcher, docnums[best], scores[best])
        scores += FEEDBACK_WEIGHT * _bm25(searcher, fields.TEXT, docnums, terms)
    rescored = dict(zip(docnums.tolist(), scores.tolist()))
    window = [(r[0], rescored[r[0]], *r[2:]) for r in window]
    window.sort(key=lambda r: (-r[1], r[0]))
    return window + rest
