"""The HTTP load: ``search-service serve`` (gunicorn) on a loopback port, warmed up, then driven by
client threads with keep-alive connections."""

import contextlib
import http.client
import json
import math
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

from search_service.benchmark.process_tree import peak_rss, tree_cpu_seconds
from search_service.benchmark.report import HttpLoad, summarize

#: Seconds the HTTP load waits at most for the server's workers to read ahead the longest posting lists.
WARM_SECONDS = 120
#: The server counts as idle once it uses less than this share of one core over a sample.
IDLE_CPU_SHARE = 0.05
IDLE_SAMPLE_SECONDS = 1.0
#: The HTTP load stops after this many requests even if the time is not up.
MAX_HTTP_REQUESTS = 100_000
SERVER_START_SECONDS = 60


def _free_port():
    with contextlib.closing(socket.socket()) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def serving(index_dir):
    """``search-service serve`` over ``index_dir`` on a free loopback port; yields ``(port, process)``."""
    port = _free_port()
    command = [sys.executable, "-m", "search_service", "serve", "--index", str(index_dir), "--port", str(port)]
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=log)
        try:
            _wait_for_server(port, process, log)
            yield port, process
        finally:
            process.terminate()
            process.wait(timeout=30)


def _wait_for_server(port, process, log):
    deadline = time.monotonic() + SERVER_START_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            log.seek(0)
            raise RuntimeError(f"the server exited with status {process.returncode}: {log.read().decode()[-500:]}")
        try:
            status, _ = _get(http.client.HTTPConnection("127.0.0.1", port, timeout=5), "/api/health")
            if status == 200:
                return
        except OSError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"the server did not answer within {SERVER_START_SECONDS} s")


def _wait_until_warm(port, process, answers=10):
    """Wait until ``answers`` health checks in a row say the worker that answered is warm, then
    until the server is idle: the checks may all reach one worker while another still reads ahead."""
    deadline, in_a_row = time.monotonic() + WARM_SECONDS, 0
    while in_a_row < answers and time.monotonic() < deadline:
        status, body = _get(http.client.HTTPConnection("127.0.0.1", port, timeout=5), "/api/health")
        in_a_row = in_a_row + 1 if status == 200 and json.loads(body).get("warm") else 0
        time.sleep(0.05 if in_a_row else 0.5)
    used = tree_cpu_seconds(process.pid)
    while time.monotonic() < deadline:
        time.sleep(IDLE_SAMPLE_SECONDS)
        used, before = tree_cpu_seconds(process.pid), used
        if used - before < IDLE_CPU_SHARE * IDLE_SAMPLE_SECONDS:
            return


def _get(connection, path):
    connection.request("GET", path)
    response = connection.getresponse()
    return response.status, response.read()


class _Load:
    """Client threads sending searches until a deadline or a request budget runs out."""

    def __init__(self, port, paths, concurrency, seconds, max_requests):
        self.port, self.paths = port, paths
        self.concurrency, self.seconds, self.max_requests = concurrency, seconds, max_requests
        self.lock = threading.Lock()
        self.sent = 0
        self.times, self.refused, self.errors = [], 0, 0

    def _claim(self):
        with self.lock:
            if self.sent >= self.max_requests or time.monotonic() >= self.deadline:
                return None
            self.sent += 1
            return self.sent

    def _client(self):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        times, refused, errors = [], 0, 0
        while (sent := self._claim()) is not None:
            path = self.paths[(sent - 1) % len(self.paths)]
            started = time.perf_counter()
            try:
                status, _ = _get(connection, path)
            except (OSError, http.client.HTTPException):
                status = None
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
            if status == 200:
                times.append((time.perf_counter() - started) * 1000)
            elif status is not None and 400 <= status < 500:
                refused += 1
            else:
                errors += 1
        connection.close()
        with self.lock:
            self.times += times
            self.refused += refused
            self.errors += errors

    def run(self, progress=None, label="HTTP load"):
        """Run the load; returns the seconds it took."""
        self.deadline = time.monotonic() + self.seconds
        started = time.monotonic()
        threads = [threading.Thread(target=self._client, daemon=True) for _ in range(self.concurrency)]
        for thread in threads:
            thread.start()
        while any(thread.is_alive() for thread in threads):
            threads[0].join(0.5)
            if progress:
                progress(label, min(round(time.monotonic() - started), round(self.seconds)), round(self.seconds))
        return time.monotonic() - started


def _paths(queries):
    return [f"/api/search?q={urllib.parse.quote(text)}" for _, text in queries]


def measure_http(index_dir, queries, warmup, seconds, concurrency, max_requests=MAX_HTTP_REQUESTS, progress=None):
    """Requests per second and latency of ``GET /api/search`` under ``concurrency`` loopback clients.

    After ``warmup`` queries (all answered, however long they take), two loads of ``seconds`` each:
    ``queries`` the server has not seen (each asked once, so at most ``len(queries)`` requests),
    then the same queries again.
    """
    if progress:
        progress("starting the server", 0, None)
    paths = _paths(queries)
    loads = [("new queries", min(max_requests, len(paths))), ("repeated queries", max_requests)]
    results = []
    with serving(index_dir) as (port, process):
        _Load(port, _paths(warmup), concurrency, math.inf, len(warmup)).run()
        _wait_until_warm(port, process)
        for label, budget in loads:
            load = _Load(port, paths, concurrency, seconds, budget)
            elapsed = load.run(progress, f"HTTP load, {label}")
            answered = len(load.times)
            results.append(HttpLoad(
                label=label,
                concurrency=concurrency,
                seconds=elapsed,
                requests=answered + load.refused + load.errors,
                warmup=len(warmup),
                refused=load.refused,
                errors=load.errors,
                latency=summarize(f"HTTP GET /api/search, {label}", load.times, load.refused),
                server_peak_rss_bytes=peak_rss(process.pid),
            ))
    return results
