"""From a user's query string to the text the parser reads: question marks and the words that
frame a question dropped, Arabic operators and field names turned into the parser's, ligatures and
joined words into phrases, and ``source:`` clauses taken out as filters of the whole query; and
the rewritten queries that suggestions offer (``without_quotes``, ``with_words_replaced``)."""

import re

from whoosh import query

from search_service.arabic import is_negation, is_question_word, normalize
from search_service.arabic.normalization import WORD_LIGATURES, alternatives
from search_service.indexing import schema as index_schema
from search_service.search.query.lexicon import (
    ANY_SYNTAX, ARABIC_FIELDS, ARABIC_OPERATORS, BOOST, EXPANDING_SIGNS, FIELD_PREFIX, OPERATORS, PARSER_OPERATORS, PHRASE, PHRASE_OR_WORD,
)
from search_service.search.synonyms import CLOSING_PUNCTUATION, TRAILING_PUNCTUATION

#: The largest weight a query's word may be given (``word^N``); a larger one counts as this: the
#: sums of scores weighted by a number of hundreds of digits overflow, and every score would be NaN.
MAX_USER_BOOST = 1000.0


def _source_clause(names):
    """A ``source:`` clause under any of ``names``: its sign (+, - or NOT, also before brackets that
    hold the clause alone: ``-(source:x)``), the brackets it opens, its value (a name, quoted or
    not, or names in brackets: ``source:(a OR "b c")``)."""
    value = r'(?:"[^"]*"|\((?:"[^"]*"|[^()"])*\)|[^\s)]+)'
    sign = rf"(?:\+|-|NOT\s+)(?![\s(])|(?:\+|-|NOT\s*)(?=\(+(?:{names}):{value}\))"
    return rf"(?:^|(?<=[\s(]))({sign})?(\(*)(?:{names}):({value})"


#: A ``source:`` clause of a rewritten query, wanted or (after - or NOT) unwanted.
_SOURCE_CLAUSE = re.compile(_source_clause(index_schema.SOURCE))
#: Brackets left empty once the ``source:`` clauses they held are taken out.
_EMPTY_BRACKETS = re.compile(r"\(\s*\)")
_QUESTION_MARK = re.compile(r"(?<=\w)\?(?=\s|$)")
#: Question marks of other scripts (Arabic ؟ among them), which Whoosh would read as wildcards.
_SCRIPT_QUESTION_MARKS = re.compile("[\u055e\u061f\u1367]")


def without_question_marks(text):
    """A question mark closing a word ends a question; it is not a one-letter wildcard."""
    return _QUESTION_MARK.sub("", _SCRIPT_QUESTION_MARKS.sub(" ", text))


def _without_question_words(text):
    """Drop the words that frame a question (ما، هل، لماذا، اذكر): they say nothing about its
    subject; and negations (لا، لم، غير), which the index holds for phrases, but which a bag of
    words cannot read (the NOT operator ليس stays).

    Only plain words go, never phrases or words with operators; a query of nothing else keeps them.
    """
    pieces = PHRASE_OR_WORD.findall(text)
    kept = [p for p in pieces if p in OPERATORS or not _frames(TRAILING_PUNCTUATION.sub("", p))]
    return " ".join(kept) if any(p not in OPERATORS for p in kept) else text


def _frames(word):
    form = normalize(word)
    return is_question_word(form) or is_negation(form)


def _field_clause(match):
    return match.group(1) + ARABIC_FIELDS.get(match.group(2), match.group(2)) + ":"


_WORD_LIGATURE = re.compile(f"[{''.join(WORD_LIGATURES)}]")
#: A word outside quotes: the sign and brackets before it, its field, the word (with its wildcards
#: or fuzzy sign), its boost, its punctuation and brackets.
_QUERY_WORD = re.compile(rf'([+\-(]*)((?:\w+:)?)([^\s"()^:]+?)((?:\^[\d.]+)?)([{CLOSING_PUNCTUATION})]*)')
_EXPANDING_SIGN = re.compile(f"[{EXPANDING_SIGNS}]")


def rewrite(text):
    """Arabic operators and field names to the parser's, outside phrases; an operator with nothing
    to join (``داعش و``, ``ليس و``) is dropped, as the stop word و would be, where the parser would
    look for the word "and"; a ligature of words (ﷺ), and a word written for two (عبدالناصر),
    the phrase of its words, as the index holds them. A sign standing alone (``داعش - العراق``,
    a pasted headline's dash) is no operator: + and - are only where a word starts."""
    pieces = []
    for piece in map(_bounded_boost, PHRASE_OR_WORD.findall(text)):
        if not piece.strip("+-"):
            continue
        if piece.startswith('"'):
            pieces.append(piece)
        else:  # وليس is two operators, AND NOT; a sign and brackets may precede one: +(ليس
            word = piece.lstrip("+-(")
            if word in ARABIC_OPERATORS:
                if word != piece:
                    pieces.append(piece[: len(piece) - len(word)])  # the sign and brackets before it
                pieces += ARABIC_OPERATORS[word].split()
            else:
                piece = _quoted_joined_words(_WORD_LIGATURE.sub(_quoted_ligature, piece))
                field = FIELD_PREFIX.match(piece)
                if field and field.end() == len(piece):  # a word and a colon (العنوان: ...), no field clause
                    pieces.append(piece[:-1])
                else:
                    pieces += FIELD_PREFIX.sub(_field_clause, piece).split()
    return " ".join(_joining_operators(pieces))


