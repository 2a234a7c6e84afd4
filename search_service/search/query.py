"""From a user's query string to a Whoosh query.

The language: words in any spelling; ``"phrases"`` and ``"near words"~N``; ``+must`` /
``-exclude``; AND / OR / NOT and their Arabic forms و / أو / ليس; ``word*`` prefixes; ``word~``
fuzzy words; ``title:`` and ``source:`` (also ``عنوان:`` and ``مصدر:``). A word that is one of
the names of a thing (``synonyms.txt``: شباط, فبراير, فيفري) also looks up the others. Syntax the
parser cannot take is read as plain words; unbalanced quotes or brackets and over-long queries are
refused with a ``QueryError``.
"""

import re

from whoosh import qparser, query
from whoosh.qparser import syntax

from search_service.arabic import is_negation, is_question_word, letters, normalize
from search_service.arabic.normalization import WORD_LIGATURES, alternatives, strip_marks
from search_service.indexing import schema as index_schema
from search_service.search.synonyms import CLOSING_PUNCTUATION, SYNONYM_OPERATOR, TRAILING_PUNCTUATION, named_runs, with_synonyms

MAX_QUERY_LENGTH = 500
MAX_QUERY_TERMS = 50
#: Brackets nested at most this deep, as Elasticsearch's default ``max_nested_depth``: the parser
#: recurses into each level, and past about 170 it would fail and read the query as plain words.
MAX_BRACKET_DEPTH = 20
#: Wildcard, prefix and fuzzy words each expand over the vocabulary, so they are limited.
MAX_EXPANDING_WORDS = 5
#: Letters an expanding word needs before its first * or ?.
MIN_LETTERS_BEFORE_WILDCARD = 2
#: Edits a fuzzy word allows at most (``word~2``), as in Lucene: three edits from a short word
#: reach most of the vocabulary.
MAX_EDITS = 2

ARABIC_OPERATORS = {"و": "AND", "أو": "OR", "او": "OR", "ليس": "NOT", "وليس": "AND NOT"}
ARABIC_FIELDS = {
    "عنوان": index_schema.TITLE, "العنوان": index_schema.TITLE, "مصدر": index_schema.SOURCE, "المصدر": index_schema.SOURCE,
}
#: Fields a user may name in a query; others are read as words.
USER_FIELDS = (index_schema.TEXT, index_schema.TITLE, index_schema.SOURCE)
#: Weight of a normalised exact-form match beside the stemmed match in the text.
EXACT_BOOST = 0.3
#: Weight of a match in the paragraph's document title (twice the text's, as in the reference
#: Lucene setup of the evaluation sets; tuned on their train and dev splits).
TITLE_BOOST = 2.0
#: Weight of a match in the title that a document's first paragraph carries as ``LEAD_TITLE``: it
#: makes the paragraph a match, scored by its title (``TITLE_BOOST``) and its text, counted once.
LEAD_BOOST = 0.0
#: The largest weight a query's word may be given (``word^N``); a larger one counts as this: the
#: sums of scores weighted by a number of hundreds of digits overflow, and every score would be NaN.
MAX_USER_BOOST = 1000.0

_PHRASE = r'"[^"]*"(?:~\d+)?(?:\^[\d.]+)?'
#: Where + and - are operators: at the start of a word or bracket, as in Lucene; a hyphen inside a
#: word (covid-19, النمسا-المجر) joins its parts.
_CLAUSE_START = r"(?<![^\s(])"
_PHRASE_OR_WORD = re.compile(rf"{_PHRASE}|\S+")
_SLOP = re.compile(r'(?<=")~\d+$')
_BOOST = re.compile(r"\^[\d.]+$")
_FIELD_PREFIX = re.compile(r"^((?:NOT)?[+\-(]*)(\w+):")


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
_EXPANDING_WORD = re.compile(r'(?:^|(?<=[\s(+-]))(?:\w+:)?([^\s"()*?~]*)[*?~]')
_QUESTION_MARK = re.compile(r"(?<=\w)\?(?=\s|$)")
#: Question marks of other scripts (Arabic ؟ among them), which Whoosh would read as wildcards.
_SCRIPT_QUESTION_MARKS = re.compile("[\u055e\u061f\u1367]")
#: A word (its marks too: مَ*) followed by a wildcard or fuzzy sign.
_EXPANDING = re.compile(rf"(?:\w|[{letters.WORD_MARKS}])[*?~]")
_PARSER_OPERATORS = {"AND", "OR", "NOT"}
_OPERATORS = {*_PARSER_OPERATORS, *ARABIC_OPERATORS}
_SYNTAX = re.compile(rf'["()\[\]{{}}+\-*~^:]|\b(AND|OR|NOT|ANDNOT|ANDMAYBE|{SYNONYM_OPERATOR})\b')
#: What the full parser reads as syntax: ``_SYNTAX``, single quotes and ? wildcards.
_ANY_SYNTAX = re.compile(rf"{_SYNTAX.pattern}|['?]")


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


