"""Web pages (``.html``, ``.htm``): one document per file, the article without the page around it.

trafilatura finds the article in the page (navigation, sidebars, related links, comments and footers
are left out) and the metadata the page declares in its markup: title, publication date, site name
and canonical address (else the address its JSON-LD gives its article). The article's lines then
go through the rules of a plain-text page that hold anywhere in it (``text_files.page_document``
without a page frame: datelines, credits, markers, repeated lines); the title is the page's
headline. What the markup declares comes first; what the text shows fills the gaps, the date from a
dateline anywhere in the page. Pages in any encoding they declare are read; binary files and UTF-16
without a byte order mark are not.
"""

import copy
import datetime
import functools
import json
import pathlib
import re

import courlan

from search_service.ingest import boilerplate, metadata
from search_service.ingest.documents import LINE_EDGES, Document, SkippedRecord, text_lines, unreadable
from search_service.ingest.text_files import UTF16_MARKS, looks_binary, page_document

#: Where trafilatura looks for the publication date: what the page declares (meta tags, structured
#: data, time elements, its address), never a guess from dates in the text.
DATE_SOURCES = {"extensive_search": False, "original_date": True}
#: Markup trafilatura would take for text though no browser shows it.
HIDDEN = "//template"
#: The separators of a ``<title>``'s parts (the headline, the section, the site's name).
_TITLE_PARTS = re.compile(r"\s+[-|–—:«»]\s+")
#: Elements of text a table's cell holds only where the table lays a page out (an old portal's
#: columns of menu and article), not where it holds data.
LAYOUT_BLOCKS = ".//p|.//h1|.//h2|.//h3|.//h4|.//h5|.//h6|.//ul|.//ol|.//blockquote"
#: Elements that end a paragraph of text around them: blocks, and a line break.
BREAKS = frozenset((
    "address", "article", "aside", "blockquote", "br", "center", "dd", "details", "div", "dl", "dt", "fieldset",
    "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li", "main",
    "nav", "ol", "p", "pre", "section", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "ul",
))
#: Inline elements that become blocks (``div``) where they hold a break, as an unclosed ``<font>`` does.
FORMATTING = frozenset(("abbr", "b", "big", "cite", "code", "em", "font", "i", "s", "small", "span", "strike", "strong", "sub", "sup", "tt", "u"))
#: Elements that hold no block, so that one holding a break is taken apart: ``p`` and ``FORMATTING``.
_HOLDING_NO_BLOCK = FORMATTING | {"p"}
#: Words an article's longest paragraph has at least, unless one ends a sentence: a page of short
#: lines only (a menu, a home page's links of headlines) has no article.
MIN_ARTICLE_WORDS = 5
#: A part of the ``<title>`` of a page a crawl saved for an address that had none (404, not found),
#: between the separators of ``_ERROR_TITLE_SEPARATORS``.
_ERROR_TITLE_PART = re.compile(
    r"(?:(?:error|خطأ)\s*)?404(?:\s*(?:error|(?:page\s+)?not found))?"
    r"|(?:(?:عذرا|عفوا)\s+)?(?:الصفحة|الصفحه)\s+(?:المطلوبة\s+|التي تبحث عنها\s+)?غير\s+موجود[ةه]?|(?:page\s+)?not found",
    re.IGNORECASE,
)
_ERROR_TITLE_SEPARATORS = re.compile(r"\s*[-|–—:«»·،!]\s*")
#: Levels of markup libxml2 reads with ``huge_tree``; it ignores what lies deeper.
MAX_DEPTH = 2048
_FORMATTING_TAG = re.compile(rb"</?(?:%s)\b[^>]*>" % b"|".join(tag.encode() for tag in sorted(FORMATTING)), re.IGNORECASE)
#: An absolute web address.
_WEB_ADDRESS = re.compile(r"https?://[^\s/]+\S*", re.IGNORECASE)
#: What a page may wrap a script's JSON in, for browsers of old, one inside the other too: the
#: markers of a comment and of CDATA, behind ``//`` or inside ``/* */`` (``<!--//--><![CDATA[//><!--``).
_SCRIPT_WRAPPING = ("<![CDATA[", "<!--", "-->", "]]>", "<!", ">", "//", "/*", "*/")
_LEADING_WRAPPING = re.compile("(?:\\s|%s)*" % "|".join(map(re.escape, _SCRIPT_WRAPPING)))
#: A table row as trafilatura writes it: ``| cell | cell |``.
_TABLE_ROW = re.compile(r"\|(.*)\|")


