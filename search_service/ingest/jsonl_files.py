"""JSON Lines corpora: one document per line, each bad line skipped and reported with its number.

A line is ``{"id": str, "text": str, "title"?: str, "source"?: str, "date"?: "YYYY-MM-DD", "url"?: str}``.
``text`` holds the paragraphs, one per line. Blank lines are ignored and other keys are allowed.
The source defaults to the file's stem, so ``news/ahram.jsonl`` gives ``ahram``. A date before 1900 or
after tomorrow is no publication date: the record is indexed without it, and that is reported.
"""

import codecs
import dataclasses
import io
import json
import pathlib
import re

from search_service.ingest.documents import NOT_UTF8, Document, FieldLeftOut, SkippedRecord, has_words, text_lines, unreadable
from search_service.ingest.metadata import NO_PUBLICATION_DATE, NUMERIC_DATE, is_dateline, is_publication_date, month_named_date, numeric_date

#: A date as exports write it: YYYY-MM-DD (a month or day may have one digit, the digits may be
#: Arabic-Indic), maybe followed by a time (ISO 8601's T or a space), which is left out.
_DATE = re.compile(r"\s*(" + NUMERIC_DATE + r")(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:Z|[+-]\d{2}(?::?\d{2})?)?)?\s*")
_OPTIONAL_TEXT_FIELDS = ("title", "source", "url")
#: The byte order mark as a character, where a file decoded from UTF-16 or UTF-32 holds another.
_BYTE_ORDER_MARK = "\ufeff"


#: JSON may escape half of a UTF-16 pair ("\ud800"), which is no character and cannot be stored
#: or sent as UTF-8; it is kept visible as U+FFFD rather than losing the document.
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
REPLACEMENT_CHARACTER = "\ufffd"


class _BadRecord(Exception):
    """A line that cannot be a document; the message is the reason reported."""


def read_jsonl_file(path):
    """Yield ``(line number, Document or SkippedRecord, fields left out)`` for each non-blank line of
    a JSONL file: the FieldLeftOut reports of the fields its Document is indexed without."""
    path = pathlib.Path(path)
    try:
        with path.open("rb") as file:
            for number, raw in enumerate(_utf8_lines(file), start=1):
                if raw.strip():
                    yield number, *_read_line(path, number, raw)
    except OSError as error:
        yield None, unreadable(path, error), ()


def _utf8_lines(file):
    """The lines of a binary file as UTF-8 bytes: UTF-8, UTF-16 or UTF-32 (a byte order mark may
    open any line of concatenated files), with a byte order mark (as Windows PowerShell 5 writes
    a redirection) or without one: JSON opens with an ASCII character, so the NUL bytes of its first
    four tell the encoding (RFC 4627, section 3; ``json.detect_encoding``). A lone CR ends a line
    too, so classic Mac files work."""
    encoding = json.detect_encoding(file.peek(4)[:4])
    if encoding not in ("utf-8", "utf-8-sig"):
        for line in io.TextIOWrapper(file, encoding=encoding, errors="replace", newline=None):
            yield line.rstrip("\n").lstrip(_BYTE_ORDER_MARK).encode("utf-8", errors="surrogatepass")
        return
    for chunk in file:
        for raw in chunk.splitlines():
            yield raw.removeprefix(codecs.BOM_UTF8)


def _read_line(path, number, raw):
    """A line's Document, or the SkippedRecord saying why it has none, and the fields left out of
    the Document (a date that is no publication date)."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return SkippedRecord(str(path), number, NOT_UTF8), ()
    try:
        record = json.loads(text)
    except json.JSONDecodeError as error:
        # json's message for a control character ends with "at" already.
        return SkippedRecord(str(path), number, f"invalid JSON: {error.msg.removesuffix(' at')} at column {error.colno}"), ()
    except (ValueError, RecursionError) as error:  # a number of thousands of digits, arrays nested thousands deep
        return SkippedRecord(str(path), number, f"invalid JSON: {error}"), ()
    try:
        document = _document(record, default_source=path.stem)
    except _BadRecord as error:
        return SkippedRecord(str(path), number, str(error)), ()
    if document.date and not is_publication_date(document.date):
        return dataclasses.replace(document, date=None), (FieldLeftOut(str(path), number, "date", record["date"], NO_PUBLICATION_DATE),)
    return document, ()


def _document(record, default_source):
    if not isinstance(record, dict):
        raise _BadRecord(f"expected a JSON object, got {_json_type(record)}")
    document_id = _required_text(record, "id").strip()
    paragraphs = tuple(filter(has_words, text_lines(_required_text(record, "text"))))
    if not paragraphs:
        raise _BadRecord('empty document: "text" has no paragraph')
    title, source, url = (_optional_text(record, key) for key in _OPTIONAL_TEXT_FIELDS)
    return Document(
        id=document_id,
        paragraphs=paragraphs,
        title=title,
        date=_date(record.get("date")),
        source=source or default_source,
        url=url,
    )


def _required_text(record, key):
    value = record.get(key)
    if value is None:
        raise _BadRecord(f'missing "{key}"')
    if not isinstance(value, str):
        raise _BadRecord(f'"{key}" must be a string, got {_json_type(value)}')
    if not value.strip():
        raise _BadRecord(f'empty "{key}"')
    return _LONE_SURROGATE.sub(REPLACEMENT_CHARACTER, value)


def _optional_text(record, key):
    value = record.get(key)
    if value is not None and not isinstance(value, str):
        raise _BadRecord(f'"{key}" must be a string, got {_json_type(value)}')
    return (_LONE_SURROGATE.sub(REPLACEMENT_CHARACTER, value).strip() or None) if value else None


def _date(value):
    """A record's date: YYYY-MM-DD, Gregorian or Hijri as ``numeric_date`` reads it, else as a
    dateline writes it with the month's name (``12 مارس 2024``: digits alone, ``05/03/2024``, may
    put the month first or second); none where it is null or blank."""
    if value is None or isinstance(value, str) and not value.strip():
        return None
    if isinstance(value, str):
        found = _DATE.fullmatch(value)
        date = numeric_date(found[1]) if found else month_named_date(value) if is_dateline(value) else None
        if date:
            return date
    raise _BadRecord(
        f'bad "date" {json.dumps(value, ensure_ascii=False)}: not a valid YYYY-MM-DD date (a time may follow it)'
        " nor one written with its month's name"
    )


def _json_type(value):
    names = {dict: "object", list: "array", str: "string", bool: "boolean", int: "number", float: "number"}
    return names.get(type(value), "null")
