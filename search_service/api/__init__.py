"""The Flask application: JSON API, search page, widget."""

import urllib.parse

import flask
from flask_cors import CORS
from werkzeug import exceptions
from werkzeug.middleware.proxy_fix import ProxyFix

from search_service import config
from search_service.api import endpoints, pages
from search_service.api.access_log import register_access_log
from search_service.api.errors import ApiError, register_error_handlers
from search_service.api.openapi import build_openapi
from search_service.indexing import LiveIndex

#: Read endpoints other sites may call from the browser; the admin endpoint is not among them.
CORS_RESOURCES = {
    r"/api/search": {"methods": ["GET"]},
    r"/api/documents/*": {"methods": ["GET"]},
    r"/api/health": {"methods": ["GET"]},
    r"/api/stats": {"methods": ["GET"]},
    r"/openapi.json": {"methods": ["GET"]},
}


#: Hosts answered whatever ``TRUSTED_HOSTS`` names: a request naming one comes from the machine itself.
LOOPBACK_HOSTS = ("127.0.0.1", "localhost")

#: Largest request body accepted (the API takes no uploads); a larger one is answered 413, whether
#: or not the endpoint reads its body.
MAX_REQUEST_BODY = 64 * 1024


def create_app(overrides=None):
    """Build the application. Settings: INDEX, SOURCES, ADMIN_TOKEN, MAX_CONTENT_LENGTH,
    TRUSTED_HOSTS, PROXIES (from SEARCH_SERVICE_* too). Raises ``ValueError`` for a
    MAX_CONTENT_LENGTH that is no byte count, or a PROXIES that is no count of proxies."""
    app = flask.Flask(__name__)
    app.config.from_mapping(
        INDEX=str(config.DEFAULT_INDEX_DIR), SOURCES=None, ADMIN_TOKEN=None,
        MAX_CONTENT_LENGTH=MAX_REQUEST_BODY, PROXIES=0,
    )
    app.config.from_prefixed_env("SEARCH_SERVICE", loads=str)
    app.config.from_mapping(overrides or {})
    app.config["SOURCES"] = config.sources(app.config["SOURCES"])
    app.config["MAX_CONTENT_LENGTH"] = _count(app.config["MAX_CONTENT_LENGTH"], "MAX_CONTENT_LENGTH", "bytes", none=True)
    trusted = app.config.get("TRUSTED_HOSTS")
    if isinstance(trusted, str):
        trusted = trusted.split(",")
    trusted = [host.strip().lower() for host in trusted or () if host.strip()]
    # The names the service answers to (search.example.org,.example.org): the pages write their own
    # address (the widget's tag, the OpenSearch description) from the Host a request names. The
    # loopback names stay, for health checks on the machine itself.
    app.config["TRUSTED_HOSTS"] = [*trusted, *LOOPBACK_HOSTS] if trusted else None
    app.json.ensure_ascii = False
    app.wsgi_app = _lowercase_host(app.wsgi_app)
    proxies = _count(app.config["PROXIES"], "PROXIES", "proxies")
    if proxies:
        # Behind that many proxies, the address, scheme, host and path prefix a visitor used (a site
        # passing /search/ on to the service) come from their X-Forwarded-* headers: the pages
        # write their links and their own address from them.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies, x_prefix=proxies)
    app.extensions["search_service.index"] = LiveIndex(app.config["INDEX"])
    app.register_blueprint(endpoints.bp)
    app.register_blueprint(pages.bp)
    register_access_log(app)  # first, so that its timer runs for requests refused below
    app.before_request(_refuse_undecodable_urls)
    app.before_request(_refuse_hosts_that_are_no_names)
    app.before_request(_refuse_large_bodies)
    register_error_handlers(app)
    CORS(app, resources=CORS_RESOURCES, origins="*", send_wildcard=True, supports_credentials=False, expose_headers=["ETag"])
    app.extensions["search_service.openapi"] = build_openapi(app)
    return app


def _count(value, name, what, none=False):
    """A setting that counts ``what`` (``none``: None for no limit), from a number or its text."""
    if (none and value is None) or (isinstance(value, int) and value >= 0):
        return value
    try:
        count = int(value)
    except (TypeError, ValueError):
        count = -1
    if count < 0:
        raise ValueError(f"{name} must be a number of {what}, got {value!r}")
    return count


def _lowercase_host(wsgi_app):
    """``wsgi_app`` given the ``Host`` header in lower case, as host names are compared
    (Werkzeug compares ``TRUSTED_HOSTS`` with the header as written)."""

    def app(environ, start_response):
        if "HTTP_HOST" in environ:
            environ["HTTP_HOST"] = environ["HTTP_HOST"].lower()
        return wsgi_app(environ, start_response)

    return app


def _refuse_hosts_that_are_no_names():
    """A 400 for a ``Host`` header that is no host name (Werkzeug reads it as none, and the pages
    would write the address ``http:///``)."""
    if flask.request.headers.get("Host") and not flask.request.host:
        raise ApiError(400, "invalid_request", "the Host header is not a host name")


def _refuse_undecodable_urls():
    """A 400 for a URL whose path or query string is not UTF-8 once percent-decoded, raw or
    percent-encoded, before anything reads it (Werkzeug would put � in its place): a page that
    says so for a browser's request of a page, the JSON error otherwise."""
    environ = flask.request.environ
    # The request target as sent (gunicorn and Werkzeug's server give it), whose bytes PATH_INFO no
    # longer holds: gunicorn reads a raw byte that is not UTF-8 as a letter and encodes it.
    raw = environ.get("RAW_URI")
    try:
        if raw is not None:
            urllib.parse.unquote_to_bytes(raw.encode("latin-1")).decode("utf-8")
        else:
            environ.get("PATH_INFO", "").encode("latin-1").decode("utf-8")
            urllib.parse.unquote_to_bytes(flask.request.query_string).decode("utf-8")
    except UnicodeError:
        if pages.wants_page(flask.request):
            page = pages.error_page(400, "عنوان هذه الصفحة غير صالح: فيه ما لا يُقرأ نصًّا.")
            page.vary.add("Accept")
            return page
        # Outside /api/, a page for browsers, JSON for programs: caches must keep both.
        varies = {"Vary": "Accept"} if pages.outside_api(flask.request) else {}
        raise ApiError(400, "invalid_request", "the URL is not valid UTF-8 once percent-decoded", varies) from None


def _refuse_large_bodies():
    """Flask checks ``MAX_CONTENT_LENGTH`` only where a body is read; no endpoint reads one."""
    length, limit = flask.request.content_length, flask.request.max_content_length
    if length is not None and limit is not None and length > limit:
        raise exceptions.RequestEntityTooLarge()