@functools.cache
def _trafilatura():
    """trafilatura, its HTML parser taking markup ``MAX_DEPTH`` levels deep and text of any length:
    libxml2 stops at 256 levels by default, which an old portal's unclosed ``<font>`` tags pass.
    Imported on first use (about 0.15 s): only commands that read web pages pay for it."""
    import trafilatura
    from lxml import html
    from trafilatura import utils

    utils.HTML_PARSER = html.HTMLParser(
        collect_ids=False, default_doctype=False, encoding="utf-8", remove_comments=True, remove_pis=True, huge_tree=True,
    )
    return trafilatura


def read_html_file(path, default_source=None):
    """Yield ``(None, Document)`` for a web page, or ``(None, SkippedRecord)`` when it has no article;
    a page that names no source and no host has ``default_source``."""
    trafilatura = _trafilatura()
    path = pathlib.Path(path)
    try:
        data = path.read_bytes()
    except OSError as error:
        yield None, unreadable(path, error)
        return
    if looks_binary(data) and not data.startswith(UTF16_MARKS):
        yield None, SkippedRecord(str(path), None, "not a web page: binary data, or UTF-16 without a byte order mark")
        return
    tree, too_deep = _load(trafilatura, data)
    if too_deep:
        yield None, SkippedRecord(str(path), None, f"markup nested more than {MAX_DEPTH:,} levels deep: the page would be cut off")
        return
    # The extraction reads a copy of its own, whose paragraphs and layout tables it changes.
    found = tree is not None and trafilatura.bare_extraction(
        _without_layout_tables(_loose_text_in_paragraphs(copy.deepcopy(tree))), with_metadata=True, favor_precision=True, include_comments=False,
        date_extraction_params=DATE_SOURCES, prune_xpath=HIDDEN,
    )
    title_element = _text(tree.find(".//title")) if tree is not None else ""
    lines = list(filter(None, map(_cells, text_lines(found.text or "")))) if found else []
    title = _headline(tree, title_element, found.title if found else None, lines[0] if lines else None)
    page = page_document(path.stem, [line for line in lines if line != title], framed=False)
    if not any(boilerplate.word_count(p) >= MIN_ARTICLE_WORDS or boilerplate.ends_with_full_stop(p) for p in page.paragraphs):
        yield None, SkippedRecord(str(path), None, "no article text found in the page")
        return
    if any(_ERROR_TITLE_PART.fullmatch(part) for part in _ERROR_TITLE_SEPARATORS.split(title_element)):
        yield None, SkippedRecord(str(path), None, f"an error page ({title_element}), no article")
        return
    yield None, Document(
        id=page.id,
        paragraphs=page.paragraphs,
        title=title,
        date=_date(found.date) or page.date or _dateline_date(tree),
        source=_spaced(found.sitename, title_element) or page.source or found.hostname or default_source,
        url=found.url or _structured_data_address(tree) or page.url,
    )


def _load(trafilatura, data):
    """``(tree, cut off)``: the tree of a page, and whether its markup nests past libxml2's
    ``MAX_DEPTH`` levels, which cuts off the rest of the page. Where its unclosed formatting tags
    (an old portal's ``<font>``, one more level for each paragraph) nest that deep, the tree is the
    page's without them."""
    tree = trafilatura.load_html(data)
    if _cut_off():
        tree = trafilatura.load_html(_FORMATTING_TAG.sub(b"", data))
    return tree, _cut_off()


def _cut_off():
    """Whether the last page parsed was cut off at libxml2's ``MAX_DEPTH`` levels."""
    from trafilatura import utils

    return any(error.type_name == "ERR_RESOURCE_LIMIT" for error in utils.HTML_PARSER.error_log)


