"""Plain-text pages: one document per file, one paragraph per non-empty line, boilerplate removed.

How a page is read:

- The header block is the run of lines above the first line of body (a line that ends a
  statement or is long; a headline may end with ? or ! but not with a full stop), if that comes
  within ``MAX_HEADER_LINES`` lines. Its longest line of at least ``MIN_TITLE_WORDS`` words that is
  not furniture (a dateline, a credit, an ad label, a repeated caption) is the headline, which
  becomes the title; the rest of the block is page furniture. A page that opens with prose has no
  headline, and its title is None rather than a guess.
- The footer is the run of short lines (under ``MAX_FOOTER_WORDS`` words) after the last sentence,
  unless that sentence ends with a colon: then they are the list it introduces.
- Anywhere: ad slots and labels, related-article links, datelines, follow notices, editorial credits,
  copies of a repeated line and lines of one or two words are not paragraphs.
- A block of lines wrapped to a width (between blank lines, each line but the last of at least
  ``MIN_WRAPPED_WORDS`` words, about as long as the longest, and not ending a sentence; the last,
  no longer, ending one) is one paragraph, its lines joined.
- The date comes from the first dateline, the url from a line that is only an address, the source
  from the portal's follow notice, else the site's folder (``corpus/ahram/x.txt`` gives ``ahram``),
  as a crawl usually keeps one directory per site.
"""

import codecs
import itertools
import pathlib
import re

from search_service.ingest import boilerplate, metadata
from search_service.ingest.documents import Document, SkippedRecord, has_words, text_lines, unreadable

MAX_HEADER_LINES = 15
MIN_TITLE_WORDS = 3
MAX_FOOTER_WORDS = 12
#: Words a wrapped line holds at least, and the share of the block's longest line it reaches.
MIN_WRAPPED_WORDS = 5
MIN_WRAPPED_SHARE = 0.6


#: Share of control bytes above which a file is taken for UTF-16 (or binary), not UTF-8 text.
MAX_CONTROL_SHARE = 0.05
_CONTROL_BYTES = bytes(set(range(32)) - set(b"\t\n\r"))


def looks_binary(data):
    """Whether ``data`` is no text a reader can take: binary, or UTF-16 without a byte order mark,
    which decodes as UTF-8 too (each Arabic letter gives a control byte, U+0627 is 27 06, and each
    space or digit a NUL)."""
    return len(data) - len(data.translate(None, _CONTROL_BYTES)) > MAX_CONTROL_SHARE * len(data)


#: Byte order marks of UTF-16, whose text is full of control bytes.
UTF16_MARKS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
#: Characters beyond ASCII: a file that has more of them valid in UTF-8 than invalid is broken
#: UTF-8, not Windows-1256, where nearly every Arabic letter is a byte UTF-8 refuses.
_NON_ASCII = re.compile("[^\x00-\x7f]")
_ARABIC_LETTER = re.compile("[\u0621-\u064a\u066e-\u06d3]")
#: The encodings a text file is read in, as messages name them.
TEXT_ENCODINGS = "UTF-8, UTF-16 with a byte order mark, or Arabic Windows-1256"


def decode_text(data):
    """A text file's text: UTF-8 (with or without a byte order mark), UTF-16 with one (Notepad's
    "Unicode"), or else Windows-1256, the Arabic code page of older Windows files, when most of
    the letters it gives are Arabic (it maps every byte, so any file decodes). None for binary
    data, UTF-16 without a byte order mark, broken UTF-8 and other encodings."""
    if data.startswith(UTF16_MARKS):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            return None
    if looks_binary(data):
        return None
    as_utf8 = data.decode("utf-8-sig", errors="replace")
    invalid = as_utf8.count("\ufffd") - data.count("\ufffd".encode())
    if not invalid:
        return as_utf8
    if _NON_ASCII.subn("", as_utf8)[1] - invalid > invalid:  # UTF-8 with broken bytes (a file cut short)
        return None
    text = data.decode("cp1256")
    arabic = sum(1 for _ in _ARABIC_LETTER.finditer(text))
    return text if 2 * arabic > sum(map(str.isalpha, text)) else None


