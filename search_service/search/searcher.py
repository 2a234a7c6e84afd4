"""Running a search: ranking, filters, facets, duplicate collapsing, snippets and suggestions."""

import dataclasses
import datetime
import gc
import logging
import math
import operator
import re
import threading
import time

from whoosh import query

from search_service.arabic import letters
from search_service.indexing import schema as index_schema
from search_service.indexing.caches import KeptPerKey, Remembered
from search_service.search.caches import GENERATIONS_KEPT, index_key
from search_service.search.collection import Facet, collect, group_others, search_deadline
from search_service.search.expansion import expanded
from search_service.search.index_arrays import column_values, largest_groups, value_ranks, vocabulary, warm_segments
from search_service.search.query import QueryError, parse_query, query_synonyms, query_words, without_quotes
from search_service.search.ranking import RESCORE_WINDOW, ngram_statistics, rescore_groups, rescoring_window, weighting
from search_service.search.snippets import snippet
from search_service.search.suggestions import suggestion

MAX_PER_PAGE = 100
#: Results a client may page through (page × per_page), as in most search engines.
MAX_DEPTH = 1000
#: Did you mean is looked for where a query finds fewer results than this, or has at most
#: ``SUGGESTED_UP_TO_WORDS`` words (a few words typed, one misspelt, may find much through the
#: others); not for every long question, whose unknown words (names) cost a look each.
SUGGEST_BELOW = 3
SUGGESTED_UP_TO_WORDS = 3
#: A query ending with a word of letters (and their marks) looked up as a prefix: a word still
#: being typed, as the widget sends it (``typingQuery`` in widget.js).
_TYPED_PREFIX = re.compile(rf"(?<!\S)[^\W\d_](?:[^\W\d_]|[{letters.WORD_MARKS}])*\*$")
#: Fields whose longest posting lists each process reads into memory for a new index generation.
WARMED_FIELDS = (index_schema.TEXT, index_schema.TEXT_EXACT, index_schema.TITLE)
#: Duplicate paragraphs whose listing is remembered per index generation (forgotten when full).
DUPLICATES_REMEMBERED = 50_000
#: Paragraphs of the largest duplicate groups whose listing is read ahead (each is listed with
#: every search that finds its group).
DUPLICATES_WARMED = DUPLICATES_REMEMBERED // 2
#: Orders of results: by relevance, or newest first (then by relevance; undated paragraphs last).
SORTS = ("relevance", "date")
#: What a result stands for, by the field that groups the paragraphs it collapses: a paragraph
#: with its near-duplicates (republished copies), or a document by its best paragraph.
COLLAPSES = {"duplicates": index_schema.DUPLICATE_GROUP, "document": index_schema.DOCUMENT_ID}
DEFAULT_COLLAPSE = "duplicates"

log = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True)
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
    #: One of ``SORTS``.
    sort: str = "relevance"
    #: One of ``COLLAPSES``.
    collapse: str = DEFAULT_COLLAPSE
    #: How many of a result's duplicates to list (None: all); ``duplicate_count`` counts them all.
    max_duplicates: int | None = None

    def __post_init__(self):
        """Raise ``ValueError`` naming what is out of range (the API's schema checks requests first)."""
        problems = [message for wrong, message in (
            (self.page < 1, "page must be 1 or more"),
            (not 1 <= self.per_page <= MAX_PER_PAGE, f"per_page must be 1 to {MAX_PER_PAGE}"),
            (self.sort not in SORTS, f"sort must be one of {', '.join(SORTS)}"),
            (self.collapse not in COLLAPSES, f"collapse must be one of {', '.join(COLLAPSES)}"),
            (self.max_duplicates is not None and self.max_duplicates < 0, "max_duplicates must be 0 or more"),
            (bool(self.date_from and self.date_to and self.date_from > self.date_to), "date_from must not be after date_to"),
        ) if wrong]
        if problems:
            raise ValueError("; ".join(problems))


