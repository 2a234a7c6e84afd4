"""The pages served to people and embedding sites: /, /documents/<id>, /widget.js, /opensearch.xml."""

import datetime
import urllib.parse

import flask

from search_service.indexing import IndexNotFound
from search_service.ingest import metadata
from search_service.search import get_document

bp = flask.Blueprint(
    "pages", __name__, static_folder="static", static_url_path="/assets", template_folder="templates"
)

# The search page runs only its own static files: no inline script or style, no third-party origin.
PAGE_POLICY = "; ".join(
    [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "form-action 'self'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
    ]
)


def _page(template, status=200, **context):
    """An HTML page under the pages' Content-Security-Policy."""
    response = flask.make_response(flask.render_template(template, **context), status)
    response.headers["Content-Security-Policy"] = PAGE_POLICY
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.get("/")
def index():
    """The Arabic search page; the query in ``?q=`` fills the search box."""
    return _page("index.html", query=flask.request.args.get("q", ""))


#: The search page's parameters (``queryString`` in search.js writes them), which a document's page
#: is given by the results it was opened from.
SEARCH_PARAMETERS = ("q", "page", "sort", "collapse", "source", "date_from", "date_to")


def _results_link(args):
    """The search page with the search of ``args`` (the parameters a document's page was given)."""
    kept = [(name, value) for name, value in args.items(multi=True) if name in SEARCH_PARAMETERS]
    return f"{flask.url_for('pages.index')}?{urllib.parse.urlencode(kept)}"


@bp.get("/documents/<path:document_id>")
def document(document_id):
    """A whole document to read, the words of the query in ``?q=`` marked; each paragraph is
    anchored by its position (``#p3``), and links to the paragraphs holding marked words head the
    page. The search page's other parameters, if given, go to the link back to its results."""
    query = flask.request.args.get("q", "")
    try:
        found = get_document(flask.current_app.extensions["search_service.index"], document_id, query)
    except IndexNotFound:
        return _page("document.html", 503, query=query, document=None, message="الفهرس غير متاح الآن: حاول بعد قليل.")
    if found is None:
        return _page("document.html", 404, query=query, document=None, message="لا يوجد مستند بهذا المعرّف.")
    return _page(
        "document.html", query=query, document=found, source_url=_web_address(found["url"]),
        results_link=_results_link(flask.request.args), document_title=_document_title(found),
        matched_positions=[p["position"] for p in found["paragraphs"] if "<mark>" in p["marked"]],
    )


#: Words of a document's first paragraph that stand for its title when it has none (as the search
#: page and the widget name its results).
TITLE_WORDS = 8


def _document_title(document):
    """The document's title, else the opening words of its first paragraph, else its id."""
    words = document["paragraphs"][0]["text"].split() if document["paragraphs"] else []
    opening = " ".join(words[:TITLE_WORDS]) + ("…" if len(words) > TITLE_WORDS else "")
    return document["title"] or opening or document["id"]


def outside_api(request):
    """Whether a request's path is outside /api/, where a browser may be answered with a page."""
    return not request.path.startswith("/api/")


def wants_page(request):
    """Whether a request the service cannot answer (a path that does not exist, an address that
    is not UTF-8) is a browser's, to be answered with a page: ``outside_api``, asking for HTML
    before JSON."""
    return outside_api(request) and request.accept_mimetypes.best_match(["application/json", "text/html"]) == "text/html"


def error_page(status, message):
    """The Arabic page of a browser's request the service cannot answer; ``message`` says why."""
    return _page("error.html", status, query="", message=message)


def not_found_page():
    """The Arabic page of a path that does not exist."""
    return error_page(404, "لا توجد صفحة بهذا العنوان.")


#: The months as the search page's browser formats them in Arabic (``Intl.DateTimeFormat("ar")``):
#: the first of each month's names.
MONTHS = tuple(names[0] for names in metadata.MONTHS.values())


@bp.app_template_filter("long_date")
def long_date(iso):
    """An ISO date as the search page shows it (``2024-03-29`` → ``29 مارس 2024``); as given if it is not one."""
    try:
        date = datetime.date.fromisoformat(iso)
    except ValueError:
        return iso
    return f"{date.day} {MONTHS[date.month - 1]} {date.year}"


def _web_address(url):
    """``url`` if it is an http(s) address a page may link to, else None."""
    return url if url and urllib.parse.urlsplit(url).scheme in ("http", "https") else None


@bp.get("/widget.js")
def widget():
    """The ``<arabic-search>`` custom element, loadable by a page of any origin."""
    response = bp.send_static_file("widget.js")
    response.mimetype = "text/javascript"
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.get("/opensearch.xml")
def opensearch():
    """The OpenSearch description that lets a browser add the search page as a search engine."""
    body = flask.render_template("opensearch.xml", root=flask.request.url_root)
    return flask.Response(body, mimetype="application/opensearchdescription+xml")
