"""The document model every reader produces: a document with its metadata and paragraphs, and the
reports of records skipped or indexed with a field left out."""

import dataclasses
import datetime
import json
import re

from search_service.arabic import normalize


@dataclasses.dataclass(frozen=True)
class Document:
    """One source document, already cleaned of boilerplate and split into paragraphs."""

    id: str
    paragraphs: tuple[str, ...]
    title: str | None = None
    date: datetime.date | None = None
    source: str | None = None
    url: str | None = None


@dataclasses.dataclass(frozen=True)
class SkippedRecord:
    """A record a reader could not use, with where it was and why."""

    file: str
    line: int | None
    reason: str

    def __str__(self):
        return f"{_where(self.file, self.line)}: {self.reason}"


@dataclasses.dataclass(frozen=True)
class FieldLeftOut:
    """A record indexed with one of its fields left out: where it was, the field, its value as
    written and why (a date no publication has). Nothing of the record is lost but that field."""

    file: str
    line: int | None
    field: str
    value: str
    reason: str

    def __str__(self):
        return f'{_where(self.file, self.line)}: "{self.field}" {json.dumps(self.value, ensure_ascii=False)}: {self.reason}'


def _where(file, line):
    """Where a record was, as reports write it: ``file:line``, or the file of one document."""
    return f"{file}:{line}" if line else file


def paragraph_id(document_id, position):
    """The id of the paragraph at 1-based ``position`` in a document: ``<document id>#<n>``."""
    return f"{document_id}#{position}"


#: The reason given for a file or line that is not valid UTF-8.
NOT_UTF8 = "not UTF-8 text"


def unreadable(path, error):
    """The record of a file that could not be read (``error``, an ``OSError``)."""
    return SkippedRecord(str(path), None, f"cannot read file: {error.strerror}")

#: Whitespace and invisible format characters (zero-width space, direction marks, BOM), trimmed from lines.
LINE_EDGES = "".join(chr(c) for c in range(0x3001) if chr(c).isspace()) + (
    "\u200b\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2060\ufeff"
)
#: Control characters that are neither whitespace nor line breaks (NUL, escape, delete ...).
_CONTROLS = re.compile(r"[\x00-\x08\x0e-\x1b\x7f]")


def has_words(line):
    """Whether ``line`` holds a letter or a digit once normalised (not only marks or punctuation)."""
    return any(char.isalnum() for char in normalize(line))


#: Longest line kept whole, in characters. A longer one (an article written without line breaks, a
#: dump of megabytes) is cut after sentence ends into lines of at most this many characters, so
#: that its paragraphs, and the results, snippets and rescoring made of them, stay paragraph-sized.
MAX_LINE_CHARS = 5000
#: Where a sentence ends: after . ! ? ؟ or …, before a space.
SENTENCE_END = re.compile(r"(?<=[.!?\u061f\u2026])\s+")


def text_lines(text):
    """The lines of ``text`` (any newline convention), trimmed, without control characters or blank
    lines; a line longer than ``MAX_LINE_CHARS`` cut into several."""
    lines = (line.strip(LINE_EDGES) for line in _CONTROLS.sub("", text).splitlines())
    return [piece for line in lines if line for piece in ([line] if len(line) <= MAX_LINE_CHARS else _cut(line))]


def _cut(line):
    """A long line as lines of at most ``MAX_LINE_CHARS`` characters: whole sentences, a space
    between them; a longer sentence cut at its last space that fits, else where it must."""
    pieces, current = [], ""
    for sentence in SENTENCE_END.split(line):
        if current and len(current) + 1 + len(sentence) > MAX_LINE_CHARS:
            pieces.append(current)
            current = ""
        current = f"{current} {sentence}" if current else sentence
        start = 0  # cut by positions: slicing off each piece would copy the rest of a long sentence
        while len(current) - start > MAX_LINE_CHARS:
            cut = current.rfind(" ", start + 1, start + MAX_LINE_CHARS + 1)
            cut = cut if cut > start else start + MAX_LINE_CHARS
            pieces.append(current[start:cut].rstrip())
            start = cut
            while start < len(current) and current[start].isspace():
                start += 1
        current = current[start:]
    return pieces + [current] if current else pieces