@dataclasses.dataclass
class SearchPage:
    """One page of results with totals, facets, a suggestion and the synonyms looked up."""

    query: str
    total: int
    #: Results once collapsed, over all pages.
    groups: int
    page: int
    per_page: int
    pages: int
    took_ms: float
    results: list[dict]
    facets: dict
    suggestion: str | None
    #: ``{"word", "synonyms"}`` for each name in the query that also found its other names.
    synonyms: list[dict] = dataclasses.field(default_factory=list)


def _filter(request):
    conditions = []
    if request.sources:
        conditions.append(query.Or([query.Term(index_schema.SOURCE, s) for s in request.sources]))
    if request.date_from or request.date_to:
        low = request.date_from.isoformat() if request.date_from else "0000-01-01"
        high = request.date_to.isoformat() if request.date_to else "9999-12-31"
        conditions.append(query.TermRange(index_schema.DATE, low, high))
    return query.And(conditions) if conditions else None


def document_metadata(stored):
    """The document part of a stored paragraph."""
    return {
        "id": stored[index_schema.DOCUMENT_ID],
        "title": stored.get(index_schema.TITLE) or None,
        "source": stored.get(index_schema.SOURCE) or None,
        "date": stored.get(index_schema.DATE) or None,
        "url": stored.get(index_schema.URL),
    }


def matched_terms(searcher, text):
    """The index terms the query ``text`` looks for, as snippets mark them: (stems, exact forms,
    phrases). Raises ``QueryError`` for a query the service refuses."""
    return _wanted_terms(expanded(searcher, parse_query(text, searcher.schema)))


def _wanted_terms(q):
    """The terms an expanded query looks for, negated parts left out: (stems, exact forms, phrases
    as ``(stems, slop)``). A phrase's exact words only add to its score, and are left out with it.
    Terms the index lacks are kept too (looking each up costs more): no paragraph's word has them."""
    stems, exact_forms, phrases = set(), set(), set()
    pending = [q]
    while pending:
        q = pending.pop()
        if isinstance(q, query.Not):
            continue
        if isinstance(q, query.AndNot) or (isinstance(q, query.AndMaybe) and isinstance(q.a, query.Phrase)):
            pending.append(q.a)
        elif isinstance(q, query.Phrase):
            if q.fieldname in (index_schema.TEXT, index_schema.TITLE):
                phrases.add((tuple(q.words), q.slop))
        elif not q.is_leaf():
            pending.extend(q.children())
        else:
            for fieldname, term in q.terms(phrases=True):
                word = term.decode("utf-8") if isinstance(term, bytes) else term
                if fieldname == index_schema.TEXT_EXACT:
                    exact_forms.add(word)
                elif fieldname in (index_schema.TEXT, index_schema.TITLE):
                    stems.add(word)
    return stems, exact_forms, tuple(sorted(phrases))


_listed = KeptPerKey(GENERATIONS_KEPT)


def _listings(searcher, docnums):
    """Each paragraph's entry among a result's duplicates (its id and document metadata), from its
    ``LISTING`` column."""
    values = column_values(searcher, index_schema.LISTING, docnums)
    return [{"id": listed[index_schema.ID], "document": document_metadata(listed)} for listed in map(index_schema.listed_fields, values)]


def _entries(searcher, docnums):
    """Paragraphs' entries among a result's duplicates, remembered per index generation (the same
    objects in every page, never written): a paragraph copied a thousand times lists a thousand
    others in every search that finds it. Those not remembered are read together, in the order of
    the column."""
    remembered = _listed.get(index_key(searcher), lambda: Remembered(DUPLICATES_REMEMBERED))
    return remembered.get_many(sorted(docnums), lambda missing: _listings(searcher, missing))


def _duplicates(searcher, docnums, limit):
    """The first ``limit`` (None: all) other paragraphs of a result's group, by id."""
    if limit == 0:
        return []
    return sorted(_entries(searcher, docnums), key=operator.itemgetter("id"))[:limit]


def _result(searcher, docnum, score, duplicates, matched, wanted_terms, max_duplicates):
    stored = searcher.stored_fields(docnum)
    return {
        "id": stored[index_schema.ID],
        "score": round(score, 4),
        "position": stored[index_schema.POSITION],
        "document": document_metadata(stored),
        "snippet": snippet(stored[index_schema.TEXT], *wanted_terms) if wanted_terms else None,
        "text": stored[index_schema.TEXT],
        "duplicates": _duplicates(searcher, duplicates, max_duplicates),
        "duplicate_count": len(duplicates),
        "matched_paragraphs": matched,
    }


