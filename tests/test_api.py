"""The HTTP API over a real server: results, errors, CORS, the admin endpoint, OpenAPI."""

import http.client
import json
import os
import shutil
import socket
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request

import pytest
from openapi_spec_validator import validate

from search_service.api import create_app, endpoints, schemas
from search_service.api.server import REQUEST_READ_TIMEOUT
from search_service.indexing.caches import SizeBounded

from conftest import SEEDS, build_index, free_port, running_server, wait_until_responds, write_jsonl


def get(base, path, headers=None, method="GET", data=None):
    request = urllib.request.Request(base + path, headers=headers or {}, method=method, data=data)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, dict(response.headers), json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), json.loads(error.read())


def search(base, **params):
    return get(base, "/api/search?" + urllib.parse.urlencode(params, doseq=True))


def assert_error(status_body, status):
    code, _, body = status_body
    assert code == status
    assert set(body) == {"error"} and {"code", "message", "fields"} <= set(body["error"]) <= {"code", "message", "fields", "reason", "limit"}
    assert body["error"]["message"] and "Traceback" not in body["error"]["message"]


def test_search_returns_ranked_results_with_metadata(live_server):
    status, headers, body = search(live_server, q="التحالف الدولي", per_page=5)
    assert status == 200 and headers["Content-Type"].startswith("application/json")
    assert {"query", "total", "page", "per_page", "pages", "took_ms", "results", "facets", "suggestion"} <= set(body)
    assert body["total"] >= 5 and len(body["results"]) == 5 and body["pages"] >= 1
    first = body["results"][0]
    assert {"id", "score", "position", "document", "snippet", "text", "duplicates", "duplicate_count"} <= set(first)
    assert set(first["document"]) == {"id", "title", "source", "date", "url"}
    assert first["id"] == f'{first["document"]["id"]}#{first["position"]}'
    assert body["facets"]["source"] and all({"value", "count"} == set(f) for f in body["facets"]["source"])
    assert body["facets"]["year"] and all(len(f["value"]) == 4 and f["count"] > 0 for f in body["facets"]["year"])


def test_duplicates_are_listed_as_openapi_describes_them(live_server):
    _, _, body = search(live_server, q="الناتو 18 فبراير", per_page=1)
    duplicates = body["results"][0]["duplicates"]
    assert duplicates and all(set(d) == {"id", "document"} for d in duplicates)
    assert all(set(d["document"]) == {"id", "title", "source", "date", "url"} and d["id"].startswith(d["document"]["id"] + "#") for d in duplicates)
    _, _, spec = get(live_server, "/openapi.json")
    listed = spec["components"]["schemas"]["Result"]["properties"]["duplicates"]
    assert listed["type"] == "array" and listed["items"]["$ref"].endswith("/Duplicate")


@pytest.mark.parametrize("params", [
    {"q": "الناتو 18 فبراير", "per_page": 100}, {"q": "داعش", "collapse": "document", "highlight": "false"},
    {"q": "التحالف", "sort": "date", "max_duplicates": 1},
])
def test_results_are_sent_in_the_shape_their_schema_dumps(live_server, params):
    _, _, body = search(live_server, **params)
    assert body["results"]
    assert body["results"] == json.loads(schemas.to_json(schemas.Result(many=True).dump(body["results"])))
    for result in body["results"]:
        assert result["duplicates"] == schemas.Duplicate(many=True).dump(result["duplicates"])
    _, _, spec = get(live_server, "/openapi.json")
    listed = spec["components"]["schemas"]["SearchPage"]["properties"]["results"]
    assert listed["type"] == "array" and listed["items"]["$ref"].endswith("/Result")


def test_a_result_lists_at_most_max_duplicates_and_counts_them_all(live_server):
    _, _, every = search(live_server, q="الناتو 18 فبراير", per_page=1)
    _, _, none = search(live_server, q="الناتو 18 فبراير", per_page=1, max_duplicates=0)
    listed, counted = every["results"][0], none["results"][0]
    assert listed["duplicate_count"] == len(listed["duplicates"]) == counted["duplicate_count"] > 0
    assert counted["duplicates"] == [] and {**counted, "duplicates": listed["duplicates"]} == listed
    for bad in "-1", "many":
        answer = search(live_server, q="الناتو", max_duplicates=bad)
        assert_error(answer, 400)
        assert set(answer[2]["error"]["fields"]) == {"max_duplicates"}


