"""marshmallow schemas for every request and response of the API (and the OpenAPI document)."""

import orjson
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from search_service.ingest.metadata import numeric_date
from search_service.search import COLLAPSES, DEFAULT_COLLAPSE, MAX_DEPTH, MAX_PER_PAGE, MAX_QUERY_LENGTH, REFUSALS, SORTS


class _Count(fields.Integer):
    """A whole number written in digits, as a query string gives it: not ``1_0`` or `` 1``, which
    Python's ``int`` reads as 10 and 1."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, str) and not value.lstrip("+-").isdigit():
            raise self.make_error("invalid")
        return super()._deserialize(value, attr, data, **kwargs)


class _Date(fields.Date):
    """A ``YYYY-MM-DD`` date, Gregorian or Hijri as a JSONL record's date is (``numeric_date``)."""

    def __init__(self, **kwargs):
        super().__init__("%Y-%m-%d", **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        date = numeric_date(value) if isinstance(value, str) else None
        if date is None:
            raise self.make_error("invalid")
        return date


class DocumentArgs(Schema):
    """Query-string parameters of ``GET /api/documents/<id>``."""

    q = fields.String(load_default="", metadata={"description": "a query whose words each paragraph's `marked` puts in <mark>"})


class SearchArgs(Schema):
    """Query-string parameters of ``GET /api/search``."""

    # The query's length and the page's depth are checked by the search, which says why it refuses them.
    q = fields.String(required=True, metadata={"description": "the query", "minLength": 1, "maxLength": MAX_QUERY_LENGTH})
    page = _Count(
        load_default=1, validate=validate.Range(min=1),
        metadata={"description": f"1-based page; page × per_page at most {MAX_DEPTH}"},
    )
    per_page = _Count(load_default=10, validate=validate.Range(min=1, max=MAX_PER_PAGE))
    source = fields.List(fields.String(validate=validate.Length(min=1, max=200)), load_default=list, metadata={"description": "only these sources (repeatable)"})
    date_from = _Date(load_default=None, metadata={"description": "YYYY-MM-DD, inclusive (a year from 1343 to 1500 is Hijri)"})
    date_to = _Date(load_default=None, metadata={"description": "YYYY-MM-DD, inclusive (a year from 1343 to 1500 is Hijri)"})
    sort = fields.String(
        load_default=SORTS[0], validate=validate.OneOf(SORTS),
        metadata={"description": "relevance, or date: newest first, then by relevance (undated paragraphs last)"},
    )
    collapse = fields.String(
        load_default=DEFAULT_COLLAPSE, validate=validate.OneOf(tuple(COLLAPSES)),
        metadata={"description": "duplicates: a result is a paragraph, its republished copies collapsed into it; "
                  "document: a result is a document, shown by its best paragraph"},
    )
    highlight = fields.Boolean(load_default=True, metadata={"description": "false: results without snippets (null), answered sooner"})
    max_duplicates = _Count(
        load_default=None, validate=validate.Range(min=0),
        metadata={"description": "list at most this many of a result's duplicates (default: all); duplicate_count counts them all"},
    )

    @validates_schema
    def dates_in_order(self, data, **kwargs):
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            raise ValidationError("date_from is after date_to", field_name="date_from")


class DocumentMeta(Schema):
    """A document's id and metadata, as results and duplicates carry them."""

    id = fields.String(required=True)
    title = fields.String(allow_none=True)
    source = fields.String(allow_none=True)
    date = fields.String(allow_none=True, metadata={"format": "date"})
    url = fields.String(allow_none=True)


class Duplicate(Schema):
    """A paragraph republished elsewhere: its id and its document's metadata."""

    id = fields.String(required=True)
    document = fields.Nested(DocumentMeta)


class Shaped(fields.Nested):
    """Nested objects the search already builds in their schema's shape (a page's results, and a
    result's duplicates' entries, about forty per result on a large corpus): described by the
    schema, sent as built: dumping each one field by field costs more than the rest of the
    response (docs/performance.md has the figures)."""

    def _serialize(self, nested_obj, attr, obj, **kwargs):
        return nested_obj


class Result(Schema):
    """One ranked result of a search."""

    id = fields.String(required=True, metadata={"description": "paragraph id: <document id>#<n>"})
    score = fields.Float()
    position = fields.Integer()
    document = fields.Nested(DocumentMeta)
    snippet = fields.String(allow_none=True, metadata={"description": "HTML: escaped original text with <mark> around matches (null with highlight=false)"})
    text = fields.String(metadata={"description": "the whole paragraph, plain text"})
    duplicates = Shaped(Duplicate, many=True, metadata={"description": "the paragraph's near-duplicates in other places that the search found (matching the query and the filters), by id (at most max_duplicates)"})
    duplicate_count = fields.Integer(metadata={"description": "the paragraph's near-duplicates the search found, all of them, listed or not"})
    matched_paragraphs = fields.Integer(
        metadata={"description": "matching paragraphs the result stands for, itself included: its matching "
                  "near-duplicates, or with collapse=document its document's matching paragraphs"}
    )


class FacetValue(Schema):
    """A facet value and how many matches have it."""

    value = fields.String()
    count = fields.Integer()


class Facets(Schema):
    """Counts of a search's matches by source and by year."""

    source = fields.List(fields.Nested(FacetValue), metadata={"description": "matches by source, most first (without the source filter)"})
    year = fields.List(fields.Nested(FacetValue), metadata={"description": "dated matches by year, newest first (without the date filter)"})


class Synonyms(Schema):
    """A name in the query and the other names it was also looked up by."""

    word = fields.String(metadata={"description": "a name in the query, as written"})
    synonyms = fields.List(fields.String(), metadata={"description": "its other names, which the search also looked up"})


class SearchPage(Schema):
    """The body of ``GET /api/search``: a page of results with totals, facets and suggestions."""

    query = fields.String()
    total = fields.Integer(metadata={"description": "matching paragraphs, near-duplicates included"})
    groups = fields.Integer(metadata={"description": "results over all pages: matching paragraphs once collapsed"})
    page = fields.Integer()
    per_page = fields.Integer()
    pages = fields.Integer(metadata={"description": f"pages that can be asked for: results are paged up to {MAX_DEPTH:,} deep"})
    took_ms = fields.Float()
    results = Shaped(Result, many=True)
    facets = fields.Nested(Facets)
    suggestion = fields.String(allow_none=True)
    synonyms = fields.List(
        fields.Nested(Synonyms), metadata={"description": "the query's names of a thing that also found its other names (the months)"}
    )


class Paragraph(Schema):
    """A paragraph of a document, with the query's words marked."""

    id = fields.String()
    position = fields.Integer()
    text = fields.String()
    marked = fields.String(metadata={"description": "HTML: the text escaped, with the words of the query q in <mark>"})


class Document(DocumentMeta):
    """The body of ``GET /api/documents/<id>``: a document's metadata and paragraphs."""

    paragraphs = fields.List(fields.Nested(Paragraph))


class IndexCounts(Schema):
    """Counts of the live index, shared by health and stats."""

    generation = fields.String(metadata={"description": "name of the live index generation"})
    documents = fields.Integer()
    paragraphs = fields.Integer()
    reindex_needed = fields.Boolean(
        metadata={
            "description": "whether the live index was built with another version of the Arabic analysis than the "
            "one queries are analysed with (some spellings are then not found until a reindex)"
        }
    )


class Health(IndexCounts):
    """The body of ``GET /api/health``."""

    status = fields.String()
    warm = fields.Boolean(
        metadata={
            "description": "whether the answering worker has read ahead what searches of the live index need "
            "(its longest posting lists among them; searches are slower until then, and a search or a health "
            "check starts the reading)"
        }
    )


class Stats(IndexCounts):
    """The body of ``GET /api/stats``."""

    duplicates = fields.Integer(metadata={"description": "paragraphs in a near-duplicate group"})
    size_bytes = fields.Integer()
    built_at = fields.String(metadata={"description": "when the live index was built (ISO 8601, UTC)"})


class Skipped(Schema):
    """A record the indexer skipped: where it was and why."""

    file = fields.String()
    line = fields.Integer(allow_none=True)
    reason = fields.String()


class LeftOut(Schema):
    """A record indexed with a field left out: where it was, the field, its value as written and why."""

    file = fields.String()
    line = fields.Integer(allow_none=True)
    field = fields.String(metadata={"description": 'the field left out ("date")'})
    value = fields.String(metadata={"description": "its value as the record wrote it"})
    reason = fields.String()


class ReindexSummary(Schema):
    """The body of ``POST /api/reindex``: the new generation and what went into it."""

    generation = fields.String()
    documents = fields.Integer()
    paragraphs = fields.Integer()
    duplicates = fields.Integer()
    skipped = fields.List(fields.Nested(Skipped), metadata={"description": "records not indexed, and why"})
    left_out = fields.List(
        fields.Nested(LeftOut),
        metadata={"description": "records indexed with a field left out (a date before 1900 or after tomorrow), not skipped"},
    )
    seconds = fields.Float()
    other_files = fields.Dict(
        keys=fields.String(), values=fields.Integer(),
        metadata={"description": "files in the source folders of types no reader handles, by type (.md: 2)"},
    )


class ErrorDetail(Schema):
    """What went wrong: a code, a message, and the messages of each bad field; for a refused query
    (``invalid_query``), why and the limit it passed, for programs that word the error themselves."""

    code = fields.String()
    message = fields.String()
    reason = fields.String(validate=validate.OneOf(REFUSALS), metadata={"description": "why the query was refused"})
    limit = fields.Float(metadata={"description": "the limit the query passed (characters, words, levels, seconds, results)"})
    field_messages = fields.Dict(keys=fields.String(), values=fields.List(fields.String()), data_key="fields")


class Error(Schema):
    """The body of every 4xx and 5xx answer."""

    error = fields.Nested(ErrorDetail)


def to_json(body):
    """The JSON of a response body as the API sends it and ``search --json`` prints it: UTF-8,
    compact, a line break at the end. orjson writes a page of Arabic results many times faster
    than the standard library's encoder (docs/performance.md)."""
    return orjson.dumps(body, option=orjson.OPT_APPEND_NEWLINE)
