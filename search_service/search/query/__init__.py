"""From a user's query string to a Whoosh query, and to the words it asks for.

The language: words in any spelling; ``"phrases"`` and ``"near words"~N``; ``+must`` /
``-exclude``; AND / OR / NOT and their Arabic forms و / أو / ليس; ``word*`` prefixes; ``word~``
fuzzy words; ``title:`` and ``source:`` (also ``عنوان:`` and ``مصدر:``). A word that is one of
the names of a thing (``synonyms.txt``: شباط, فبراير, فيفري) also looks up the others. Syntax the
parser cannot take is read as plain words; unbalanced quotes or brackets and over-long queries are
refused with a ``QueryError``.

The modules follow a query: ``lexicon`` (the operators, field names and patterns they share),
``refusals`` (the checks) and ``rewriting`` (to the text the parser reads), then ``parsing``
(``parse_query``) and ``words`` (the words a query asks for, for ranking and did-you-mean).
"""

from search_service.search.query.parsing import parse_query
from search_service.search.query.refusals import MAX_QUERY_LENGTH, MIN_LETTERS_BEFORE_WILDCARD, REFUSALS, QueryError
from search_service.search.query.rewriting import with_words_replaced, without_quotes
from search_service.search.query.words import query_synonyms, query_words, wanted_words, weighted_wanted_words

__all__ = [
    "MAX_QUERY_LENGTH", "MIN_LETTERS_BEFORE_WILDCARD", "QueryError", "REFUSALS", "parse_query", "query_synonyms", "query_words",
    "wanted_words", "weighted_wanted_words", "with_words_replaced", "without_quotes",
]