def test_the_other_names_a_query_found_are_listed(live_server):
    _, _, body = search(live_server, q="الناتو 18 شباط")
    assert body["synonyms"] == [{"word": "شباط", "synonyms": ["فبراير", "فيفري"]}]
    assert any("<mark>فبراير</mark>" in r["snippet"] for r in body["results"])
    for excluded in ("الناتو -شباط", "الناتو ليس شباط"):
        assert search(live_server, q=excluded)[2]["synonyms"] == []
    assert search(live_server, q="التحالف")[2]["synonyms"] == []


def test_results_can_be_sorted_newest_first(live_server):
    status, _, body = search(live_server, q="داعش", per_page=100, sort="date")
    dates = [r["document"]["date"] or "" for r in body["results"]]
    assert status == 200 and dates == sorted(dates, reverse=True) and dates[0] == "2024-03-29"
    _, _, relevance = search(live_server, q="داعش", per_page=100)
    assert [r["document"]["date"] or "" for r in relevance["results"]] != dates


def test_results_without_snippets_are_the_same_results(live_server):
    _, _, plain = search(live_server, q="التحالف الدولي", highlight="false")
    _, _, highlighted = search(live_server, q="التحالف الدولي")
    assert plain["results"] and all(r["snippet"] is None for r in plain["results"])
    assert [{**r, "snippet": None} for r in highlighted["results"]] == plain["results"]
    assert_error(search(live_server, q="التحالف", highlight="maybe"), 400)
    _, _, spec = get(live_server, "/openapi.json")
    assert spec["components"]["schemas"]["Result"]["properties"]["snippet"]["nullable"]


def test_results_can_be_one_per_document(live_server):
    """collapse=document: each document once, by its best paragraph; every matching paragraph is
    still counted, and each result says how many of its document's paragraphs match."""
    _, _, by_paragraph = search(live_server, q="وزراء الخارجية", per_page=100)
    _, _, by_document = search(live_server, q="وزراء الخارجية", per_page=100, collapse="document")
    documents = [r["document"]["id"] for r in by_document["results"]]
    assert len(documents) == len(set(documents)) == by_document["groups"] > 1
    assert by_paragraph["groups"] == len(by_paragraph["results"]) > by_document["groups"]
    for page in by_paragraph, by_document:
        assert page["total"] == sum(r["matched_paragraphs"] for r in page["results"])
    found = {p["id"] for r in by_paragraph["results"] for p in [r, *r["duplicates"]]}
    assert {r["id"] for r in by_document["results"]} <= found
    # A paragraph republished elsewhere still lists its copies.
    assert any(r["duplicates"] for r in by_document["results"])
    assert_error(search(live_server, q="التحالف", collapse="site"), 400)


def test_source_filter_is_repeatable(live_server):
    _, _, body = search(live_server, q="داعش")
    sources = [f["value"] for f in body["facets"]["source"]][:2]
    _, _, filtered = search(live_server, q="داعش", source=sources, per_page=100)
    assert filtered["results"] and {r["document"]["source"] for r in filtered["results"]} <= set(sources)


@pytest.mark.parametrize(
    "params, status",
    [
        ({}, 400),
        ({"q": ""}, 400),
        ({"q": "x" * 1000}, 400),
        ({"q": '"التحالف'}, 400),
        ({"q": "(التحالف"}, 400),
        ({"q": "التحالف", "per_page": 0}, 400),
        ({"q": "التحالف", "per_page": 1000}, 400),
        ({"q": "التحالف", "page": -1}, 400),
        ({"q": "التحالف", "page": "abc"}, 400),
        ({"q": "التحالف", "page": "1_0"}, 400),
        ({"q": "التحالف", "per_page": " 5"}, 400),
        ({"q": "التحالف", "page": 100000}, 400),
        ({"q": "التحالف", "date_from": "2024-13-45"}, 400),
        ({"q": "التحالف", "date_from": "20240101"}, 400),
        ({"q": "التحالف", "date_from": "1445-13-01"}, 400),
        ({"q": "التحالف", "date_from": "99999999999999999999-01-01"}, 400),
        ({"q": "التحالف", "date_to": "24-1-5"}, 400),
        ({"q": "التحالف", "date_to": "2024-W01-1"}, 400),
        ({"q": "التحالف", "date_from": "2024-05-01", "date_to": "2024-01-01"}, 400),
        ({"q": "التحالف", "sort": "newest"}, 400),
        ({"q": ["داعش", "العراق"]}, 400),
        ({"q": "التحالف", "per_page": [5, "abc"]}, 400),
    ],
)
def test_bad_search_input_gets_a_json_4xx(live_server, params, status):
    assert_error(search(live_server, **params), status)