def _check(text):
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
    expanding = _EXPANDING_WORD.findall(re.sub(_PHRASE, " ", text))
    if len(expanding) > MAX_EXPANDING_WORDS:
        raise QueryError(
            f"the query has too many wildcard or fuzzy words (at most {MAX_EXPANDING_WORDS})", "too_many_expanding_words", MAX_EXPANDING_WORDS
        )
    if any(len(strip_marks(stem)) < MIN_LETTERS_BEFORE_WILDCARD for stem in expanding):
        raise QueryError(
            f"a wildcard or fuzzy word needs at least {MIN_LETTERS_BEFORE_WILDCARD} letters before * ? or ~",
            "wildcard_too_short", MIN_LETTERS_BEFORE_WILDCARD,
        )


def _without_question_marks(text):
    """A question mark closing a word ends a question; it is not a one-letter wildcard."""
    return _QUESTION_MARK.sub("", _SCRIPT_QUESTION_MARKS.sub(" ", text))


def _without_question_words(text):
    """Drop the words that frame a question (ما، هل، لماذا، اذكر): they say nothing about its
    subject; and negations (لا، لم، غير), which the index holds for phrases, but which a bag of
    words cannot read (the NOT operator ليس stays).

    Only plain words go, never phrases or words with operators; a query of nothing else keeps them.
    """
    pieces = _PHRASE_OR_WORD.findall(text)
    kept = [p for p in pieces if p in _OPERATORS or not _frames(TRAILING_PUNCTUATION.sub("", p))]
    return " ".join(kept) if any(p not in _OPERATORS for p in kept) else text


def _frames(word):
    form = normalize(word)
    return is_question_word(form) or is_negation(form)


def _field_clause(match):
    return match.group(1) + ARABIC_FIELDS.get(match.group(2), match.group(2)) + ":"


_WORD_LIGATURE = re.compile(f"[{''.join(WORD_LIGATURES)}]")
#: A word outside quotes: the sign and brackets before it, its field, the word (with its wildcards
#: or fuzzy sign), its boost, its punctuation and brackets.
_QUERY_WORD = re.compile(rf'([+\-(]*)((?:\w+:)?)([^\s"()^:]+?)((?:\^[\d.]+)?)([{CLOSING_PUNCTUATION})]*)')
_EXPANDING_SIGN = re.compile(r"[*?~]")


def _rewrite(text):
    """Arabic operators and field names to the parser's, outside phrases; an operator with nothing
    to join (``داعش و``, ``ليس و``) is dropped, as the stop word و would be, where the parser would
    look for the word "and"; a ligature of words (ﷺ), and a word written for two (عبدالناصر),
    the phrase of its words, as the index holds them. A sign standing alone (``داعش - العراق``,
    a pasted headline's dash) is no operator: + and - are only where a word starts."""
    pieces = []
    for piece in map(_bounded_boost, _PHRASE_OR_WORD.findall(text)):
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
                field = _FIELD_PREFIX.match(piece)
                if field and field.end() == len(piece):  # a word and a colon (العنوان: ...), no field clause
                    pieces.append(piece[:-1])
                else:
                    pieces += _FIELD_PREFIX.sub(_field_clause, piece).split()
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
        if piece in ("AND", "OR") and (not kept or kept[-1] in _PARSER_OPERATORS):
            continue
        if kept and kept[-1] == "NOT":
            piece = piece.lstrip("+")
        kept.append(piece)
    while kept and kept[-1] in _PARSER_OPERATORS:
        kept.pop()
    return kept


