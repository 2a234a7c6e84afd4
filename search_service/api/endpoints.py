"""The JSON API under /api, and /openapi.json."""

import hashlib
import hmac
import time

import flask
import marshmallow

from search_service import __version__
from search_service.api import schemas
from search_service.api.errors import ApiError
from search_service.indexing import reindex
from search_service.indexing.caches import SizeBounded
from search_service.search import SearchRequest, get_document, is_warm, search

bp = flask.Blueprint("api", __name__)

#: Search pages kept in memory by each worker, as dumped by their schema, up to this size of their
#: JSON (about 1,600 pages of ten results; a page of a hundred long paragraphs is a megabyte), the
#: least recently used forgotten first. A page is kept for one index generation, which never
#: changes, so a kept page is never stale; a reindex starts afresh.
CACHED_PAGE_BYTES = 32 << 20
#: The endpoints' schemas, built once and shared by every thread, as marshmallow allows: building a
#: page's schema copies the fields of all its nested schemas, which costs more than dumping a page.
_SEARCH_ARGS = schemas.SearchArgs()
_DOCUMENT_ARGS = schemas.DocumentArgs()
_SEARCH_PAGE = schemas.SearchPage()


def _live():
    return flask.current_app.extensions["search_service.index"]


def json_response(schema, body, status=200):
    """Dump ``body`` with a response schema into a JSON response."""
    return flask.current_app.response_class(schemas.to_json(schema.dump(body)), status=status, mimetype="application/json")


@bp.get("/api/search")
def search_endpoint():
    """Ranked, highlighted paragraphs.
    ---
    get:
      summary: Search paragraphs
      parameters:
      - in: query
        schema: SearchArgs
      responses:
        200:
          description: A page of ranked results.
          content:
            application/json:
              schema: SearchPage
        304: NotModified
        400: InvalidRequest
        503: NoIndex
    """
    args = _SEARCH_ARGS.load(_query_args())
    request = SearchRequest(
        q=args["q"], page=args["page"], per_page=args["per_page"], sources=tuple(args["source"]),
        date_from=args["date_from"], date_to=args["date_to"], sort=args["sort"], collapse=args["collapse"],
        highlight=args["highlight"], max_duplicates=args["max_duplicates"],
    )
    started = time.perf_counter()
    live = _live()

    def respond(generation):
        body = {**_search_page(live, generation, request), "took_ms": round((time.perf_counter() - started) * 1000, 2)}
        return flask.current_app.response_class(schemas.to_json(body), mimetype="application/json")

    return _conditional(live, request, respond)


def _conditional(live_index, asked, respond):
    """``respond(live generation)``, or a 304 when the client's copy is current, with the weak ETag
    of what was ``asked`` of the live generation and ``Cache-Control: no-cache``.

    A browser or proxy may keep an answer and ask with ``If-None-Match`` before each use: until a
    reindex (or a new version of the service) the answer is a 304, without searching. The tag is
    weak because the bodies of two answers differ in their timing (``took_ms``).
    """
    generation = live_index.generation()
    tag = hashlib.sha256(repr((__version__, generation, asked)).encode()).hexdigest()[:24]
    held = flask.request.if_none_match
    if held.contains_weak(tag) and not held.star_tag:
        response = flask.current_app.response_class(status=304)
    else:
        response = respond(generation)
        if held.star_tag:  # "*" holds any answer there is: not an unknown document or a refused query
            response = flask.current_app.response_class(status=304)
    response.set_etag(tag, weak=True)
    response.cache_control.no_cache = True
    return response


#: Dumped search pages, by the bytes of their JSON; a page is computed outside the cache's lock, so
#: searches never wait for each other.
_PAGES = SizeBounded(CACHED_PAGE_BYTES, lambda page: len(schemas.to_json(page)))


def _search_page(live_index, generation, request):
    """The dumped page for ``request`` on the live index, kept per ``generation`` (the cache key's part that a reindex changes)."""
    key = (live_index, generation, request)
    page = _PAGES.get(key)
    if page is None:
        page = _SEARCH_PAGE.dump(search(live_index, request))
        _PAGES.keep(key, page)
    return page


def _query_args():
    """A request's parameters: ``source`` as a list, as a search may be given several; another
    parameter given twice is refused (which of its values counts is not the server's to guess)."""
    args = flask.request.args
    repeated = {key: ["given more than once: give it once"] for key in args if key != "source" and len(args.getlist(key)) > 1}
    if repeated:
        raise marshmallow.ValidationError(repeated)
    return {key: args.getlist(key) if key == "source" else args[key] for key in args}


@bp.get("/api/documents/<path:document_id>")
def document_endpoint(document_id):
    """A document with its metadata and paragraphs, the words of ``q`` marked.
    ---
    get:
      summary: Get a document
      parameters:
      - in: path
        name: document_id
        schema: {type: string}
        required: true
      - in: query
        schema: DocumentArgs
      responses:
        200:
          description: The document.
          content:
            application/json:
              schema: Document
        304: NotModified
        400: InvalidRequest
        404: NotFound
        503: NoIndex
    """
    q = _DOCUMENT_ARGS.load(_query_args())["q"]
    live = _live()

    def respond(_generation):
        document = get_document(live, document_id, q)
        if document is None:
            raise ApiError(404, "not_found", f"no document with id {document_id!r}")
        return json_response(schemas.Document(), document)

    return _conditional(live, (document_id, q), respond)


@bp.get("/api/health")
def health_endpoint():
    """Whether the service can answer searches.
    ---
    get:
      summary: Health check
      responses:
        200:
          description: The service answers searches.
          content:
            application/json:
              schema: Health
        503: NoIndex
    """
    live = _live()
    return json_response(schemas.Health(), {"status": "ok", **live.info(), "warm": is_warm(live)})


@bp.get("/api/stats")
def stats_endpoint():
    """Counts and size of the live index.
    ---
    get:
      summary: Index statistics
      responses:
        200:
          description: The live index's counts and size.
          content:
            application/json:
              schema: Stats
        503: NoIndex
    """
    return json_response(schemas.Stats(), _live().info())


@bp.post("/api/reindex")
def reindex_endpoint():
    """Rebuild the index from the configured sources (admin token required).
    ---
    post:
      summary: Rebuild the index
      security:
      - bearerAuth: []
      responses:
        200:
          description: The new generation is live.
          content:
            application/json:
              schema: ReindexSummary
        401: Unauthorized
        403: Forbidden
        409: ReindexConflict
        500: ReindexFailed
    """
    _authorize_admin()
    config = flask.current_app.config
    summary = reindex(config["SOURCES"], config["INDEX"])
    return json_response(schemas.ReindexSummary(), summary)


def _authorize_admin():
    token = flask.current_app.config.get("ADMIN_TOKEN")
    if not token:
        raise ApiError(403, "forbidden", "reindexing over HTTP is disabled: set SEARCH_SERVICE_ADMIN_TOKEN to enable it")
    origin = flask.request.headers.get("Origin")
    if origin and origin.rstrip("/") != flask.request.host_url.rstrip("/"):
        raise ApiError(403, "forbidden", "the admin endpoint cannot be used cross-origin")
    scheme, _, given = flask.request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(), token.encode()):
        raise ApiError(
            401, "unauthorized", "a valid admin token is required: Authorization: Bearer <token>", {"WWW-Authenticate": "Bearer"},
        )


@bp.get("/openapi.json")
def openapi_endpoint():
    """The OpenAPI 3 description of this API."""
    return flask.current_app.extensions["search_service.openapi"]