def test_a_date_filter_in_the_hijri_calendar_finds_what_its_gregorian_day_finds(live_server):
    hijri = search(live_server, q="داعش", date_from="1445-09-19", date_to="1445-09-19")
    gregorian = search(live_server, q="داعش", date_from="2024-03-29", date_to="2024-03-29")
    assert hijri[0] == 200 and hijri[2]["total"] == gregorian[2]["total"] > 0


@pytest.mark.parametrize(
    "params, reason, limit",
    [
        ({"q": '"التحالف'}, "unbalanced_quotes", None),
        ({"q": "في من"}, "nothing_meaningful", None),
        ({"q": "ك*"}, "wildcard_too_short", 2),
        ({"q": "مَـ*"}, "wildcard_too_short", 2),
        ({"q": "داعش " * 60}, "too_many_words", 50),
        ({"q": "(" * 21 + "داعش" + ")" * 21}, "brackets_too_deep", 20),
        ({"q": ""}, "empty", None),
        ({"q": "x" * 501}, "too_long", 500),
        ({"q": "داعش", "page": 101}, "page_too_deep", 1000),
    ],
)
def test_a_refused_query_says_why_for_programs_to_word_it(live_server, params, reason, limit):
    status, _, body = search(live_server, **params)
    assert status == 400 and body["error"]["code"] == "invalid_query"
    assert body["error"]["reason"] == reason and body["error"].get("limit") == limit


def test_every_field_of_an_error_lists_strings_even_for_a_repeated_parameter(live_server):
    answer = search(live_server, q="داعش", source=["مصدر", ""])
    assert_error(answer, 400)
    assert answer[2]["error"]["fields"] == {"source": ["item 1: Length must be between 1 and 200."]}


def test_a_page_beyond_the_depth_limit_is_refused_as_a_bad_page(live_server):
    assert search(live_server, q="التحالف", page=10, per_page=100)[0] == 200
    answer = search(live_server, q="التحالف", page=11, per_page=100)
    assert_error(answer, 400)
    assert list(answer[2]["error"]["fields"]) == ["page"] and "1000 deep" in answer[2]["error"]["fields"]["page"][0]


def test_a_body_beyond_the_limit_is_refused_even_where_none_is_read(live_server):
    query = "/api/search?" + urllib.parse.urlencode({"q": "داعش"})
    assert get(live_server, query, data=b"x" * 1000)[0] == 200
    assert_error(get(live_server, query, data=b"x" * 200_000), 413)


@pytest.mark.parametrize("limit, status", [(None, 200), ("100", 413)], ids=["no limit", "a limit from the environment"])
def test_the_body_limit_may_be_lifted_or_set_from_the_environment(seeds_index, limit, status):
    client = create_app({"INDEX": str(seeds_index), "MAX_CONTENT_LENGTH": limit}).test_client()
    assert client.get("/api/search", query_string={"q": "داعش"}, data=b"x" * 1000).status_code == status
    with pytest.raises(ValueError, match="MAX_CONTENT_LENGTH must be a number of bytes"):
        create_app({"INDEX": str(seeds_index), "MAX_CONTENT_LENGTH": "64KiB"})


def test_behind_a_proxy_the_pages_write_the_address_the_visitor_used(seeds_index):
    forwarded = {"X-Forwarded-Prefix": "/search", "X-Forwarded-Host": "news.example", "X-Forwarded-Proto": "https"}
    client = create_app({"INDEX": str(seeds_index), "PROXIES": "1"}).test_client()
    text = client.get("/", headers=forwarded).get_data(as_text=True)
    assert 'action="/search/"' in text and "https://news.example/search/widget.js" in text and 'href="/search/openapi.json"' in text
    # Without the setting, a request's X-Forwarded-* headers are not believed.
    text = create_app({"INDEX": str(seeds_index)}).test_client().get("/", headers=forwarded).get_data(as_text=True)
    assert 'action="/"' in text and "news.example" not in text
    with pytest.raises(ValueError, match="PROXIES must be a number of proxies"):
        create_app({"INDEX": str(seeds_index), "PROXIES": "-1"})