def read_text_file(path, default_source=None):
    """Yield ``(None, Document)`` for a text file, or ``(None, SkippedRecord)`` when it cannot be
    used; a page that names no source has ``default_source``."""
    path = pathlib.Path(path)
    try:
        text = decode_text(path.read_bytes())
    except OSError as error:
        yield None, unreadable(path, error)
        return
    if text is None:
        yield None, SkippedRecord(str(path), None, f"not text in {TEXT_ENCODINGS}")
        return
    document = page_document(path.stem, text_lines(unwrapped(text)), default_source=default_source)
    if document.paragraphs:
        yield None, document
    else:
        yield None, SkippedRecord(str(path), None, "empty document: no paragraph left after removing page boilerplate")


def unwrapped(text):
    """``text`` with each block of lines wrapped to a width (a paragraph of a file written for a
    terminal or an email) on one line; the other lines as they are."""
    blocks = itertools.groupby(text.splitlines(), key=lambda line: bool(line.strip()))
    return "\n".join(line for _, block in blocks for line in _joined_if_wrapped([line.strip() for line in block]))


def _joined_if_wrapped(lines):
    """A block's lines, as one line if they are wrapped prose."""
    if len(lines) < 2:
        return lines
    *wrapped, last = lines
    longest = max(map(len, wrapped))
    if (
        boilerplate.ends_sentence(last) and len(last) <= longest
        and all(boilerplate.word_count(line) >= MIN_WRAPPED_WORDS and len(line) >= MIN_WRAPPED_SHARE * longest for line in wrapped)
        and not any(map(boilerplate.ends_sentence, wrapped))
    ):
        return [" ".join(lines)]
    return lines


def page_document(document_id, lines, default_source=None, framed=True):
    """The document in the non-blank ``lines`` of a page: headline, dateline, source, paragraphs.

    A ``framed`` page still has its header block and footer (a page saved as text); without them
    (an article already taken out of its page) only the lines that are furniture anywhere go, and
    the title is None. Lines of no letter or digit (``***``, ``.``) are no part of it.
    """
    lines = [line for line in lines if has_words(line)]
    source, furniture = metadata.follow_notices(lines)
    replies = boilerplate.replies(lines)
    # Each line with the reply under it, if any: a repeated question is no repeated line.
    answered = [f"{line.rstrip()} {lines[i + 1].strip()}" if i + 1 in replies else line for i, line in enumerate(lines)]
    furniture |= boilerplate.credit_lines(lines) | boilerplate.repeated_lines(answered) | replies
    datelines = [i for i, line in enumerate(lines) if metadata.is_dateline(line)]
    urls = {i: url for i, url in enumerate(map(metadata.url_of, lines)) if url}
    furniture |= set(datelines) | set(urls)
    furniture |= {i for i, line in enumerate(lines) if boilerplate.is_marker(line) or boilerplate.is_fragment(line)}
    title = _take_frame(lines, furniture) if framed else None

    dates = (metadata.find_date(lines[i]) for i in datelines)
    return Document(
        id=document_id,
        paragraphs=tuple(line for i, line in enumerate(answered) if i not in furniture),
        title=title,
        date=next((date for date in dates if date), None),
        source=source or default_source,
        url=next(iter(urls.values()), None),
    )


def _take_frame(lines, furniture):
    """Add the page's header block and footer to ``furniture``; return the headline, if any."""
    content = [i for i, line in enumerate(lines) if i not in furniture]
    body_start = next((i for i in content if boilerplate.is_body_line(lines[i])), None)
    header = range(body_start) if body_start is not None and body_start <= MAX_HEADER_LINES else range(0)
    body_end = max((i for i in content if boilerplate.is_sentence(lines[i])), default=len(lines) - 1)
    # A last sentence that ends with a colon introduces the lines after it (a list), no footer.
    footer = range(body_end + 1, len(lines)) if lines and not lines[body_end].endswith(":") else range(0)
    title = _headline([lines[i] for i in header if i not in furniture])
    furniture |= set(header)
    furniture |= {i for i in footer if boilerplate.word_count(lines[i]) < MAX_FOOTER_WORDS}
    return title


def _headline(candidates):
    """The longest candidate line (the later one on a tie), if it has enough words for a headline."""
    words = [boilerplate.word_count(line) for line in candidates]
    best = max(range(len(candidates)), key=lambda i: (words[i], i), default=None)
    return candidates[best] if best is not None and words[best] >= MIN_TITLE_WORDS else None
