"""The Whoosh schema: one Whoosh document per paragraph, carrying its document's metadata."""

import json

import lz4.block
from whoosh import columns, fields

from search_service.arabic import WORD_QUERY_MODE, analyzer, exact_analyzer, prefix_forms


class ArabicText(fields.TEXT):
    """A TEXT field analysed with the Arabic chain.

    A query's words are analysed in ``WORD_QUERY_MODE`` (their prefix variants too; Whoosh
    analyses phrases otherwise). Multi-term queries (``word*``, ``word~``) reach the field
    untokenized; they are matched as the word's ``prefix_forms`` (normalised, article removed)
    rather than as a stem, since a partial word has no stem.
    """

    def process_text(self, qstring, mode="", tokenize=True, **kwargs):
        if tokenize:
            mode = WORD_QUERY_MODE if mode == "query" else mode
            return super().process_text(qstring, mode=mode, tokenize=tokenize, **kwargs)
        return iter(prefix_forms(qstring))


ID = "id"
DOCUMENT_ID = "document_id"
POSITION = "position"
TEXT = "text"
TEXT_EXACT = "text_exact"
TITLE = "title"
LEAD_TITLE = "lead_title"
DATE = "date"
SOURCE = "source"
URL = "url"
DUPLICATE_GROUP = "duplicate_group"
RESCORING_FORMS = "rescoring_forms"
LISTING = "listing"

#: The stored fields a paragraph's ``LISTING`` holds: what its entry among a result's duplicates shows.
LISTED = (ID, DOCUMENT_ID, TITLE, SOURCE, DATE, URL)


def layout(schema):
    """What a schema's index holds, field by field: each field's type and its column's (an index
    is read only by a schema of the same layout)."""
    return {name: (type(field), type(field.column_type)) for name, field in schema.items()}


def build_schema():
    """The paragraph schema (pickled into every index generation)."""
    stemming = analyzer()  # one for the text and the title, so they share the pieces it remembers
    return fields.Schema(
        **{
            ID: fields.ID(stored=True, unique=True),
            DOCUMENT_ID: fields.ID(stored=True, sortable=True),
            POSITION: fields.NUMERIC(stored=True, sortable=True),
            TEXT: ArabicText(analyzer=stemming, stored=True),
            # Normalised but unstemmed: lets exact word forms score above stem-only matches. Without
            # positions: a phrase is matched on the stems (see ``search.query``).
            TEXT_EXACT: ArabicText(analyzer=exact_analyzer(), phrase=False),
            TITLE: ArabicText(analyzer=stemming, stored=True),
            # The title again, on the document's first paragraph only: a query's words that only
            # its headline holds find the article there (``search.query``).
            LEAD_TITLE: ArabicText(analyzer=stemming),
            # ISO dates sort and compare as strings, so a date range is a term range.
            DATE: fields.ID(stored=True, sortable=True),
            SOURCE: fields.ID(stored=True, sortable=True),
            URL: fields.STORED(),
            # The id of the first paragraph of its near-duplicate group (its own id if it has none).
            DUPLICATE_GROUP: fields.ID(stored=True, sortable=True),
            # The paragraph pre-analysed for rescoring, which reads it instead of analysing the text
            # again (``rescoring_forms``). A column, so that reading a paragraph's stored fields
            # does not read it; one value, so that rescoring a paragraph is one read.
            RESCORING_FORMS: fields.COLUMN(columns.VarBytesColumn()),
            # The ``LISTED`` fields as JSON: listing a result's duplicates reads this, not their text.
            LISTING: fields.COLUMN(columns.VarBytesColumn()),
        }
    )


def rescoring_forms(terms, title_ngrams, text_ngrams):
    """The ``RESCORING_FORMS`` column's value: the text's indexed terms (``index_terms``)
    space-separated, then the title's and the text's ``ngram_text``, a line break before each, in
    UTF-8 compressed by LZ4 (a search decompresses 50: a tenth of zlib's time, for a value half as
    large again)."""
    return lz4.block.compress("\n".join((" ".join(terms), title_ngrams, text_ngrams)).encode())


def rescoring_parts(value):
    """``(terms, title n-grams, text n-grams)`` of a ``RESCORING_FORMS`` column value: the terms
    space-separated, the n-gram forms as ``ngram_text`` gives them."""
    terms, title_ngrams, text_ngrams = lz4.block.decompress(value).decode().split("\n", 2)
    return terms, title_ngrams, text_ngrams


def listing(paragraph):
    """The ``LISTING`` column's value for a paragraph's fields (UTF-8 JSON)."""
    return json.dumps({name: paragraph[name] for name in LISTED}, ensure_ascii=False).encode()


def listed_fields(value):
    """The ``LISTED`` fields of a ``LISTING`` column value."""
    return json.loads(value)