def test_the_server_believes_no_forwarded_headers_unless_told_of_a_proxy(live_server):
    for spoofed in ({"X-Forwarded-Proto": "https"}, {"X-Forwarded-Ssl": "on"}, {"X-Forwarded-Host": "evil.example"}):
        status, _, text = page(live_server, "/opensearch.xml", spoofed)
        assert status == 200 and f'template="{live_server}/?q=' in text, spoofed


def test_a_request_line_or_header_beyond_the_limits_gets_a_json_error(live_server):
    longest_query = "التحالفات " * 50  # 500 characters, the longest query accepted
    assert search(live_server, q=longest_query, source=["seeds"] * 100)[0] == 200
    for answer in (
        search(live_server, q="داعش " * 2_000),
        search(live_server, q="داعش", source=["seeds"] * 3_000),
        get(live_server, "/api/documents/" + urllib.parse.quote("م" * 10_000)),
    ):
        assert_error(answer, 414)
        assert answer[2]["error"]["code"] == "uri_too_long" and "at most 8190 bytes" in answer[2]["error"]["message"]
        assert answer[1]["Access-Control-Allow-Origin"] == "*"  # a widget on another site can read it
    answer = get(live_server, "/api/search?q=x", headers={"X-Padding": "x" * 10_000})
    assert_error(answer, 431)
    assert answer[2]["error"]["code"] == "headers_too_large" and answer[1]["Access-Control-Allow-Origin"] == "*"
    assert search(live_server, q="داعش")[0] == 200