class _Warming:
    """Reading ahead, into this process's caches, what searches of one index generation need: its
    groups, field lengths and longest posting lists, the listings of its largest groups, its
    n-gram statistics and its vocabularies."""

    def __init__(self):
        self.lock = threading.Lock()
        self.started = False
        self.done = threading.Event()
        self.succeeded = False

    def claim(self):
        """True for the one caller that should do the reading."""
        with self.lock:
            first, self.started = not self.started, True
            return first

    def run(self, live_index):
        try:
            with live_index.searcher() as searcher:
                warm_segments(searcher, WARMED_FIELDS, COLLAPSES.values(), index_schema.SOURCE)
                _entries(searcher, largest_groups(searcher, index_schema.DUPLICATE_GROUP, DUPLICATES_WARMED))
                value_ranks(searcher, index_schema.DATE)
                ngram_statistics(searcher)
                for fieldname in WARMED_FIELDS:  # what prefix, wildcard and fuzzy words are looked up in
                    vocabulary(searcher, fieldname)
            _keep_out_of_collections()
            self.succeeded = True
        except Exception as error:  # the generation was replaced and removed meanwhile, or is damaged
            log.warning("index not read ahead: %s", error)
        finally:
            self.done.set()


def _keep_out_of_collections():
    """Leave the objects that live now (what was read ahead) out of Python's cycle collections.

    A full collection visits every object: with a large index's caches that is a pause of up to
    0.2 s in whichever search triggers it. Objects frozen with an earlier generation are unfrozen
    first, so what they left behind is collected once.
    """
    gc.unfreeze()
    gc.collect()
    gc.freeze()


_warmings = KeptPerKey(GENERATIONS_KEPT)


def _warming(searcher):
    return _warmings.get(index_key(searcher), _Warming)


def warm(live_index):
    """Read ahead what searches of the live generation need into this process's caches (once per
    generation); returns when it is read. A search starts this in the background by itself."""
    with live_index.searcher() as searcher:
        warming = _warming(searcher)
    if warming.claim():
        warming.run(live_index)
    warming.done.wait()


def is_warm(live_index):
    """Whether this process has read ahead what searches of the live generation need (if it has
    not started, it starts now, in the background; if the reading failed, never)."""
    with live_index.searcher() as searcher:
        warming = _warm_in_background(live_index, searcher)
        return warming.done.is_set() and warming.succeeded


def _warm_in_background(live_index, searcher):
    warming = _warming(searcher)
    if warming.claim():
        threading.Thread(target=warming.run, args=(live_index,), name="posting-lists-reader", daemon=True).start()
    return warming


def _collect(searcher, parsed, request, deadline):
    """The best paragraph of each group (of near-duplicates, or of a document) down to the
    requested page (and the rescoring window at least), the totals and the counts by source and by
    date, each without its own filter, so that its other values stay choosable, and the paragraphs
    the rescoring reads. Raises ``QueryError`` past ``deadline``."""
    group_field = COLLAPSES[request.collapse]
    return collect(
        searcher, parsed, max(request.page * request.per_page, RESCORE_WINDOW), group_field,
        facets={
            "source": Facet(index_schema.SOURCE, _filter(dataclasses.replace(request, sources=()))),
            "year": Facet(index_schema.DATE, _filter(dataclasses.replace(request, date_from=None, date_to=None)), bucket=_year),
        },
        search_filter=_filter(request), deadline=deadline,
        sort_field=_sort_field(request), tie_field=index_schema.DATE, **rescoring_window(group_field),
    )


def _sort_field(request):
    """The column results are sorted by before their scores, if any."""
    return index_schema.DATE if request.sort == "date" else None


def _year(date):
    """The year of an ISO date ("" for none)."""
    return date[:4]


def _facet_values(counts, key, reverse=False):
    return sorted(({"value": value, "count": count} for value, count in counts.items()), key=key, reverse=reverse)


