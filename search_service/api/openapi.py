"""The OpenAPI 3 document, generated from the marshmallow schemas and the endpoint docstrings."""

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from apispec.yaml_utils import load_operations_from_docstring

from search_service import __version__
from search_service.api import schemas

#: The error responses (an ``Error`` body) the endpoints share, by the name their docstrings give them.
ERROR_RESPONSES = {
    "InvalidRequest": "The request is invalid (the error names the fields).",
    "NotFound": "No document has this id.",
    "NoIndex": "No index to answer from.",
    "Unauthorized": "The token is missing or wrong.",
    "Forbidden": "Reindexing over HTTP is disabled, or the request is cross-origin.",
    "ReindexConflict": "Another reindex is running, or the configured sources hold no document (`nothing_to_index`).",
    "ReindexFailed": "The reindex failed (the error says why); the live index is unchanged.",
}
DOCUMENTED_ENDPOINTS = ("api.search_endpoint", "api.document_endpoint", "api.health_endpoint", "api.stats_endpoint", "api.reindex_endpoint")


def build_openapi(app):
    """The OpenAPI document of ``app`` as a dict."""
    spec = APISpec(
        title="search-service",
        version=__version__,
        openapi_version="3.0.3",
        plugins=[MarshmallowPlugin()],
        info={"description": "Full-text search for Arabic text."},
    )
    spec.components.security_scheme("bearerAuth", {"type": "http", "scheme": "bearer"})
    for name in ("SearchArgs", "DocumentArgs", "SearchPage", "Document", "Health", "Stats", "ReindexSummary", "Error"):
        spec.components.schema(name, schema=getattr(schemas, name))
    spec.components.response("NotModified", {"description": "The client's copy (If-None-Match) is current; nothing is sent."})
    for name, description in ERROR_RESPONSES.items():
        spec.components.response(name, {"description": description, "content": {"application/json": {"schema": "Error"}}})
    for rule in app.url_map.iter_rules():
        if rule.endpoint in DOCUMENTED_ENDPOINTS:
            view = app.view_functions[rule.endpoint]
            path = rule.rule.replace("<path:", "{").replace("<", "{").replace(">", "}")
            spec.path(path=path, operations=load_operations_from_docstring(view.__doc__))
    return spec.to_dict()