def _quoted_joined_words(piece):
    """A word that normalises to two (``spelling_variants.txt``: عبدالناصر is عبد الناصر) as their
    phrase, as the index holds them, its sign, field, boost and brackets kept around it; with a
    wildcard or fuzzy sign, which a phrase cannot hold, both words (عبدالر* is عبد AND الر*). Any
    other piece as it is."""
    found = _QUERY_WORD.fullmatch(piece)
    if not found or " " not in (words := normalize(found[3])):
        return piece
    sign, field, word, boost, after = found.groups()
    joined = f"({' AND '.join(words.split())})" if _EXPANDING_SIGN.search(word) else f'"{word}"'
    return f"{sign}{field}{joined}{boost}{after}"


def _quoted_ligature(found):
    """The words of a ligature (ﷺ) as a phrase, set apart from a word written against it."""
    before, after = found.string[found.start() - 1 : found.start()], found.string[found.end() : found.end() + 1]
    return f'{" " if before.isalnum() else ""}"{WORD_LIGATURES[found.group()]}"{" " if after.isalnum() else ""}'


def _joining_operators(pieces):
    """``pieces`` without the operators that join nothing: AND or OR first or after another
    operator, and any operator last; and without a + after NOT, so that ``NOT +a`` excludes a, as
    its NOT says (the parser would drop the NOT and require a)."""
    kept = []
    for piece in pieces:
        if piece in ("AND", "OR") and (not kept or kept[-1] in PARSER_OPERATORS):
            continue
        if kept and kept[-1] == "NOT":
            piece = piece.lstrip("+")
        kept.append(piece)
    while kept and kept[-1] in PARSER_OPERATORS:
        kept.pop()
    return kept


def parsed_parts(text):
    """``(the query as it is parsed, without its source: clauses; wanted sources; unwanted sources)``."""
    return _split_sources(rewrite(_without_question_words(without_question_marks(text))))


def plain(text):
    """A query as it is parsed, without its ``source:`` clauses."""
    return parsed_parts(text)[0]


def _split_sources(text):
    """Take ``source:`` clauses out of a rewritten query: they filter the whole query, as site:
    does in web search, wherever they are (in brackets, after AND or OR)."""
    wanted, unwanted = [], []
    for sign, _, value in _SOURCE_CLAUSE.findall(text):
        names = PHRASE_OR_WORD.findall(value[1:-1]) if value.startswith("(") else [value]
        found = unwanted if sign.strip() in ("-", "NOT") else wanted
        # A filter: its terms add nothing to a score.
        found.extend(query.Term(index_schema.SOURCE, name.strip('"'), boost=0.0) for name in names if name not in PARSER_OPERATORS)
    if not (wanted or unwanted):
        return text, wanted, unwanted
    rest = PHRASE_OR_WORD.findall(_EMPTY_BRACKETS.sub(" ", _SOURCE_CLAUSE.sub(r" \2", text)))
    return " ".join(_joining_operators(rest)), wanted, unwanted


def written_boost(piece):
    """The boost a word or phrase is written with (``^0.5``; at most ``MAX_USER_BOOST``), else 1."""
    found = BOOST.search(piece)
    try:
        return min(float(found.group()[1:]), MAX_USER_BOOST) if found else 1.0
    except ValueError:  # ^. or ^1.2.3, which the parser does not take as a boost either
        return 1.0


def _bounded_boost(piece):
    """A word or phrase with its boost lowered to ``MAX_USER_BOOST`` where it is larger."""
    return BOOST.sub(f"^{MAX_USER_BOOST:g}", piece) if written_boost(piece) == MAX_USER_BOOST else piece


def without_quotes(text):
    """The query with the phrases it asks for as plain words (``"وزير الخارجية"~2`` → ``وزير الخارجية``);
    an excluded phrase (``-"..."``, ``NOT "..."``) stays one, and so does a phrase whose words would
    read as syntax out of quotes (``"داعش NOT سوريا"``, ``"التحال*"``)."""

    def unquoted(phrase):
        before = text[: phrase.start()]
        word_before = (before.split() or [""])[-1]
        inside = phrase.group(0).rpartition('"')[0][1:]
        if before.endswith("-") or ARABIC_OPERATORS.get(word_before, word_before).endswith("NOT"):
            return phrase.group(0)
        if ANY_SYNTAX.search(inside) or not OPERATORS.isdisjoint(inside.split()):
            return phrase.group(0)
        return inside

    return " ".join(re.sub(PHRASE, unquoted, text).split())


#: Names of the ``source`` field in a query, English and Arabic.
_SOURCE_NAMES = "|".join(sorted({index_schema.SOURCE, *(name for name, field in ARABIC_FIELDS.items() if field == index_schema.SOURCE)}))


def with_words_replaced(text, replacements):
    """The query with each word that is a key of ``replacements`` replaced by its value, as a
    whole word; its syntax and its ``source:`` clauses are kept as written."""
    pattern = rf'(?P<source>{_source_clause(_SOURCE_NAMES)})|(?<!\w)(?P<word>{alternatives(replacements)})(?!\w)'
    return re.sub(pattern, lambda m: m.group("source") or replacements[m.group("word")], text)
