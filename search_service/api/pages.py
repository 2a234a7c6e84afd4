"""The pages served to people and embedding sites: /, /widget.js, /opensearch.xml."""

import flask

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


@bp.get("/")
def index():
    """The Arabic search page; the query in ``?q=`` fills the search box."""
    response = flask.make_response(flask.render_template("index.html", query=flask.request.args.get("q", "")))
    response.headers["Content-Security-Policy"] = PAGE_POLICY
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


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
