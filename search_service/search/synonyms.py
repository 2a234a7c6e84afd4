"""The synonym sets of ``synonyms.txt`` (the months' names: شباط, فبراير, فيفري) and the runs of a
query's words that name one of them, which then also look up the others."""

import re
import typing

from search_service.arabic import normalize
from search_service.arabic.normalization import WORD_PREFIXES, word_list_lines
from search_service.arabic.stemming import ERA_LETTERS

#: Weight of a synonym (``synonyms.txt``) beside the query's own word; a name of several words
#: is a phrase, which scores the sum of its words, so each of its words weighs this share of it.
SYNONYM_BOOST = 0.5
#: The operator between a word and its synonyms in a rewritten query: the group scores a paragraph
#: by the best of them, so one that has two names of a thing counts it once, as OpenSearch's
#: synonym filter does.
SYNONYM_OPERATOR = "ORSYNONYM"
#: Punctuation a query's word may end with (a character class's letters).
CLOSING_PUNCTUATION = ".,،؛;!:"
TRAILING_PUNCTUATION = re.compile(rf"[{CLOSING_PUNCTUATION}]+$")

#: A word of a query as a name is looked up: its + or - and opening brackets, the word, its
#: closing punctuation and brackets.
_NAMING_WORD = re.compile(rf"(?P<before>[+-]?\(*)(?P<word>.+?)(?P<after>[{CLOSING_PUNCTUATION}]*\)*)")


def _name_key(name):
    return tuple(map(normalize, name.split()))


def _synonym_sets():
    """``({name: its set}, the names that are also other words)`` from ``synonyms.txt``: a name as
    the tuple of its normalised words, a set as its names, written as the list writes them (those
    in square brackets there are also other words)."""
    table, also_words = {}, set()
    for line in word_list_lines("synonyms.txt", __package__):
        listed = [name.strip() for name in line.split(",")]
        names = tuple(name.strip("[]") for name in listed)
        for name, as_listed in zip(names, listed):
            table[_name_key(name)] = names
            if as_listed.startswith("["):
                also_words.add(_name_key(name))
    return table, frozenset(also_words)


SYNONYMS, _ALSO_WORDS = _synonym_sets()
#: A query's word beside which a month's name that is also another word (مارس) is the month: a
#: number (a day, or a year with or without the letter of its era: 2024م) or شهر, with a one-letter
#: prefix, brackets and punctuation.
_MONTH_CONTEXT = re.compile(rf"[+\-(]*[{WORD_PREFIXES}]?(?:\d+[{ERA_LETTERS}]?|شهر)[{CLOSING_PUNCTUATION})]*")
#: ``{name: the other names of its set}``, as ``synonyms.txt`` writes them.
_OTHER_NAMES = {key: tuple(other for other in names if _name_key(other) != key) for key, names in SYNONYMS.items()}
_LONGEST_NAME = max(map(len, SYNONYMS))
#: The normalised words of the names in ``synonyms.txt``.
_NAME_WORDS = frozenset(word for name in SYNONYMS for word in name)


class _Name(typing.NamedTuple):
    """A run of a query's words that names something in ``synonyms.txt``."""

    before: str  # the + or - and the brackets before it
    written: str  # its words as the query writes them
    after: str  # the punctuation and brackets after it
    name: tuple  # its normalised words
    others: tuple  # the other names of its synonym set


def _named(pieces):
    """The ``_Name`` the query's ``pieces`` are, or None. Brackets may open before it and close
    after it; only a one-word name may carry a + or -, and one of ``WORD_PREFIXES`` (و and, ب in,
    ل for, ف so, ك as)."""
    matches = [_NAMING_WORD.fullmatch(piece) for piece in pieces]
    if not all(matches):
        return None
    if len(matches) > 1 and (
        matches[0]["before"].lstrip("(") or any(m["before"] for m in matches[1:]) or any(m["after"] for m in matches[:-1])
    ):
        return None
    name = tuple(normalize(m["word"]) for m in matches)
    if name not in SYNONYMS and len(name) == 1 and name[0][:1] in WORD_PREFIXES:
        name = (name[0][1:],)
    if name not in SYNONYMS:
        return None
    written = " ".join(m["word"] for m in matches)
    return _Name(matches[0]["before"], written, matches[-1]["after"], name, _OTHER_NAMES[name])


def _alternative(words, boost=None):
    written = f'"{words}"' if " " in words else words
    return written if boost is None else f"{written}^{boost:g}"


def named_runs(pieces):
    """The query's ``pieces`` and the runs of them that name something in ``synonyms.txt``: for
    each, ``(pieces, None)`` or ``(pieces, _Name)``, in order."""
    start = 0
    while start < len(pieces):
        for length in range(min(_LONGEST_NAME, len(pieces) - start), 0, -1):
            named = _named(pieces[start : start + length])
            if named and (named.name not in _ALSO_WORDS or _beside_a_date(pieces, start, start + length)):
                yield pieces[start : start + length], named
                start += length
                break
        else:
            yield pieces[start : start + 1], None
            start += 1


def _beside_a_date(pieces, start, end):
    """Whether the query's pieces before ``start`` or at ``end`` are a number or شهر."""
    return any(_MONTH_CONTEXT.fullmatch(normalize(piece)) for piece in pieces[max(start - 1, 0) : start] + pieces[end : end + 1])


def with_synonyms(pieces):
    """The query's ``pieces`` (its phrases and words) joined again, each plain word or run of words
    that names something in ``synonyms.txt`` as a group of itself and the other names, those
    weighted ``SYNONYM_BOOST``:
    ``18 شباط`` → ``18 (شباط ORSYNONYM فبراير^0.5 ORSYNONYM فيفري^0.5)``."""
    rewritten = []
    for run, named in named_runs(pieces):
        if named is None:
            rewritten.extend(run)
            continue
        others = [_alternative(other, SYNONYM_BOOST / len(other.split())) for other in named.others]
        group = f" {SYNONYM_OPERATOR} ".join([_alternative(named.written), *others])
        rewritten.append(f"{named.before}({group}){named.after}")
    return " ".join(rewritten)


def is_name_word(word):
    """Whether a word of a query (punctuation after it aside) is a word of a name in
    ``synonyms.txt``: كانون, الثاني, شباط."""
    return normalize(TRAILING_PUNCTUATION.sub("", word)) in _NAME_WORDS