def _suggestion(searcher, request, total, deadline):
    """Did you mean: the query with its unknown words corrected, if it finds more than the query
    or, finding as many, its corrected words find paragraphs (under the same filters: the query's
    other words found those already, as جمال finds the paragraphs of جمال خاشقجي typed خاشقحي);
    else, when the query finds nothing, the query without its quotes, if that finds some. A query
    that finds nothing and ends with a word looked up as a prefix (``داعس*``, as the widget sends a
    word still being typed) is corrected as if that word were whole."""
    typed_query = request.q[:-1] if not total and _TYPED_PREFIX.search(request.q) else request.q
    corrected = suggestion(searcher, typed_query, deadline)
    if corrected and corrected != request.q:
        found = _total(searcher, request, corrected, deadline)
        # Words in a field (title:...) would be counted in the text: the rule holds for plain words.
        typed = set(query_words(request.q))
        new_words = [word for word in query_words(corrected) if word not in typed] if ":" not in request.q else []
        if found > total or (found and new_words and _total(searcher, request, " ".join(new_words), deadline)):
            return corrected
    unquoted = without_quotes(request.q) if not total else None
    if unquoted and unquoted != request.q and _total(searcher, request, unquoted, deadline):
        return unquoted
    return None


def _total(searcher, request, text, deadline):
    """How many paragraphs ``request`` would find with ``text`` as its query (0 for a query the
    service refuses, or one not counted by ``deadline``)."""
    try:
        parsed = parse_query(text, searcher.schema)
        # A count: no page, no window to rescore, no facets.
        return collect(searcher, parsed, 1, COLLAPSES[request.collapse], search_filter=_filter(request), deadline=deadline).total
    except QueryError:
        return 0


def search(live_index, request):
    """Search the live index; raises ``QueryError`` for queries the service refuses."""
    if request.page * request.per_page > MAX_DEPTH:
        raise QueryError(
            f"results can be paged up to {MAX_DEPTH} deep: ask for an earlier page or fewer per page",
            "page_too_deep", MAX_DEPTH, field="page",
        )
    started = time.perf_counter()
    # One time limit for the search and its did-you-mean's counts.
    deadline = search_deadline()
    with live_index.searcher(weighting=weighting()) as searcher:
        _warm_in_background(live_index, searcher)
        # Expanded here once: the snippets look for the same index words that collecting scores.
        parsed = expanded(searcher, parse_query(request.q, searcher.schema))
        collected = _collect(searcher, parsed, request, deadline)
        # The total counts the collapsed near-duplicates too; pages count one result per group, up
        # to the deepest page that can be asked for.
        total = collected.total
        pages = min(math.ceil(collected.groups / request.per_page), MAX_DEPTH // request.per_page)
        wanted = _wanted_terms(parsed) if request.highlight else None
        first = (request.page - 1) * request.per_page
        ranked = rescore_groups(searcher, request.q, collected, COLLAPSES[request.collapse], _sort_field(request))
        shown = ranked[first : request.page * request.per_page]
        # A result's duplicates are its paragraph's copies the search found, whatever it stands for.
        copies = group_others(searcher, [docnum for docnum, _ in shown], index_schema.DUPLICATE_GROUP)
        duplicates = [collected.found(others) for others in copies]
        hits = [
            _result(searcher, docnum, score, others, collected.group_matches[docnum], wanted, request.max_duplicates)
            for (docnum, score), others in zip(shown, duplicates)
        ]
        facets = {
            "source": _facet_values(collected.facets["source"], key=lambda f: (-f["count"], f["value"])),
            "year": _facet_values(collected.facets["year"], key=lambda f: f["value"], reverse=True),
        }
        suggested = (
            _suggestion(searcher, request, total, deadline) if total < SUGGEST_BELOW or len(request.q.split()) <= SUGGESTED_UP_TO_WORDS else None
        )
    return SearchPage(
        query=request.q,
        total=total,
        groups=collected.groups,
        page=request.page,
        per_page=request.per_page,
        pages=pages,
        took_ms=round((time.perf_counter() - started) * 1000, 2),
        results=hits,
        facets=facets,
        suggestion=suggested,
        synonyms=[{"word": word, "synonyms": others} for word, others in query_synonyms(request.q)],
    )
