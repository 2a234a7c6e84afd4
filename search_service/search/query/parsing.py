"""From a rewritten query to a Whoosh query: the parser's plugins, ``NOT`` read as Lucene reads
it, and ``parse_query``, which weighs a query's fields.

Importing it replaces Whoosh's ``BinaryGroup.query`` (``_binary_group_query``)."""

from whoosh import qparser, query
from whoosh.qparser import syntax

from search_service.indexing import schema as index_schema
from search_service.search.query.lexicon import ANY_SYNTAX, PHRASE_OR_WORD, SYNTAX, USER_FIELDS
from search_service.search.query.refusals import QueryError, check_query
from search_service.search.query.rewriting import parsed_parts, without_question_marks
from search_service.search.synonyms import SYNONYM_OPERATOR, with_synonyms

#: Edits a fuzzy word allows at most (``word~2``), as in Lucene: three edits from a short word
#: reach most of the vocabulary.
MAX_EDITS = 2
#: Weight of a normalised exact-form match beside the stemmed match in the text.
EXACT_BOOST = 0.3
#: Weight of a match in the paragraph's document title (twice the text's, as in the reference
#: Lucene setup of the evaluation sets; tuned on their train and dev splits).
TITLE_BOOST = 2.0
#: Weight of a match in the title that a document's first paragraph carries as ``LEAD_TITLE``: it
#: makes the paragraph a match, scored by its title (``TITLE_BOOST``) and its text, counted once.
LEAD_BOOST = 0.0

#: Where + and - are operators: at the start of a word or bracket, as in Lucene; a hyphen inside a
#: word (covid-19, النمسا-المجر) joins its parts.
_CLAUSE_START = r"(?<![^\s(])"


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
    if not ANY_SYNTAX.search(text):
        return _words_query(schema, fieldnames, text, boosts)
    try:
        # NOT is read inside its own brackets, before the parser flattens nested groups.
        parsed = _without_exclusions(_parser(schema, fieldnames, boosts).parse(text, normalize=False).accept(_excluding)).normalize()
    except Exception:  # the parser rejects some syntax; such a query is read as plain words
        parsed = None
    if parsed is None or _has_error(parsed):
        parsed = _words_query(schema, fieldnames, SYNTAX.sub(" ", text), boosts)
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


def _with_sources(q, wanted, unwanted):
    if wanted:
        q = query.And([query.Or(wanted), q]) if q is not None else query.Or(wanted)
    if unwanted:
        q = query.AndNot(q if q is not None else query.Every(), query.Or(unwanted))
    return q


_NOTHING_MEANINGFUL = "the query has only stop words or symbols: add a word that carries meaning"


def parse_query(text, schema):
    """Parse a user's query into a Whoosh query over the paragraph schema.

    Words match the stemmed text (and, a little above, the same exact word form), or the title
    on a document's first paragraph, which adds nothing to the score itself (``LEAD_BOOST``): the
    title adds to the score of every paragraph that matches (``TITLE_BOOST``).
    """
    check_query(without_question_marks(text))
    rewritten, wanted, unwanted = parsed_parts(text)
    if not rewritten.strip():
        if not (wanted or unwanted):  # operators alone
            raise QueryError(_NOTHING_MEANINGFUL, "nothing_meaningful")
        return _with_sources(None, wanted, unwanted)
    rewritten = with_synonyms(PHRASE_OR_WORD.findall(rewritten))
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