def query_synonyms(text):
    """``[(name, [its other names])]``: the names in a query that also find their others
    (``synonyms.txt``), as written, except excluded ones (``-شباط``, ``NOT شباط``)."""
    found, previous = [], None
    for pieces, named in named_runs(_PHRASE_OR_WORD.findall(_plain(text))):
        if named is not None and "-" not in named.before and previous != "NOT":
            found.append((named.written, list(named.others)))
        previous = pieces[-1]
    return found


def _parsed_parts(text):
    """``(the query as it is parsed, without its source: clauses; wanted sources; unwanted sources)``."""
    return _split_sources(_rewrite(_without_question_words(_without_question_marks(text))))


def _plain(text):
    """A query as it is parsed, without its ``source:`` clauses."""
    return _parsed_parts(text)[0]


def _split_sources(text):
    """Take ``source:`` clauses out of a rewritten query: they filter the whole query, as site:
    does in web search, wherever they are (in brackets, after AND or OR)."""
    wanted, unwanted = [], []
    for sign, _, value in _SOURCE_CLAUSE.findall(text):
        names = _PHRASE_OR_WORD.findall(value[1:-1]) if value.startswith("(") else [value]
        found = unwanted if sign.strip() in ("-", "NOT") else wanted
        # A filter: its terms add nothing to a score.
        found.extend(query.Term(index_schema.SOURCE, name.strip('"'), boost=0.0) for name in names if name not in _PARSER_OPERATORS)
    if not (wanted or unwanted):
        return text, wanted, unwanted
    rest = _PHRASE_OR_WORD.findall(_EMPTY_BRACKETS.sub(" ", _SOURCE_CLAUSE.sub(r" \2", text)))
    return " ".join(_joining_operators(rest)), wanted, unwanted


def _with_sources(q, wanted, unwanted):
    if wanted:
        q = query.And([query.Or(wanted), q]) if q is not None else query.Or(wanted)
    if unwanted:
        q = query.AndNot(q if q is not None else query.Every(), query.Or(unwanted))
    return q


class _FuzzyTermPlugin(qparser.FuzzyTermPlugin):
    """``word~`` (one edit away) and ``word~2`` (two); a greater number is read as ``MAX_EDITS``."""

    def create(self, parser, match):
        node = super().create(parser, match)
        node.maxdist = min(node.maxdist, MAX_EDITS)
        return node


class _NearPhrasePlugin(qparser.PhrasePlugin):
    """Phrases, and ``"words"~N``: the words in this order with at most N other words between each
    and the next (Lucene's slop; Whoosh's own slop counts positions, 1 for side by side)."""

    class PhraseTagger(qparser.PhrasePlugin.PhraseTagger):
        def create(self, parser, match):
            node = super().create(parser, match)
            node.slop = 1 + int(match.group("slop") or 0)
            return node

    def __init__(self):
        super().__init__(expr=r'"(?P<text>.*?)"(~(?P<slop>\d+))?')


class _PlusMinusPlugin(qparser.PlusMinusPlugin):
    """``+`` and ``-`` inside brackets too: Whoosh reads them only outside, so ``مصر (سوريا -داعش)``
    would find the paragraphs with داعش."""

    def do_plusminus(self, parser, group):
        for position, node in enumerate(group):
            if isinstance(node, syntax.GroupNode):
                group[position] = self.do_plusminus(parser, node)
        if not any(isinstance(node, (self.Plus, self.Minus)) for node in group):
            return group
        return super().do_plusminus(parser, group)


class _BracketedOr(query.Or):
    """What a pair of brackets holds, until ``_excluding`` resolves its NOT parts into a plain Or."""


class _BracketsPlugin(qparser.Plugin):
    """Keeps what brackets hold together. Whoosh's OR appends what follows to a group of its own
    type before it, a bracketed one included, so ``(a NOT b) OR c`` would become ``(a OR c) NOT b``;
    each bracketed group is wrapped in a group of another type as soon as the brackets are read."""

    class Bracketed(syntax.GroupNode):
        qclass = _BracketedOr

    def filters(self, parser):
        return [(self.wrap, 1)]  # just after the brackets are read (0), before any operator

    def wrap(self, parser, group):
        for position, node in enumerate(group):
            if isinstance(node, syntax.GroupNode):
                group[position] = self.Bracketed([self.wrap(parser, node)])
        return group


