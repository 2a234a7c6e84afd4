"""Prefix, wildcard and fuzzy words: the index words each stands for, found in the field's vocabulary."""

import bisect
import re

from rapidfuzz import process
from rapidfuzz.distance import OSA
from whoosh import query

from search_service.indexing.caches import KeptPerKey, Remembered
from search_service.search.caches import GENERATIONS_KEPT, index_key
from search_service.search.index_arrays import vocabulary
from search_service.search.query import MIN_LETTERS_BEFORE_WILDCARD, QueryError

#: Index words a prefix or wildcard word stands for at most (the most frequent), as Lucene's
#: clause limit, and a fuzzy word (the closest, then the most frequent), as Elasticsearch's
#: ``max_expansions``.
MAX_PATTERN_EXPANSIONS = 1024
MAX_FUZZY_EXPANSIONS = 50
#: Expanded words remembered per index generation (forgotten when full).
EXPANSIONS_REMEMBERED = 10_000

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
    if not literal:  # ال?* once its article is off, [ا-ي]*: every word of the index
        raise QueryError(
            "a wildcard word needs letters of its own before * ? or [ (an article does not count)",
            "wildcard_too_short", MIN_LETTERS_BEFORE_WILDCARD,
        )
    start, end = _prefix_range(words, literal)
    pattern = re.compile(node._get_pattern()) if type(node) is query.Wildcard else None
    found = [index for index in range(start, end) if pattern is None or pattern.match(words[index])]
    most_frequent = sorted(found, key=lambda index: -frequencies[index])[:MAX_PATTERN_EXPANSIONS]
    return tuple(words[index] for index in sorted(most_frequent))


def _prefix_range(words, prefix):
    """The range of the sorted ``words`` that begin with ``prefix``."""
    start = bisect.bisect_left(words, prefix)
    return start, bisect.bisect_left(words, prefix + "\U0010ffff", start)
