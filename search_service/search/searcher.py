"""Running a search: ranking, filters, facets, duplicate collapsing, snippets and suggestions."""

import dataclasses
import datetime
import math
import time

from whoosh import collectors, query, sorting

from search_service.arabic import exact_analyzer, normalize
from search_service.arabic.normalization import strip_marks
from search_service.indexing import schema as fields
from search_service.search.query import QueryError, parse_query, query_words
from search_service.search.ranking import weighting
from search_service.search.snippets import snippet

MAX_PER_PAGE = 100
#: Results a client may page through (page × per_page), as in most search engines.
MAX_DEPTH = 1000
#: Below this many results a did-you-mean suggestion is looked for.
SUGGEST_BELOW = 3
#: Seconds a search may run before it is stopped (a pathological query must not hold a core).
SEARCH_TIME_LIMIT = 5.0


@dataclasses.dataclass
class SearchRequest:
    """What a client asks for."""

    q: str
    page: int = 1
    per_page: int = 10
    sources: tuple[str, ...] = ()
    date_from: datetime.date | None = None
    date_to: datetime.date | None = None
    #: Snippets with marked matches; without them a result's ``snippet`` is None (cheaper).
    highlight: bool = True


@dataclasses.dataclass
class SearchPage:
    """One page of results with totals, facets and a suggestion."""

    query: str
    total: int
    page: int
    per_page: int
    pages: int
    took_ms: float
    results: list[dict]
    facets: dict
    suggestion: str | None


def _filter(request):
    conditions = []
    if request.sources:
        conditions.append(query.Or([query.Term(fields.SOURCE, s) for s in request.sources]))
    if request.date_from or request.date_to:
        low = request.date_from.isoformat() if request.date_from else "0000-01-01"
        high = request.date_to.isoformat() if request.date_to else "9999-12-31"
        conditions.append(query.TermRange(fields.DATE, low, high))
    return query.And(conditions) if conditions else None


def document_metadata(stored):
    """The document part of a stored paragraph."""
    return {
        "id": stored[fields.DOCUMENT_ID],
        "title": stored.get(fields.TITLE) or None,
        "source": stored.get(fields.SOURCE) or None,
        "date": stored.get(fields.DATE) or None,
        "url": stored.get(fields.URL),
    }


def _matched_terms(hit):
    stems, exact_forms = set(), set()
    for fieldname, term in hit.matched_terms():
        word = term.decode("utf-8") if isinstance(term, bytes) else term
        (exact_forms if fieldname == fields.TEXT_EXACT else stems).add(word)
    return stems, exact_forms


def _duplicates(searcher, stored):
    group = searcher.documents(**{fields.DUPLICATE_GROUP: stored[fields.DUPLICATE_GROUP]})
    others = [d for d in group if d[fields.ID] != stored[fields.ID]]
    return [{"id": d[fields.ID], "document": document_metadata(d)} for d in sorted(others, key=lambda d: d[fields.ID])]


def _result(searcher, hit, highlight):
    stored = hit.fields()
    return {
        "id": stored[fields.ID],
        "score": round(hit.score, 4),
        "position": stored[fields.POSITION],
        "document": document_metadata(stored),
        "snippet": snippet(stored[fields.TEXT], *_matched_terms(hit)) if highlight else None,
        "text": stored[fields.TEXT],
        "duplicates": _duplicates(searcher, stored),
    }


def _spelled(searcher, form):
    """An indexed (normalised) word as a paragraph spells it, hamzas and ة kept, diacritics dropped."""
    for hit in searcher.search(query.Term(fields.TEXT_EXACT, form), limit=1):
        text = hit[fields.TEXT]
        for token in exact_analyzer()(text, chars=True):
            if token.text == form:
                return strip_marks(text[token.startchar : token.endchar])
    return form


def _suggestion(searcher, text):
    """The query with unknown words replaced by the closest indexed words, if any."""
    reader = searcher.reader()
    changed, words = False, []
    for word in query_words(text):
        form = normalize(word)
        if len(form) > 2 and not reader.frequency(fields.TEXT_EXACT, form):
            found = searcher.suggest(fields.TEXT_EXACT, form, limit=1, maxdist=2)
            if found:
                word, changed = _spelled(searcher, found[0]), True
        words.append(word)
    return " ".join(words) if changed else None


def _source_facets(searcher, parsed, request, results):
    """Counts by source. With a source filter, counted without it, so other sources stay choosable."""
    if request.sources:
        unfiltered = dataclasses.replace(request, sources=())
        results = searcher.search(
            parsed, limit=1, groupedby={"source": sorting.FieldFacet(fields.SOURCE)}, filter=_filter(unfiltered)
        )
    counts = ({"value": value, "count": len(docs)} for value, docs in results.groups("source").items() if value)
    return sorted(counts, key=lambda f: (-f["count"], f["value"]))


class _Deadline(collectors.WrappingCollector):
    """Stops a search that runs past its time limit (checked every few hundred documents)."""

    def __init__(self, child, seconds):
        super().__init__(child)
        self.deadline = time.monotonic() + seconds
        self.collected = 0

    def collect(self, sub_docnum):
        self.collected += 1
        if self.collected % 256 == 0 and time.monotonic() > self.deadline:
            raise collectors.TimeLimit
        return self.child.collect(sub_docnum)


def _collect(searcher, parsed, request):
    """Every match up to the requested page, with facets and collapsing, within the time limit."""
    collector = searcher.collector(
        limit=request.page * request.per_page, terms=request.highlight, groupedby={"source": sorting.FieldFacet(fields.SOURCE)}
    )
    # Collapsing drives the collection loop, so the deadline sits inside it.
    collector = collectors.CollapseCollector(
        _Deadline(collector, SEARCH_TIME_LIMIT), sorting.FieldFacet(fields.DUPLICATE_GROUP), limit=1
    )
    search_filter = _filter(request)
    if search_filter is not None:
        collector = collectors.FilterCollector(collector, search_filter)
    try:
        searcher.search_with_collector(parsed, collector)
    except collectors.TimeLimit:
        raise QueryError(
            f"the search took longer than {SEARCH_TIME_LIMIT:g} s and was stopped: use fewer or more specific words"
        ) from None
    return collector.results()


def search(live_index, request):
    """Search the live index; raises ``QueryError`` for queries the service refuses."""
    if request.page * request.per_page > MAX_DEPTH:
        raise QueryError(f"results can be paged up to {MAX_DEPTH} deep: ask for an earlier page or fewer per page")
    started = time.perf_counter()
    with live_index.searcher(weighting=weighting()) as searcher:
        parsed = parse_query(request.q, searcher.schema)
        results = _collect(searcher, parsed, request)
        # Whoosh counts only what collapsing kept; the collapsed near-duplicates still count as found.
        shown = len(results)
        total = shown + sum(results.collapsed_counts.values())
        pages = math.ceil(shown / request.per_page)
        first = (request.page - 1) * request.per_page
        hits = [_result(searcher, hit, request.highlight) for hit in results[first : first + request.per_page]]
        facets = {"source": _source_facets(searcher, parsed, request, results)}
        suggestion = _suggestion(searcher, request.q) if total < SUGGEST_BELOW else None
    return SearchPage(
        query=request.q,
        total=total,
        page=request.page,
        per_page=request.per_page,
        pages=pages,
        took_ms=round((time.perf_counter() - started) * 1000, 2),
        results=hits,
        facets=facets,
        suggestion=suggestion,
    )