def _binary_group_query(group, parser):
    """Whoosh's ``BinaryGroup.query`` with each side built once: Whoosh builds both sides twice,
    so nested + and - groups (``+(a -b +(c -d ...)))``) would take time exponential in their depth."""
    qa, qb = (node.query(parser) for node in group.nodes)
    if qa is None and qb is None:
        q = query.NullQuery
    elif qa is None:
        q = qb
    elif qb is None:
        q = qa
    else:
        q = group.qclass(qa, qb)
    return syntax.attach(q, group)


syntax.BinaryGroup.query = _binary_group_query


def _parser(schema, fieldnames, boosts=None):
    parser = qparser.MultifieldParser(fieldnames, schema, fieldboosts=boosts, group=qparser.OrGroup)
    synonyms = qparser.OperatorsPlugin.OpTagger(rf"(?<=\s){SYNONYM_OPERATOR}(?=\s)", syntax.DisMaxGroup, memo="synonym")
    parser.add_plugin(qparser.OperatorsPlugin(ops=[(synonyms, 0)], clean=True))
    parser.add_plugin(_BracketsPlugin())
    parser.remove_plugin_class(qparser.PhrasePlugin)
    parser.add_plugin(_NearPhrasePlugin())
    parser.add_plugin(_PlusMinusPlugin(plusexpr=_CLAUSE_START + r"\+", minusexpr=_CLAUSE_START + "-"))
    parser.add_plugin(_FuzzyTermPlugin())
    parser.remove_plugin_class(qparser.RangePlugin)  # [a TO b] is no syntax here: its words are searched
    parser.remove_plugin_class(qparser.FieldsPlugin)
    parser.add_plugin(qparser.FieldsPlugin(expr=rf"(?P<text>{'|'.join(USER_FIELDS)}):"))
    return parser


def _words_query(schema, fieldnames, text, boosts=None):
    """Text without syntax as Whoosh's parser of plain words reads it, built directly (three times
    as fast): each word between spaces, analysed for each field in turn, is a term of one ``Or``
    (repeated terms once, in order), and an ``Or`` of one term is that term."""
    boosts = boosts or {}
    terms = {}
    for word in text.split():
        for fieldname in fieldnames:
            for token in schema[fieldname].process_text(word, mode="query"):
                terms.setdefault(query.Term(fieldname, token, boost=boosts.get(fieldname, 1.0)))
    if len(terms) < 2:
        return next(iter(terms), query.NullQuery)
    return query.Or(list(terms))


def _parse(schema, fieldnames, text, boosts=None):
    if not _ANY_SYNTAX.search(text):
        return _words_query(schema, fieldnames, text, boosts)
    try:
        # NOT is read inside its own brackets, before the parser flattens nested groups.
        parsed = _without_exclusions(_parser(schema, fieldnames, boosts).parse(text, normalize=False).accept(_excluding)).normalize()
    except Exception:  # the parser rejects some syntax; such a query is read as plain words
        parsed = None
    if parsed is None or _has_error(parsed):
        parsed = _words_query(schema, fieldnames, _SYNTAX.sub(" ", text), boosts)
    return parsed


def _exact_phrase_words(q):
    """A phrase's exact-form part as its words, adding to the score where the stemmed phrase matches.

    The exact-form field keeps no positions (they cost a sixth of the indexing time), so it cannot
    match a phrase itself; the parser puts each field's phrase side by side in an ``Or``.
    """
    if not isinstance(q, query.Or):
        return q
    subqueries = []
    for sub in q.subqueries:
        if not (isinstance(sub, query.Phrase) and sub.fieldname == index_schema.TEXT_EXACT):
            subqueries.append(sub)
        elif subqueries and isinstance(subqueries[-1], query.Phrase) and subqueries[-1].fieldname == index_schema.TEXT:
            words = query.And([query.Term(index_schema.TEXT_EXACT, word) for word in sub.words], boost=sub.boost)
            subqueries.append(query.AndMaybe(subqueries.pop(), words))
    if len(subqueries) == 1 and isinstance(subqueries[0], query.AndMaybe):
        # Whoosh ignores the boost of an Or of one part and of an AND MAYBE: the phrase's (``"..."^2``,
        # a synonym's) goes to the AND MAYBE's parts.
        phrase, words = subqueries[0].a, subqueries[0].b
        return query.AndMaybe(phrase.with_boost(phrase.boost * q.boost), words.with_boost(words.boost * q.boost))
    return query.Or(subqueries, boost=q.boost, minmatch=q.minmatch, scale=q.scale)