@pytest.mark.parametrize("target", [
    b"/api/search?q=%FF%FE%E0", b"/api/search?q=caf\xe9", b"/api/health?\xff", b"/?q=\xe9t\xe9",
    b"/widget.js?v=\xff", b"/api/documents/%FF", b"/documents/%D8", b"/api/documents/caf\xe9",
], ids=["percent-encoded", "raw", "health", "search page", "widget", "document id", "document page", "raw document id"])
def test_a_url_that_is_not_utf8_gets_a_json_400(live_server, target):
    host, port = live_server.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as connection:
        connection.sendall(b"GET " + target + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        response = http.client.HTTPResponse(connection)
        response.begin()
        assert_error((response.status, None, json.loads(response.read())), 400)
        # Outside /api/ a browser gets a page there: a cache must keep both answers.
        assert (response.getheader("Vary") == "Accept") == (not target.startswith(b"/api/"))
    assert search(live_server, q="داعش")[0] == 200


def test_a_browser_asking_for_a_page_at_a_url_that_is_not_utf8_gets_a_page(live_server):
    request = urllib.request.Request(live_server + "/?q=%FF", headers={"Accept": "text/html"})
    with pytest.raises(urllib.error.HTTPError) as browsing:
        urllib.request.urlopen(request, timeout=30)
    assert browsing.value.code == 400 and browsing.value.headers["Content-Type"].startswith("text/html")
    assert "عنوان هذه الصفحة غير صالح" in browsing.value.read().decode("utf-8")
    assert "Accept" in browsing.value.headers["Vary"]


def test_a_documents_parameters_are_checked_as_a_searchs(live_server):
    path = "/api/documents/001_93b21bcfa360256c?q=" + urllib.parse.quote("داعش")
    assert get(live_server, path)[0] == 200
    for extra, field in (("&q=x", "q"), ("&page=2", "page"), ("&source=seeds", "source")):
        answer = get(live_server, path + extra)
        assert_error(answer, 400)
        assert list(answer[2]["error"]["fields"]) == [field]


def test_unknown_document_and_route_get_json_404(live_server):
    assert_error(get(live_server, "/api/documents/no-such-document"), 404)
    assert_error(get(live_server, "/api/no-such-endpoint"), 404)
    answer = get(live_server, "/no-such-page")
    assert_error(answer, 404)
    assert "Accept" in answer[1]["Vary"]  # browsers get a page there: a cache must keep both
    with pytest.raises(urllib.error.HTTPError) as browsing:
        urllib.request.urlopen(urllib.request.Request(live_server + "/no-such-page", headers={"Accept": "text/html"}), timeout=30)
    assert browsing.value.headers["Content-Type"].startswith("text/html") and "Accept" in browsing.value.headers["Vary"]
    answer = get(live_server, "/api/search?q=x", method="DELETE")
    assert_error(answer, 405)
    assert set(answer[1]["Allow"].split(", ")) == {"GET", "HEAD", "OPTIONS"}


def test_document_endpoint_returns_paragraphs_in_order(live_server):
    status, _, body = get(live_server, "/api/documents/001_93b21bcfa360256c")
    assert status == 200 and body["id"] == "001_93b21bcfa360256c" and body["date"] == "2024-03-29"
    positions = [p["position"] for p in body["paragraphs"]]
    assert positions == list(range(1, len(positions) + 1))


def page(base, path, headers=None):
    """Status, headers and text of an HTML page."""
    try:
        with urllib.request.urlopen(urllib.request.Request(base + path, headers=headers or {}), timeout=30) as response:
            return response.status, dict(response.headers), response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read().decode()


def test_document_page_marks_the_query_and_answers_an_unknown_id_with_a_404_page(live_server):
    status, headers, text = page(live_server, "/documents/001_93b21bcfa360256c?q=" + urllib.parse.quote("وزراء الخارجية"))
    assert status == 200 and headers["Content-Type"].startswith("text/html") and "default-src 'none'" in headers["Content-Security-Policy"]
    assert '<p class="paragraph" id="p3">وترأس اجتماع <mark>وزراء</mark> <mark>خارجية</mark>' in text
    # A query the service refuses still shows the document, unmarked.
    status, _, text = page(live_server, "/documents/001_93b21bcfa360256c?q=" + urllib.parse.quote('"وزراء'))
    assert status == 200 and '<p class="paragraph" id="p3">' in text and "<mark>" not in text
    status, _, text = page(live_server, "/documents/001_93b21bcfa360256c?q=" + urllib.parse.quote("<script>alert(1)</script>"))
    assert status == 200 and "<script>alert" not in text and "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    status, headers, text = page(live_server, "/documents/no-such-document")
    assert status == 404 and headers["Content-Type"].startswith("text/html") and "لا يوجد مستند بهذا المعرّف" in text
    assert '<a href="/">إلى صفحة البحث</a>' in text  # a way back, as the 404 page of any other address has
    # A document without a headline (seed 000) is named by the opening words of its first paragraph.
    status, _, text = page(live_server, "/documents/000_b0b6bfff154b50a2")
    assert status == 200 and '<h1 class="document-title" id="document-title"><bdi>000_' not in text and "…</bdi></h1>" in text
    # The API marks the same words, and tags each query's answer apart.
    status, headers, body = get(live_server, "/api/documents/001_93b21bcfa360256c?q=" + urllib.parse.quote("وزراء الخارجية"))
    assert status == 200 and body["paragraphs"][2]["marked"].startswith("وترأس اجتماع <mark>وزراء</mark> <mark>خارجية</mark>")
    _, plain_headers, plain = get(live_server, "/api/documents/001_93b21bcfa360256c")
    assert "<mark>" not in json.dumps(plain, ensure_ascii=False) and plain_headers["ETag"] != headers["ETag"]


def test_without_an_index_the_document_page_says_so(tmp_path):
    client = create_app({"INDEX": str(tmp_path / "missing")}).test_client()
    response = client.get("/documents/001_93b21bcfa360256c")
    assert response.status_code == 503 and "الفهرس غير متاح" in response.get_data(as_text=True)


def test_without_an_index_the_api_says_so_without_naming_the_servers_directories(tmp_path, caplog):
    client = create_app({"INDEX": str(tmp_path / "missing")}).test_client()
    for path in ("/api/health", "/api/search?q=داعش", "/api/documents/x"):
        response = client.get(path)
        assert response.status_code == 503 and response.json["error"]["code"] == "index_unavailable"
        assert str(tmp_path) not in response.get_data(as_text=True)
    assert f"no index in {tmp_path / 'missing'}" in caplog.text  # the operator reads it in the log


def test_health_and_stats(live_server):
    status, _, health = get(live_server, "/api/health")
    assert status == 200 and health["status"] == "ok" and health["documents"] == 5 and health["generation"]
    assert isinstance(health["warm"], bool) and health["reindex_needed"] is False
    status, _, stats = get(live_server, "/api/stats")
    assert status == 200 and stats["paragraphs"] > 5 and stats["size_bytes"] > 0 and stats["built_at"]


def test_read_endpoints_allow_any_origin(live_server):
    _, headers, _ = get(live_server, "/api/search?q=" + urllib.parse.quote("داعش"), {"Origin": "https://news.example"})
    assert headers.get("Access-Control-Allow-Origin") == "*"
    assert headers.get("Access-Control-Expose-Headers") == "ETag"  # a script can revalidate with If-None-Match


def test_a_mistyped_endpoint_is_a_404_other_sites_can_read(live_server):
    status, headers, body = get(live_server, "/api/serch?q=" + urllib.parse.quote("داعش"), {"Origin": "https://news.example"})
    assert status == 404 and body["error"]["code"] == "not_found"
    assert headers.get("Access-Control-Allow-Origin") == "*"  # the widget's author sees the 404, not a CORS error


def test_openapi_describes_every_endpoint(live_server):
    status, _, spec = get(live_server, "/openapi.json")
    assert status == 200 and spec["openapi"].startswith("3.")
    assert {"/api/search", "/api/documents/{document_id}", "/api/health", "/api/stats", "/api/reindex"} <= set(spec["paths"])
    assert "SearchPage" in spec["components"]["schemas"]
    validate(spec)  # raises on a description that is not valid OpenAPI 3


def test_reindex_is_disabled_without_a_configured_token(live_server):
    assert_error(get(live_server, "/api/reindex", {"Authorization": "Bearer x"}, method="POST"), 403)


@pytest.fixture(scope="module")
def admin_server(tmp_path_factory):
    index = build_index(tmp_path_factory.mktemp("admin-index"))
    # An empty entry in the list of sources (a trailing separator) is no source, not the working directory.
    sources = f"{SEEDS}{os.pathsep}"
    with running_server(index, env={"SEARCH_SERVICE_ADMIN_TOKEN": "s3cret-token", "SEARCH_SERVICE_SOURCES": sources}) as base:
        yield base


def test_reindex_requires_the_admin_token(admin_server):
    answer = get(admin_server, "/api/reindex", method="POST")
    assert_error(answer, 401)
    assert answer[1]["WWW-Authenticate"] == "Bearer"
    assert_error(get(admin_server, "/api/reindex", {"Authorization": "Bearer wrong"}, method="POST"), 401)


def test_reindex_refuses_cross_origin_use(admin_server):
    response = get(admin_server, "/api/reindex", {"Authorization": "Bearer s3cret-token", "Origin": "https://evil.example"}, method="POST")
    assert_error(response, 403)
    assert "Access-Control-Allow-Origin" not in response[1]


def test_reindex_with_the_token_swaps_in_a_new_generation(admin_server):
    _, _, before = get(admin_server, "/api/health")
    status, _, summary = get(admin_server, "/api/reindex", {"Authorization": "Bearer s3cret-token"}, method="POST")
    assert status == 200 and summary["documents"] == 5 and summary["other_files"] == {}
    _, _, after = get(admin_server, "/api/health")
    assert after["generation"] == summary["generation"] != before["generation"]


def test_a_reindex_answers_a_date_left_out_apart_from_the_skipped_records(tmp_path):
    corpus = write_jsonl(tmp_path / "wires.jsonl", [
        {"id": "good", "text": "اجتمع وزراء خارجية التحالف في روما.", "date": "2024-03-05"},
        {"id": "placeholder", "text": "افتتح وزير الطاقة مشروع الطاقة الشمسية في معان.", "date": "2999-01-01"},
    ])
    index = build_index(tmp_path / "index", corpus)
    with running_server(index, env={"SEARCH_SERVICE_ADMIN_TOKEN": "s3cret-token", "SEARCH_SERVICE_SOURCES": str(corpus)}) as base:
        status, _, summary = get(base, "/api/reindex", {"Authorization": "Bearer s3cret-token"}, method="POST")
        assert status == 200 and summary["documents"] == 2 and summary["skipped"] == []
        assert summary["left_out"] == [{
            "file": str(corpus), "line": 2, "field": "date", "value": "2999-01-01",
            "reason": "no publication date is before 1900 or after tomorrow",
        }]
        [found] = search(base, q="الشمسية")[2]["results"]
        assert found["document"]["id"] == "placeholder" and found["document"]["date"] is None


def test_an_empty_list_of_sources_reindexes_the_default_ones(tmp_path):
    app = create_app({"INDEX": str(tmp_path / "index"), "SOURCES": "", "ADMIN_TOKEN": "s3cret-token"})
    response = app.test_client().post("/api/reindex", headers={"Authorization": "Bearer s3cret-token"})
    assert response.status_code == 200 and response.get_json()["documents"] == 5  # the seeds


@pytest.mark.parametrize("sources", ["empty", "missing"])
def test_a_reindex_of_sources_with_no_document_is_refused_and_the_live_index_stays(tmp_path, sources):
    index = build_index(tmp_path / "index", write_jsonl(tmp_path / "a.jsonl", [{"id": "a", "text": "مقال عن الطاقة الشمسية"}]))
    (tmp_path / "empty").mkdir()
    app = create_app({"INDEX": str(index), "SOURCES": str(tmp_path / sources), "ADMIN_TOKEN": "s3cret-token"})
    client = app.test_client()
    response = client.post("/api/reindex", headers={"Authorization": "Bearer s3cret-token"})
    assert response.status_code == 409 and response.get_json()["error"]["code"] == "nothing_to_index"
    assert str(tmp_path / sources) in response.get_json()["error"]["message"]
    assert client.get("/api/search?q=الشمسية").get_json()["total"] == 1


def test_a_reindex_answers_the_files_of_other_types_its_sources_held_whatever_their_names(tmp_path):
    corpus = tmp_path / "corpus"
    shutil.copytree(SEEDS, corpus)
    (corpus / "export.ndjson").write_text("{}", encoding="utf-8")
    os.close(os.open(os.path.join(os.fsencode(corpus), b"notes.\xe9"), os.O_CREAT | os.O_WRONLY))  # a name that is not UTF-8
    app = create_app({"INDEX": str(tmp_path / "index"), "SOURCES": str(corpus), "ADMIN_TOKEN": "s3cret-token"})
    response = app.test_client().post("/api/reindex", headers={"Authorization": "Bearer s3cret-token"})
    assert response.status_code == 200 and response.get_json()["other_files"] == {".ndjson": 1, ".\ufffd": 1}


def test_server_picks_up_a_new_index_without_restart(tmp_path):
    first = write_jsonl(tmp_path / "a.jsonl", [{"id": "a", "text": "مقال عن الطاقة الشمسية"}])
    second = write_jsonl(tmp_path / "b.jsonl", [{"id": "b", "text": "مقال عن الزراعة الحديثة"}])
    index = build_index(tmp_path / "index", first)
    with running_server(index) as base:
        assert search(base, q="الشمسية")[2]["total"] == 1
        build_index(index, second)
        assert search(base, q="الزراعة")[2]["total"] == 1
        assert search(base, q="الشمسية")[2]["total"] == 0


def conditional_get(base, path, tag):
    host, port = base.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=30)
    connection.request("GET", path, headers={"If-None-Match": tag})
    response = connection.getresponse()
    return response.status, response.getheader("ETag"), response.read()