def _loose_text_in_paragraphs(tree):
    """``tree`` with each run of text between blocks and double line breaks in a paragraph of its
    own, as a browser shows it: an old portal writes its paragraphs as text in ``<font>`` elements
    it never closes, separated by ``<p>`` or ``<br><br>``, and the parser nests each in the one
    before (thousands of levels deep), its lead outside any ``<p>``. In the body, a ``p`` or a
    formatting element without a class or id that holds a break is replaced by its content between
    two breaks (a ``p`` holds no block), and every other element that holds one has its runs of
    text and inline elements (a single ``<br>`` among them) put into ``p``s."""
    body = tree.find(".//body") if tree is not None else None
    if body is None:
        return tree
    breaks = {id(element): element for element in body.iter(*BREAKS) if element.tag != "br" or _doubled(element)}
    holders = {id(body): body}  # id of an element holding a break -> the element
    for element in breaks.values():
        for ancestor in element.iterancestors():
            if id(ancestor) in holders:
                break
            holders[id(ancestor)] = ancestor
    kept = []
    for holder in holders.values():
        if holder is body or holder.get("class") or holder.get("id"):  # names the extraction may read
            kept.append(holder)
        elif holder.tag in _HOLDING_NO_BLOCK:
            breaks.update(_replace_by_content(holder))
        else:
            kept.append(holder)
    for holder in kept:
        if holder.tag in _HOLDING_NO_BLOCK:
            holder.tag = "div"
        _wrap_runs(holder, holders, breaks)
    return tree


def _doubled(br):
    """Whether a line break is one of two or more in a row (nothing but spaces between them)."""
    after, before = br.getnext(), br.getprevious()
    return (after is not None and after.tag == "br" and not (br.tail or "").strip()) or (
        before is not None and before.tag == "br" and not (before.tail or "").strip()
    )


def _replace_by_content(element):
    """Put ``element``'s text and children in its place, between two line breaks; returns those
    breaks by id."""
    start, end = element.makeelement("br", {}), element.makeelement("br", {})
    start.tail, end.tail = element.text, element.tail
    parent = element.getparent()
    at = parent.index(element)
    parent[at : at + 1] = [start, *element, end]
    return {id(start): start, id(end): end}


def _wrap_runs(holder, holders, breaks):
    """Put each run of ``holder``'s text and inline children (those holding no break, a single
    ``<br>`` among them) that has words into a ``p``; the elements of a run without words stay as
    they are (an image, a ``<meta>`` of the date), and the breaking ``<br>`` elements go."""
    items = [holder.text, *(part for child in holder for part in (child, child.tail))]
    holder.text = None
    children, run = [], []

    def close_run():
        if any(isinstance(item, str) and item.strip() or not isinstance(item, str) and _text(item) for item in run):
            paragraph = holder.makeelement("p", {})
            for item in run:
                if isinstance(item, str):
                    _append_text(paragraph, item)
                else:
                    paragraph.append(item)
            children.append(paragraph)
        else:
            children.extend(item for item in run if not isinstance(item, str))
        run.clear()

    for item in items:
        if item is None:
            continue
        if isinstance(item, str) or (id(item) not in breaks and id(item) not in holders):
            if not isinstance(item, str):
                item.tail = None
            run.append(item)
            continue
        close_run()
        if item.tag != "br":
            item.tail = None
            children.append(item)
    close_run()
    holder[:] = children


def _append_text(element, text):
    """Add ``text`` at the end of ``element``'s content."""
    if len(element):
        element[-1].tail = (element[-1].tail or "") + text
    else:
        element.text = (element.text or "") + text


def _without_layout_tables(tree):
    """``tree`` with each table that lays the page out (a cell holds paragraphs, headings or lists)
    made of ``div`` elements, so that its cells' paragraphs stay paragraphs and a menu column is
    left out as a menu; tables of data as they are."""
    for table in list(tree.iter("table")):
        cells = table.xpath("./tr/td|./tr/th|./*/tr/td|./*/tr/th")
        if any(cell.xpath(LAYOUT_BLOCKS) for cell in cells):
            for element in [table, *table.xpath("./*|./*/tr|./tr/*|./*/tr/*")]:
                element.tag = "div"
    return tree


def _cells(line):
    """A table row's cells that hold text, between " | " (a page laid out in a table has its
    paragraphs in rows of one cell); any other line as it is."""
    row = _TABLE_ROW.fullmatch(line)
    return " | ".join(filter(None, (cell.strip() for cell in row[1].split("|")))) if row else line


def _headline(tree, element, found_title, first_line):
    """The page's title: its first ``<h1>`` or ``<h2>`` that the title the page declares was cut
    from, or that makes most of it (a declared title may carry the site's name: a logo in an
    ``<h1>`` makes only that part); on a page without an ``<h1>``, the article's first line
    (``first_line``) where it is such a part, written in bold and no sentence (an old portal's
    ``<font size=4><b>`` headline); else the declared title. The declared title is the longer of
    trafilatura's and the ``<title>`` element's, ``element`` (trafilatura may take the logo for the title)."""
    declared = max(((found_title or "").strip(LINE_EDGES), element), key=len) or None
    if tree is None or not declared:
        return declared
    for heading in tree.iter("h1", "h2"):
        shown = _text(heading)
        if shown and _part_of_title(shown, declared):
            return shown
    if (
        first_line and tree.find(".//h1") is None and _part_of_title(first_line, declared)
        and not boilerplate.is_body_line(first_line) and any(_text(bold) == first_line for bold in tree.iter("b", "strong"))
    ):
        return first_line
    return declared


