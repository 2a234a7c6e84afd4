# search-service: the seeds indexed at build time, served by gunicorn on port 8000.
#
#   docker build -t search-service .
#   docker run -p 8000:8000 search-service
#
# The index lives in /data/index (SEARCH_SERVICE_INDEX). Mount a volume there to serve your own
# corpus: a new named volume starts with the built-in seeds index, and an empty bind mount makes
# the server log "no index in /data/index: build one with `search-service reindex ...`" and fail
# its health check until it is filled (see "Deployment" in README.md).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    SEARCH_SERVICE_INDEX=/data/index \
    SEARCH_SERVICE_SOURCES=/app/seeds

RUN groupadd --system --gid 10001 search \
    && useradd --system --uid 10001 --gid search --home-dir /app --shell /usr/sbin/nologin search \
    && mkdir -p /data/index \
    && chown 10001:10001 /data/index

WORKDIR /src
COPY pyproject.toml README.md LICENSE ./
COPY search_service ./search_service
RUN pip install --no-cache-dir . && rm -rf /src

WORKDIR /app
COPY seeds ./seeds

USER 10001:10001
RUN search-service reindex --source /app/seeds --index /data/index

EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/api/health', timeout=4)"]
CMD ["search-service", "serve", "--host", "0.0.0.0", "--port", "8000"]