def test_an_answer_a_client_holds_is_not_sent_again_until_a_reindex(tmp_path):
    source = write_jsonl(tmp_path / "a.jsonl", [{"id": "a", "text": "مقال عن الطاقة الشمسية"}])
    index = build_index(tmp_path / "index", source)
    found, document = "/api/search?q=" + urllib.parse.quote("الشمسية"), "/api/documents/a"
    with running_server(index) as base:
        tags = {}
        for path in (found, document):
            status, headers, _ = get(base, path)
            tags[path] = headers["ETag"]
            assert status == 200 and tags[path].startswith('W/"') and headers["Cache-Control"] == "no-cache"
            assert conditional_get(base, path, tags[path]) == (304, tags[path], b"")
        assert conditional_get(base, found + "&page=1", tags[found])[0] == 304  # the same request
        assert conditional_get(base, found + "&per_page=5", tags[found])[0] == 200
        assert conditional_get(base, found, tags[document])[0] == 200
        # "*" holds any answer there is, and none for an unknown document or a refused query.
        assert conditional_get(base, found, "*")[0] == conditional_get(base, document, "*")[0] == 304
        assert conditional_get(base, "/api/documents/nope", "*")[0] == 404
        assert conditional_get(base, "/api/search?q=%22abc", "*")[0] == 400
        build_index(index, source)
        status, tag, body = conditional_get(base, found, tags[found])
        assert status == 200 and tag != tags[found] and json.loads(body)["total"] == 1
        assert conditional_get(base, document, tags[document])[0] == 200


