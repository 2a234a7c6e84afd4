"""One JSON error shape for every failure: ``{"error": {"code", "message", "fields"}}`` (and, for a
refused query, ``reason`` and ``limit``); a browser
asking for a page that does not exist gets the Arabic page that says so."""

import logging

import flask
import marshmallow
from werkzeug import exceptions

from search_service.api.pages import not_found_page, wants_page
from search_service.api.schemas import to_json
from search_service.indexing import IndexNotFound, NothingToIndex, ReindexError, ReindexInProgress
from search_service.search import QueryError

log = logging.getLogger(__name__)


class ApiError(Exception):
    """An error the API answers with its own status, code, message and headers."""

    def __init__(self, status, code, message, headers=None):
        super().__init__(message)
        self.status, self.code, self.message, self.headers = status, code, message, headers or {}


def error_body(code, message, fields=None):
    """The one error shape: ``{"error": {"code", "message", "fields"}}``."""
    return {"error": {"code": code, "message": message, "fields": fields or {}}}


def invalid_request_body(fields):
    """The body of a request whose parameters are invalid: ``{name: [messages]}``."""
    return error_body("invalid_request", f"invalid parameters: {', '.join(sorted(fields))}", fields)


def query_error_body(error):
    """The body of a ``QueryError``: the query is refused, with what to change, why (``reason``,
    for programs that word it themselves) and the limit it passed (``limit``, when it has one)."""
    body = error_body("invalid_query", str(error), {error.field: [str(error)]})
    body["error"]["reason"] = error.reason
    if error.limit is not None:
        body["error"]["limit"] = error.limit
    return body


def error_response(status, code, message, fields=None):
    """The canonical JSON error response."""
    return _json(status, error_body(code, message, fields))


def _json(status, body):
    """``body`` written as every response of the API is (``search --json`` prints the same bytes)."""
    return flask.current_app.response_class(to_json(body), status=status, mimetype="application/json")


def register_error_handlers(app):
    """Translate every exception into the JSON error shape; never a stack trace."""

    @app.errorhandler(ApiError)
    def api_error(error):
        response = error_response(error.status, error.code, error.message)
        response.headers.update(error.headers)
        return response

    @app.errorhandler(marshmallow.ValidationError)
    def invalid_request(error):
        messages = error.messages if isinstance(error.messages, dict) else {"_schema": error.messages}
        return _json(400, invalid_request_body({name: _flat(found) for name, found in messages.items()}))

    @app.errorhandler(QueryError)
    def invalid_query(error):
        return _json(400, query_error_body(error))

    @app.errorhandler(IndexNotFound)
    def index_unavailable(error):
        # The reason names the server's directories: for its log, not for every site's visitors.
        log.warning("index unavailable: %s", error)
        return error_response(503, "index_unavailable", "the search index is not available yet; the server's log says why")

    @app.errorhandler(ReindexInProgress)
    def reindex_running(error):
        return error_response(409, "reindex_in_progress", str(error))

    @app.errorhandler(NothingToIndex)
    def nothing_to_index(error):
        # The request was sound; the configured sources are not (the live index is unchanged).
        return error_response(409, "nothing_to_index", str(error))

    @app.errorhandler(ReindexError)
    def reindex_failed(error):
        return error_response(500, "reindex_failed", str(error))

    @app.errorhandler(exceptions.HTTPException)
    def http_error(error):
        if error.code == 404 and wants_page(flask.request):
            response = not_found_page()
        else:
            code = (error.name or "error").lower().replace(" ", "_")
            response = error_response(error.code or 500, code, error.description or error.name)
            # The headers the status calls for (Allow for a 405), not the HTML body's.
            response.headers.update((name, value) for name, value in error.get_headers() if name != "Content-Type")
        if error.code == 404:  # a page for browsers, JSON for programs: caches must keep both
            response.vary.add("Accept")
            # A script on another site that mistypes an endpoint reads the 404, not a CORS failure:
            # there is nothing at that address to protect.
            response.headers.setdefault("Access-Control-Allow-Origin", "*")
        return response

    @app.errorhandler(Exception)
    def unexpected(error):
        log.exception("unexpected error")
        return error_response(500, "internal_error", "the server could not answer this request")


def _flat(messages):
    """A field's messages as a list of strings; those of a list's items (marshmallow's
    ``{index: [...]}``) say which item."""
    if isinstance(messages, dict):
        return [f"item {index}: {message}" for index, inner in messages.items() for message in _flat(inner)]
    if isinstance(messages, str):
        return [messages]
    return [message for inner in messages for message in _flat(inner)]
