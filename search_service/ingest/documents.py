"""The document model every reader produces: a document with its metadata and paragraphs."""

import dataclasses
import datetime


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
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.reason}"


def paragraph_id(document_id, position):
    """The id of the paragraph at 1-based ``position`` in a document: ``<document id>#<n>``."""
    return f"{document_id}#{position}"
