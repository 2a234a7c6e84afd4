"""The query language's lexicon: its Arabic operators and field names, and the patterns of its
phrases, words, fields, boosts and syntax, which the refusals, the rewriting, the parsing and the
words of a query share."""

import re

from search_service.indexing import schema as index_schema
from search_service.search.synonyms import SYNONYM_OPERATOR

ARABIC_OPERATORS = {"و": "AND", "أو": "OR", "او": "OR", "ليس": "NOT", "وليس": "AND NOT"}
ARABIC_FIELDS = {
    "عنوان": index_schema.TITLE, "العنوان": index_schema.TITLE, "مصدر": index_schema.SOURCE, "المصدر": index_schema.SOURCE,
}
#: Fields a user may name in a query; others are read as words.
USER_FIELDS = (index_schema.TEXT, index_schema.TITLE, index_schema.SOURCE)

#: The signs that make a word expand over the vocabulary: the wildcards * and ?, and fuzzy ~.
EXPANDING_SIGNS = "*?~"
#: A phrase, with its ``~N`` and its boost.
PHRASE = r'"[^"]*"(?:~\d+)?(?:\^[\d.]+)?'
#: The pieces of a query: its phrases and the words between spaces.
PHRASE_OR_WORD = re.compile(rf"{PHRASE}|\S+")
#: The boost a piece ends with (``^2``).
BOOST = re.compile(r"\^[\d.]+$")
#: A field's name and colon beginning a piece, after its sign and brackets.
FIELD_PREFIX = re.compile(r"^((?:NOT)?[+\-(]*)(\w+):")
PARSER_OPERATORS = {"AND", "OR", "NOT"}
OPERATORS = {*PARSER_OPERATORS, *ARABIC_OPERATORS}
SYNTAX = re.compile(rf'["()\[\]{{}}+\-*~^:]|\b(AND|OR|NOT|ANDNOT|ANDMAYBE|{SYNONYM_OPERATOR})\b')
#: What the full parser reads as syntax: ``SYNTAX``, single quotes and ? wildcards.
ANY_SYNTAX = re.compile(rf"{SYNTAX.pattern}|['?]")
