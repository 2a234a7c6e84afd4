"""The production server: gunicorn, a few worker processes with a few threads each.

Searching is CPU work under Python's global interpreter lock, so a second thread in a process
adds little and many threads slow each other down; worker processes use the cores. Each worker
builds its own application, so index readers and caches are never shared across a fork.
"""

import logging
import socket

from gunicorn import util
from gunicorn.app.base import BaseApplication
from gunicorn.http.errors import LimitRequestHeaders, LimitRequestLine
from gunicorn.workers.gthread import ThreadWorker

from search_service.api import create_app
from search_service.api.errors import error_body
from search_service.api.schemas import to_json
from search_service.indexing import available_cores

#: Seconds a worker process may stop answering its arbiter before it is replaced (a search itself
#: is stopped after 5 s by the search layer), and seconds requests in progress get on SIGTERM.
WORKER_TIMEOUT = 30
GRACEFUL_TIMEOUT = 30
#: Seconds a worker thread waits for a client's next bytes of a request before it closes the
#: connection: a client that opens connections and never finishes their headers (slowloris) holds
#: each thread that long at most. Facing the internet, the server belongs behind a buffering proxy
#: (nginx), as gunicorn advises for its threaded workers.
REQUEST_READ_TIMEOUT = 10
#: Longest request line read, in bytes: gunicorn's largest limit (Elasticsearch's is 4 KiB). It holds
#: the longest query (500 Arabic letters are 3,000 bytes percent-encoded) with its parameters.
REQUEST_LINE_LIMIT = 8190


class _QuietTimeouts(logging.Filter):
    """gunicorn's record of a request not received in time: one warning line, not an error with a traceback."""

    def filter(self, record):
        if record.exc_info and isinstance(record.exc_info[1], TimeoutError):
            record.levelno, record.levelname = logging.WARNING, logging.getLevelName(logging.WARNING)
            record.msg, record.args = f"request not received within {REQUEST_READ_TIMEOUT} s: connection closed", ()
            record.exc_info = record.exc_text = None
        return True


class _Worker(ThreadWorker):
    """gunicorn's threaded worker, waiting ``REQUEST_READ_TIMEOUT`` at most for a request's bytes,
    and answering a request line or headers over its limits with the API's JSON error instead of
    its HTML page, readable by pages of other sites as the API's are."""

    def init_process(self):
        self.log.error_log.addFilter(_QuietTimeouts())
        super().init_process()

    def handle(self, conn):
        conn.sock.settimeout(REQUEST_READ_TIMEOUT)  # after gunicorn made it blocking, with no limit
        return super().handle(conn)

    def handle_error(self, req, client, addr, exc):
        if isinstance(exc, LimitRequestLine):
            status, code, message = "414 URI Too Long", "uri_too_long", f"the URL is too long (the request line may have at most {REQUEST_LINE_LIMIT} bytes)"
        elif isinstance(exc, LimitRequestHeaders):
            status, code, message = "431 Request Header Fields Too Large", "headers_too_large", "the request's headers are too large"
        else:
            super().handle_error(req, client, addr, exc)
            return
        self.log.warning("Invalid request from ip=%s: %s", (addr or ("",))[0], exc)
        body = to_json(error_body(code, message))
        head = f"HTTP/1.1 {status}\r\nConnection: close\r\nAccess-Control-Allow-Origin: *\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
        util.write_nonblock(client, head.encode() + body)


class _Server(BaseApplication):
    def __init__(self, index_dir, options):
        self.index_dir = index_dir
        self.options = options
        super().__init__()

    def load_config(self):
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):
        return create_app({"INDEX": self.index_dir})


def check_address(host, port):
    """Raise ``OSError`` if ``host:port`` cannot be listened on (in use, or no address of this
    machine); gunicorn would try for 5 s, then stop with its own log lines."""
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as gunicorn binds
        probe.bind((host, port))


def serve(index_dir, host, port, workers=None, threads=2):
    """Serve the application on ``host:port`` until SIGTERM (requests in progress finish first) or
    Ctrl-C, with ``workers`` processes (default: one per core) of ``threads`` threads."""
    _Server(
        index_dir,
        {
            "bind": f"[{host}]:{port}" if ":" in host else f"{host}:{port}",
            "workers": workers or available_cores(),
            "threads": threads,
            "worker_class": _Worker,
            "timeout": WORKER_TIMEOUT,
            "graceful_timeout": GRACEFUL_TIMEOUT,
            "keepalive": 5,
            "limit_request_line": REQUEST_LINE_LIMIT,
            "proc_name": "search-service",
            "loglevel": "warning",
            # gunicorn believes X-Forwarded-Proto from the loopback address by default; whom to
            # believe is SEARCH_SERVICE_PROXIES's to say (the application's ProxyFix).
            "forwarded_allow_ips": "",
        },
    ).run()
