"""The pages served to people and embedding sites: /, /widget.js, /opensearch.xml."""

import flask

bp = flask.Blueprint("pages", __name__)