def _excluding(q):
    """``NOT`` as Lucene reads it, for the parser's tree bottom-up: a bracketed group with ``NOT``
    parts finds its other parts without what the ``NOT`` parts match (``_without_exclusions``).
    Whoosh's parser makes ``a NOT b`` a OR (NOT b), which also finds every paragraph without b,
    and ``a NOT b OR c`` a OR (NOT b OR c). The parser's reading of ``-a -b`` is read as NOT a NOT b."""
    if isinstance(q, query.AndNot) and _is_empty(q.a):
        return query.Not(q.b)
    if type(q) is _BracketedOr:
        return _without_exclusions(query.Or(q.subqueries, boost=q.boost))
    return q


def _without_exclusions(q):
    """``q`` with the ``NOT`` parts of it and of its groups joined by AND and OR taken out, and
    taken away from what the rest finds. Exclusions alone (``NOT a NOT b``, ``-a -b``) find every
    paragraph that has none of them, as Elasticsearch's ``query_string`` does."""
    excluded = []
    kept = _exclusions_taken(q, excluded)
    if not excluded:
        return q
    unwanted = excluded[0] if len(excluded) == 1 else query.Or(excluded)
    return query.Not(unwanted) if kept is None else query.AndNot(kept, unwanted)


def _exclusions_taken(q, excluded):
    """``q`` without its ``NOT`` parts, appended to ``excluded`` (None when nothing else is left);
    the parts of a group joined by AND or OR, or by + and -, are taken too, not those of a
    bracketed group, which ``_excluding`` has already resolved."""
    if isinstance(q, query.Not):
        excluded.append(q.query)
        return None
    if type(q) in (query.AndNot, query.AndMaybe, query.Require):  # what + and - make of a group
        return _exclusions_taken_from_pair(q, excluded)
    if type(q) not in (query.Or, query.And):
        return q
    parts = [_exclusions_taken(sub, excluded) for sub in q.subqueries]
    if all(part is sub for part, sub in zip(parts, q.subqueries)):
        return q
    kept = [part for part in parts if part is not None]
    if not kept:
        return None
    if type(q) is query.Or:
        return query.Or(kept, boost=q.boost, minmatch=q.minmatch, scale=q.scale)
    return query.And(kept, boost=q.boost)


def _exclusions_taken_from_pair(q, excluded):
    """``_exclusions_taken`` of an AND NOT, AND MAYBE or required pair (``q.a``, ``q.b``): the NOT
    parts of what it finds go, and of its optional part (AND MAYBE's ``b``) too."""
    a = _exclusions_taken(q.a, excluded)
    b = q.b if type(q) is query.AndNot else _exclusions_taken(q.b, excluded)
    if a is q.a and b is q.b:
        return q
    if a is None:  # nothing left to find but the optional part, or nothing at all
        if type(q) is query.AndNot:
            excluded.append(q.b)
        return None if type(q) is query.AndNot or b is None or _is_empty(b) else b
    return a if b is None else type(q)(a, b)


def _is_empty(q):
    return q is query.NullQuery or (isinstance(q, query.compound.CompoundQuery) and not q.subqueries)


def _has_error(q):
    return getattr(q, "error", None) is not None or any(_has_error(child) for child in q.children())


_NOTHING_MEANINGFUL = "the query has only stop words or symbols: add a word that carries meaning"


