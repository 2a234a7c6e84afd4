"""The words of a query string: those it asks for and their weights (for ranking and did-you-mean),
its plain words, and the names whose other names it also looks up (``synonyms.txt``)."""

import re

from search_service.arabic import letters
from search_service.search.query.lexicon import BOOST, EXPANDING_SIGNS, FIELD_PREFIX, OPERATORS, PHRASE_OR_WORD, SYNTAX
from search_service.search.query.rewriting import plain, rewrite, written_boost
from search_service.search.synonyms import named_runs

_SLOP = re.compile(r'(?<=")~\d+$')
#: A word (its marks too: مَ*) followed by a wildcard or fuzzy sign.
_EXPANDING = re.compile(rf"(?:\w|[{letters.WORD_MARKS}])[{EXPANDING_SIGNS}]")


def query_synonyms(text):
    """``[(name, [its other names])]``: the names in a query that also find their others
    (``synonyms.txt``), as written, except excluded ones (``-شباط``, ``NOT شباط``)."""
    found, previous = [], None
    for pieces, named in named_runs(PHRASE_OR_WORD.findall(plain(text))):
        if named is not None and "-" not in named.before and previous != "NOT":
            found.append((named.written, list(named.others)))
        previous = pieces[-1]
    return found


def wanted_words(text):
    """The words a query asks for, in order: plain and phrase words, without the excluded ones,
    wildcard and fuzzy words, question words, operators and field names (for ranking)."""
    return [word for word, _ in weighted_wanted_words(text)]


def weighted_wanted_words(text):
    """``wanted_words`` with their weights: the boost of the word or phrase they are in (``^2``), else
    1 (a bracketed group's boost, ``(a b)^2``, weighs in the first stage only)."""
    words, excluded, excluded_brackets = [], False, 0  # brackets still open of an excluded group
    for piece in PHRASE_OR_WORD.findall(plain(text)):
        if excluded_brackets:
            excluded_brackets = max(0, excluded_brackets + _brackets_opened(piece))
            continue
        bare = piece.lstrip("+(")  # (NOT, (-word and +(-word exclude inside the bracket they open
        if bare in OPERATORS:
            excluded = excluded or bare == "NOT"
            continue
        minus = bare.startswith("-")
        signed = bare[1:] if minus else piece
        if (excluded or minus) and signed.lstrip("+").startswith("("):  # an excluded group: -(a b), NOT +(a b)
            excluded_brackets = max(0, _brackets_opened(signed))
        elif not (excluded or minus or _EXPANDING.search(piece)):
            weight = written_boost(piece)
            plain_words = SYNTAX.sub(" ", FIELD_PREFIX.sub("", _SLOP.sub("", BOOST.sub("", piece))))
            words.extend((word, weight) for word in plain_words.split())
        excluded = False
    return words


def _brackets_opened(piece):
    """Brackets a piece of a query opens, less those it closes (none in a phrase)."""
    return 0 if piece.startswith('"') else piece.count("(") - piece.count(")")


def query_words(text):
    """The plain words of a query string, without operators and syntax."""
    return SYNTAX.sub(" ", rewrite(text)).split()