def serve_with_log(index):
    """``search-service serve`` in a subprocess whose stderr (its log) the test reads once the
    server is stopped: ``(process, port)``, once it answers."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "search_service", "serve", "--index", str(index), "--port", str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )
    wait_until_responds(f"http://127.0.0.1:{port}/api/health", process)
    return process, port


def stopped(process):
    """The log of a server stopped with SIGTERM."""
    process.terminate()
    return process.communicate(timeout=15)[1]


def test_server_logs_json_lines_and_stops_gracefully_on_sigterm(seeds_index):
    process, port = serve_with_log(seeds_index)
    get(f"http://127.0.0.1:{port}", "/api/search?q=" + urllib.parse.quote("داعش"), {"Authorization": "Bearer never-logged"})
    stderr = stopped(process)
    assert process.returncode == 0
    entries = [json.loads(line) for line in stderr.splitlines() if line.startswith("{")]
    assert any(e["path"].startswith("/api/search?q=") and e["status"] == 200 and e["ms"] >= 0 for e in entries)
    assert "never-logged" not in stderr


def test_a_connection_that_never_finishes_its_headers_is_closed_in_time(seeds_index):
    process, port = serve_with_log(seeds_index)
    with socket.create_connection(("127.0.0.1", port)) as slow:
        slow.sendall(b"GET /api/health HTTP/1.1\r\nHost: x\r\n")  # and nothing more (slowloris)
        slow.settimeout(REQUEST_READ_TIMEOUT + 10)
        assert slow.recv(100) == b""  # closed by the server, not left holding a thread
    assert get(f"http://127.0.0.1:{port}", "/api/health")[0] == 200
    stderr = stopped(process)
    assert f"request not received within {REQUEST_READ_TIMEOUT} s" in stderr and "Traceback" not in stderr


def test_the_page_cache_keeps_the_pages_used_last_within_its_bytes():
    page = {"results": ["فقرة" * 100]}
    cache = SizeBounded(2 * len(schemas.to_json(page)), endpoints._PAGES.size_of)
    computed = []
    for key in ("a", "b", "a", "c", "a", "b"):
        if cache.get(key) is None:
            computed.append(key)
            cache.keep(key, page)
    assert computed == ["a", "b", "c", "b"]  # c pushed out b, the one used least recently
    assert cache.used <= cache.limit
    cache.keep("big", {"results": ["فقرة" * 1000]})
    assert cache.get("big") is None  # larger than the whole cache


def test_a_host_the_service_does_not_answer_to_is_refused_where_it_is_set(tmp_path):
    client = create_app({"INDEX": str(build_index(tmp_path / "index")), "TRUSTED_HOSTS": "Search.Example.org, .example.NET"}).test_client()
    listed = create_app({"INDEX": str(tmp_path / "index"), "TRUSTED_HOSTS": ["Search.Example.org"]}).test_client()
    assert listed.get("/opensearch.xml", headers={"Host": "search.example.org"}).status_code == 200  # a list, as a string
    refused = client.get("/opensearch.xml", headers={"Host": "evil.example"})
    assert refused.status_code == 400 and refused.get_json()["error"]["code"] == "bad_request"
    for host in ("search.example.org", "www.example.net", "127.0.0.1:8000"):  # and the container's health check
        answered = client.get("/opensearch.xml", headers={"Host": host})
        assert answered.status_code == 200 and f"http://{host}/" in answered.get_data(as_text=True)
    # Host names are compared in any case, and written in lower case.
    answered = client.get("/opensearch.xml", headers={"Host": "Search.EXAMPLE.org"})
    assert answered.status_code == 200 and "http://search.example.org/" in answered.get_data(as_text=True)


def test_a_host_header_that_is_no_host_name_is_refused(seeds_index):
    client = create_app({"INDEX": str(seeds_index)}).test_client()
    for host in ("a<b>", "exa mple.org", "[::1"):
        refused = client.get("/opensearch.xml", headers={"Host": host})
        assert refused.status_code == 400 and refused.get_json()["error"]["code"] == "invalid_request"
    assert client.get("/opensearch.xml", headers={"Host": "News.Example"}).status_code == 200
