"""Web pages (``.html``, ``.htm``): one document per file, the article without the page around it.

trafilatura finds the article in the page (navigation, sidebars, related links, comments and footers
are left out) and the metadata the page declares in its markup: title, publication date, site name
and canonical address. Its text then goes through the rules of a plain-text page
(``text_files.page_document``), which take out the headline, datelines, credits, markers and
repeated lines the article kept; what the markup declares comes first, what the text shows fills
the gaps. Pages in any encoding they declare are read.
"""

import datetime
import pathlib

from search_service.ingest.documents import Document, SkippedRecord, text_lines
from search_service.ingest.text_files import page_document

#: Where trafilatura looks for the publication date: what the page declares (meta tags, structured
#: data, time elements, its address), never a guess from dates in the text.
DATE_SOURCES = {"extensive_search": False, "original_date": True}


def read_html_file(path):
    """Yield ``(None, Document)`` for a web page, or ``(None, SkippedRecord)`` when it has no article."""
    import trafilatura  # about 0.15 s: only commands that read web pages pay for it

    path = pathlib.Path(path)
    try:
        data = path.read_bytes()
    except OSError as error:
        yield None, SkippedRecord(str(path), None, f"cannot read file: {error.strerror}")
        return
    found = trafilatura.bare_extraction(
        data, with_metadata=True, favor_precision=True, include_comments=False, date_extraction_params=DATE_SOURCES,
    )
    page = page_document(path.stem, text_lines(found.text or "") if found else [], default_source=None)
    paragraphs = tuple(line for line in page.paragraphs if line != found.title) if found else ()
    if not paragraphs:
        yield None, SkippedRecord(str(path), None, "no article text found in the page")
        return
    yield None, Document(
        id=page.id,
        paragraphs=paragraphs,
        title=found.title or page.title,
        date=_date(found.date) or page.date,
        source=found.sitename or page.source or found.hostname or path.absolute().parent.name or None,
        url=found.url or page.url,
    )


def _date(text):
    """An ISO date (``2024-03-29``) as a date, or None."""
    try:
        return datetime.date.fromisoformat(text) if text else None
    except ValueError:
        return None
