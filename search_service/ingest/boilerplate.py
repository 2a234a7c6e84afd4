"""Rules that tell a page's boilerplate lines from its paragraphs.

A saved news page wraps its article in lines that are not content: a header block (breaking-news
labels, the editors' credits, ad labels, the dateline) above the headline, a footer (follow notices,
``Source link``) below the last paragraph, ad slots such as ``[ad_1]``, and captions repeated verbatim.
The rules here look at one line, or at how lines repeat; ``text_files`` applies them to a page.
"""

import collections
import re

from search_service.arabic import normalize

#: A line with at least this many words is prose even without final punctuation.
LONG_LINE_WORDS = 25
#: A line with fewer words that does not end a sentence is a label, not a paragraph.
MIN_PARAGRAPH_WORDS = 3
#: A name line under an editorial credit label has at most this many words.
MAX_NAME_WORDS = 5

#: Whole lines that are page furniture (matched on the normalised line).
MARKER = re.compile(
    r"""^(?:
        \[ad_?\d*\]                                  # ad slots left by auto-posting plugins
      | source\s+link | read\s+more
      | اعلان(?:\s+\S+)?                             # an ad label, with the advertiser's tag
      | (?:اقرا|شاهد|طالع)\s+(?:ايضا|المزيد)\b.*       # links to related articles
      | (?:جميع\s+)?الحقوق\s+محفوظه.*
    )$""",
    re.IGNORECASE | re.VERBOSE,
)
#: Editorial credits: a label alone (the name follows on the next line) or ``label: name``.
CREDIT = re.compile(
    r"^(?:نائب\s+)?(?:رئيس\s+مجلس\s+الاداره(?:\s+و\s*رئيس\s+التحرير)?|رئيس\s+التحرير|مدير\s+(?:عام\s+)?التحرير"
    r"|كتب|كتبت|بقلم|تصوير)(?:\s*[:\-–]\s*(?P<name>.+))?$"
)
_CLOSERS = r"[\"'”’»)\]]*$"
#: A line's end that ends a sentence, or a clause that a list or the next line goes on with (: ؛):
#: the line is body text, no page furniture (``documents.SENTENCE_END`` splits a line into sentences).
_SENTENCE_END = re.compile(rf"[.!?؟…:؛]{_CLOSERS}")
#: A headline may end with a question or exclamation mark, never with a full stop.
_STATEMENT_END = re.compile(rf"[.…:؛]{_CLOSERS}")
_FULL_STOP = re.compile(rf"[.…]{_CLOSERS}")
#: A quotation alone on its line (``"نعم"``, ``«لا».``), the punctuation after it included.
_QUOTATION = re.compile(r'^[«"“][^«»"“”]+[»"”][.!?؟…،]*$')


def word_count(line):
    """The number of whitespace-separated words in ``line``."""
    return len(line.split())


def ends_sentence(line):
    """Whether ``line`` ends with a sentence's closing punctuation (quotes and brackets after it)."""
    return bool(_SENTENCE_END.search(line))


def ends_with_full_stop(line):
    """Whether ``line`` ends with a full stop or an ellipsis, as no headline, label or menu does."""
    return bool(_FULL_STOP.search(line))


def is_sentence(line):
    """Whether ``line`` reads as prose: it ends a sentence, or it is too long to be a label."""
    return ends_sentence(line) or word_count(line) >= LONG_LINE_WORDS


def is_body_line(line):
    """Whether ``line`` can only be article body, not a headline: it ends a statement, or it is long."""
    return bool(_STATEMENT_END.search(line)) or word_count(line) >= LONG_LINE_WORDS


def is_fragment(line):
    """Whether ``line`` is too short to be a paragraph: a word or two, no sentence."""
    return word_count(line) < MIN_PARAGRAPH_WORDS and not is_sentence(line)


def replies(lines):
    """Indices of the lines that are a short quotation (fewer than ``MIN_PARAGRAPH_WORDS`` words)
    introduced by the colon ending the line before them: ``قال في رده:`` and ``"نعم"`` under it (a
    ``<br>`` between them). A reply belongs to that line's paragraph, no fragment to drop."""
    return {
        i for i in range(1, len(lines))
        if lines[i - 1].rstrip().endswith(":") and word_count(lines[i]) < MIN_PARAGRAPH_WORDS and _QUOTATION.match(lines[i].strip())
    }


def is_marker(line):
    """Whether ``line`` is an ad slot, an ad label, a related-article link or a copyright notice."""
    return word_count(line) < LONG_LINE_WORDS and bool(MARKER.match(normalize(line)))


def credit_lines(lines):
    """Indices of editorial credit lines (``رئيس التحرير`` and the name under it, ``كتب: ...``)."""
    found = set()
    for i, line in enumerate(lines):
        match = not is_sentence(line) and CREDIT.match(normalize(line))
        if not match:
            continue
        name = match["name"]
        if name and word_count(name) <= MAX_NAME_WORDS:
            found.add(i)
        elif not name and i + 1 < len(lines) and word_count(lines[i + 1]) <= MAX_NAME_WORDS:
            found |= {i, i + 1}
    return found


def repeated_lines(lines):
    """Indices of lines repeated verbatim: every copy of a short one, the later copies of prose."""
    seen = collections.Counter(lines)
    found, kept = set(), set()
    for i, line in enumerate(lines):
        if seen[line] < 2:
            continue
        if is_sentence(line) and line not in kept:
            kept.add(line)
        else:
            found.add(i)
    return found
