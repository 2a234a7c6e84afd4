"""Structured access logs: one JSON line per request (never a header, so never the admin token)."""

import json
import logging
import time

import flask

log = logging.getLogger("search_service.access")


def register_access_log(app):
    """Log method, path, status, duration and size of every request as a JSON line."""

    @app.before_request
    def start_timer():
        flask.g.started = time.perf_counter()

    @app.after_request
    def log_request(response):
        started = flask.g.pop("started", None)
        request = flask.request
        log.info(
            json.dumps(
                {
                    "time": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                    "remote": request.remote_addr,
                    "method": request.method,
                    "path": _path(request),
                    "status": response.status_code,
                    "ms": round((time.perf_counter() - started) * 1000, 2) if started else None,
                    "bytes": response.calculate_content_length(),
                    "origin": request.headers.get("Origin"),
                },
                ensure_ascii=False,
            )
        )
        return response


def _path(request):
    """The path and query string requested, as sent (bytes that are not UTF-8 shown as �)."""
    query = request.query_string.decode("utf-8", errors="replace")
    return f"{request.path}?{query}" if query else request.path
