"""The queries the service refuses (``QueryError``), why (``REFUSALS``), and the limits a query
is checked against before it is parsed."""

import re

from search_service.arabic.normalization import strip_marks
from search_service.search.query.lexicon import EXPANDING_SIGNS, PHRASE

MAX_QUERY_LENGTH = 500
MAX_QUERY_TERMS = 50
#: Brackets nested at most this deep, as Elasticsearch's default ``max_nested_depth``: the parser
#: recurses into each level, and past about 170 it would fail and read the query as plain words.
MAX_BRACKET_DEPTH = 20
#: Wildcard, prefix and fuzzy words each expand over the vocabulary, so they are limited.
MAX_EXPANDING_WORDS = 5
#: Letters an expanding word needs before its first * or ?.
MIN_LETTERS_BEFORE_WILDCARD = 2

#: A wildcard or fuzzy word where a word starts (after a space, a bracket or a sign), its field
#: too: what comes before its first sign is its group.
_EXPANDING_WORD = re.compile(rf'(?:^|(?<=[\s(+-]))(?:\w+:)?([^\s"(){EXPANDING_SIGNS}]*)[{EXPANDING_SIGNS}]')


class QueryError(ValueError):
    """A query the service refuses; the message tells the user what to change, ``reason`` names the
    refusal for programs (one of ``REFUSALS``), ``limit`` is the limit it passed, if it has one, and
    ``field`` the request's parameter to change (``q``, or ``page`` for a page too deep)."""

    def __init__(self, message, reason, limit=None, field="q"):
        super().__init__(message)
        self.reason, self.limit, self.field = reason, limit, field


#: Why a query may be refused: ``QueryError.reason``.
REFUSALS = (
    "empty", "too_long", "unbalanced_quotes", "unbalanced_brackets", "brackets_too_deep", "too_many_words",
    "slop_without_number", "too_many_expanding_words", "wildcard_too_short", "nothing_meaningful", "too_slow",
    "page_too_deep",
)


def check_query(text):
    """Raise a ``QueryError`` for a query past one of the limits or with unbalanced quotes or brackets."""
    if not text.strip():
        raise QueryError("the query is empty: type at least one word", "empty")
    if len(text) > MAX_QUERY_LENGTH:
        raise QueryError(f"the query is too long ({len(text)} characters; at most {MAX_QUERY_LENGTH})", "too_long", MAX_QUERY_LENGTH)
    if text.count('"') % 2:
        raise QueryError('unbalanced quotes: close the phrase with " or remove the quote', "unbalanced_quotes")
    depth = deepest = 0
    for char in text:
        depth += {"(": 1, ")": -1}.get(char, 0)
        deepest = max(deepest, depth)
        if depth < 0:
            break
    if depth:
        raise QueryError("unbalanced brackets: every ( needs a matching )", "unbalanced_brackets")
    if deepest > MAX_BRACKET_DEPTH:
        raise QueryError(
            f"brackets are nested too deep ({deepest} levels; at most {MAX_BRACKET_DEPTH})", "brackets_too_deep", MAX_BRACKET_DEPTH
        )
    if len(text.split()) > MAX_QUERY_TERMS:
        raise QueryError(f"the query has too many words (at most {MAX_QUERY_TERMS})", "too_many_words", MAX_QUERY_TERMS)
    if re.search(r'"[^"]*"~(?!\d)', text):
        raise QueryError('a phrase\'s ~ needs a number: "words"~2 allows up to 2 other words between them', "slop_without_number")
    expanding = _EXPANDING_WORD.findall(re.sub(PHRASE, " ", text))
    if len(expanding) > MAX_EXPANDING_WORDS:
        raise QueryError(
            f"the query has too many wildcard or fuzzy words (at most {MAX_EXPANDING_WORDS})", "too_many_expanding_words", MAX_EXPANDING_WORDS
        )
    if any(len(strip_marks(stem)) < MIN_LETTERS_BEFORE_WILDCARD for stem in expanding):
        raise QueryError(
            f"a wildcard or fuzzy word needs at least {MIN_LETTERS_BEFORE_WILDCARD} letters before * ? or ~",
            "wildcard_too_short", MIN_LETTERS_BEFORE_WILDCARD,
        )