def _part_of_title(shown, declared):
    """Whether a headline ``shown`` in the page is the ``declared`` title, or most of it."""
    return declared in shown or (shown in declared and 2 * len(shown) >= len(declared))


def _spaced(site_name, title_element):
    """The site name as the page's ``<title>`` (``title_element``) writes it, where the name lost its spaces: trafilatura
    reads broken structured data (an unescaped quote) without the spaces it takes for JSON's
    ("اليومالسابع" for "اليوم السابع", which would split the source facet)."""
    if not site_name or " " in site_name:
        return site_name
    parts = _TITLE_PARTS.split(title_element)
    return next((part for part in parts if part.replace(" ", "") == site_name), site_name)


def _text(element):
    """An element's text, its spaces collapsed and its edges trimmed as a line's (direction marks
    too; "" for none)."""
    return " ".join(element.text_content().split()).strip(LINE_EDGES) if element is not None else ""


def _date(text):
    """An ISO date (``2024-03-29``) as a date, or None."""
    try:
        return datetime.date.fromisoformat(text) if text else None
    except ValueError:
        return None


def _structured_data_address(tree):
    """The page's address as its structured data (JSON-LD) states it: the ``mainEntityOfPage`` of
    its first article (``NewsArticle``, ``BlogPosting``...: not of the site, its publisher or its
    web page), an address, ``{"@id": address}`` or ``{"url": address}`` (or a list of them), without
    a fragment (``#webpage``) and written as trafilatura writes a canonical link's (courlan); None
    without one, or where the data is no JSON."""
    for script in tree.iter("script") if tree is not None else ():
        if (script.get("type") or "").partition(";")[0].strip().lower() != "application/ld+json":
            continue
        try:
            # strict=False: a line break inside a string
            data = json.loads(_unwrapped(script.text or ""), strict=False)
        except (ValueError, RecursionError):  # no JSON, a number of thousands of digits, arrays nested thousands deep
            continue
        items = [*data] if isinstance(data, list) else [data]
        items += [node for item in items if isinstance(item, dict) and isinstance(item.get("@graph"), list) for node in item["@graph"]]
        for item in filter(_is_article, items):
            for address in _addresses(item.get("mainEntityOfPage")):
                if isinstance(address, str) and _WEB_ADDRESS.fullmatch(address.strip()):
                    try:
                        return courlan.normalize_url(address.strip().partition("#")[0])
                    except ValueError:  # no address after all: https://[x/
                        continue
    return None


def _unwrapped(text):
    """A script's text without the comment and CDATA markers around it (``_SCRIPT_WRAPPING``)."""
    start, end = _LEADING_WRAPPING.match(text).end(), len(text)
    while True:
        while end > start and text[end - 1].isspace():
            end -= 1
        marker = next((marker for marker in _SCRIPT_WRAPPING if text.endswith(marker, start, end)), None)
        if marker is None:
            return text[start:end]
        end -= len(marker)


def _addresses(entity):
    """The addresses a ``mainEntityOfPage`` value may give, in order: itself, its ``@id`` and
    ``url``, those of each item of a list."""
    if isinstance(entity, list):
        return [address for item in entity if not isinstance(item, list) for address in _addresses(item)]
    return [entity.get("@id"), entity.get("url")] if isinstance(entity, dict) else [entity]


def _is_article(node):
    """Whether a node of structured data is an article: its ``@type`` (or one of them) is
    ``Article``, one of its kinds (``NewsArticle``, ``ReportageNewsArticle``) or ``BlogPosting``."""
    types = node.get("@type") if isinstance(node, dict) else None
    types = types if isinstance(types, list) else [types]
    return any(isinstance(kind, str) and (kind.endswith("Article") or kind == "BlogPosting") for kind in types)


def _dateline_date(tree):
    """The date of the first dateline among the texts of a parsed page (None without one)."""
    texts = text_lines("\n".join(tree.itertext())) if tree is not None else []
    return next(filter(None, (metadata.find_date(line) for line in texts if metadata.is_dateline(line))), None)