def parse_query(text, schema):
    """Parse a user's query into a Whoosh query over the paragraph schema.

    Words match the stemmed text (and, a little above, the same exact word form), or the title
    on a document's first paragraph, which adds nothing to the score itself (``LEAD_BOOST``): the
    title adds to the score of every paragraph that matches (``TITLE_BOOST``).
    """
    _check(_without_question_marks(text))
    rewritten, wanted, unwanted = _parsed_parts(text)
    if not rewritten.strip():
        if not (wanted or unwanted):  # operators alone
            raise QueryError(_NOTHING_MEANINGFUL, "nothing_meaningful")
        return _with_sources(None, wanted, unwanted)
    rewritten = with_synonyms(_PHRASE_OR_WORD.findall(rewritten))
    matching = _parse(
        schema, [index_schema.TEXT, index_schema.TEXT_EXACT, index_schema.LEAD_TITLE], rewritten,
        {index_schema.TEXT: 1.0, index_schema.TEXT_EXACT: EXACT_BOOST, index_schema.LEAD_TITLE: LEAD_BOOST},
    )
    matching = matching.accept(_exact_phrase_words)
    if matching is query.NullQuery:  # stop words alone: with a source: clause, that source's paragraphs
        if wanted or unwanted:
            return _with_sources(None, wanted, unwanted)
        raise QueryError(_NOTHING_MEANINGFUL, "nothing_meaningful")
    title = _parse(schema, [index_schema.TITLE], rewritten, {index_schema.TITLE: TITLE_BOOST})
    if isinstance(title, query.AndNot):  # what it excludes, the text query excludes already
        title = title.a
    if title is not query.NullQuery and not isinstance(title, query.Not):
        matching = query.AndMaybe(matching, title)
    return _with_sources(matching, wanted, unwanted)


def wanted_words(text):
    """The words a query asks for, in order: plain and phrase words, without the excluded ones,
    wildcard and fuzzy words, question words, operators and field names (for ranking)."""
    return [word for word, _ in weighted_wanted_words(text)]


def weighted_wanted_words(text):
    """``wanted_words`` with their weights: the boost of the word or phrase they are in (``^2``), else
    1 (a bracketed group's boost, ``(a b)^2``, weighs in the first stage only)."""
    words, excluded, excluded_brackets = [], False, 0  # brackets still open of an excluded group
    for piece in _PHRASE_OR_WORD.findall(_plain(text)):
        if excluded_brackets:
            excluded_brackets = max(0, excluded_brackets + _brackets_opened(piece))
            continue
        bare = piece.lstrip("+(")  # (NOT, (-word and +(-word exclude inside the bracket they open
        if bare in _OPERATORS:
            excluded = excluded or bare == "NOT"
            continue
        minus = bare.startswith("-")
        signed = bare[1:] if minus else piece
        if (excluded or minus) and signed.lstrip("+").startswith("("):  # an excluded group: -(a b), NOT +(a b)
            excluded_brackets = max(0, _brackets_opened(signed))
        elif not (excluded or minus or _EXPANDING.search(piece)):
            weight = _boost(piece)
            plain = _SYNTAX.sub(" ", _FIELD_PREFIX.sub("", _SLOP.sub("", _BOOST.sub("", piece))))
            words.extend((word, weight) for word in plain.split())
        excluded = False
    return words


def _brackets_opened(piece):
    """Brackets a piece of a query opens, less those it closes (none in a phrase)."""
    return 0 if piece.startswith('"') else piece.count("(") - piece.count(")")


def _boost(piece):
    """The boost a word or phrase is written with (``^0.5``; at most ``MAX_USER_BOOST``), else 1."""
    found = _BOOST.search(piece)
    try:
        return min(float(found.group()[1:]), MAX_USER_BOOST) if found else 1.0
    except ValueError:  # ^. or ^1.2.3, which the parser does not take as a boost either
        return 1.0


def _bounded_boost(piece):
    """A word or phrase with its boost lowered to ``MAX_USER_BOOST`` where it is larger."""
    return _BOOST.sub(f"^{MAX_USER_BOOST:g}", piece) if _boost(piece) == MAX_USER_BOOST else piece


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
        if _ANY_SYNTAX.search(inside) or not _OPERATORS.isdisjoint(inside.split()):
            return phrase.group(0)
        return inside

    return " ".join(re.sub(_PHRASE, unquoted, text).split())


#: Names of the ``source`` field in a query, English and Arabic.
_SOURCE_NAMES = "|".join(sorted({index_schema.SOURCE, *(name for name, field in ARABIC_FIELDS.items() if field == index_schema.SOURCE)}))


def with_words_replaced(text, replacements):
    """The query with each word that is a key of ``replacements`` replaced by its value, as a
    whole word; its syntax and its ``source:`` clauses are kept as written."""
    pattern = rf'(?P<source>{_source_clause(_SOURCE_NAMES)})|(?<!\w)(?P<word>{alternatives(replacements)})(?!\w)'
    return re.sub(pattern, lambda m: m.group("source") or replacements[m.group("word")], text)


def query_words(text):
    """The plain words of a query string, without operators and syntax."""
    return _SYNTAX.sub(" ", _rewrite(text)).split()
