"""Random and hostile Unicode against the analyzer, the query parser, snippets and the HTTP API."""

import json
import urllib.error
import urllib.parse
import urllib.request

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from search_service.arabic import analyzer, normalize
from search_service.indexing import LiveIndex
from search_service.indexing.schema import build_schema
from search_service.search import QueryError, SearchRequest, parse_query, search
from search_service.search.snippets import snippet

HOSTILE = [
    "\u200f", "\u200e", "\u202e", "\u2066", "\u200c", "\u200d", "\ufeff", "\x00", "\ud800", "\udfff",
    "ـ", "\u064b", "\u0651", "\u0670", "\u06d6", "ﻻ", "ﷲ", "ﷺ", "٣", "۴",
    '"', "'", "*", "?", "~", "^", "(", ")", "[", "]", "{", "}", ":", "+", "-", "\\", "/",
    "AND", "OR", "NOT", "و", "أو", "ليس", "title:", "source:", "مصدر:",
    "<script>", "</mark>", "<mark>", "&amp;", '"><img src=x onerror=alert(1)>',
]
ARABIC = st.characters(min_codepoint=0x0600, max_codepoint=0x06FF)
pieces = st.one_of(st.sampled_from(HOSTILE), st.text(ARABIC, max_size=8), st.characters(), st.just(" "))
hostile_text = st.lists(pieces, max_size=40).map("".join)
long_text = st.builds(lambda unit, n: unit * n, st.sampled_from(["ا", "كتاب ", "*", '"', "(", "\u200f"]), st.integers(1, 10_000))

SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(st.one_of(hostile_text, long_text))
def test_analyzer_takes_any_text(text):
    for token in analyzer()(text, chars=True, positions=True):
        assert 0 <= token.startchar < token.endchar <= len(text)
        assert token.text and normalize(text[token.startchar : token.endchar])


@SETTINGS
@given(st.one_of(hostile_text, long_text))
def test_query_parser_takes_any_text_or_refuses_it_clearly(text):
    try:
        parse_query(text, build_schema())
    except QueryError as error:
        assert str(error)


@SETTINGS
@given(hostile_text)
def test_snippets_never_carry_markup_of_their_own(text):
    html = snippet(text + " كتاب", {"كتاب"}, set())
    assert "<mark>" in html
    assert "<" not in html.replace("<mark>", "").replace("</mark>", "")


@pytest.fixture(scope="module")
def live(seeds_index):
    return LiveIndex(seeds_index)


@SETTINGS
@given(q=hostile_text, page=st.integers(1, 5), per_page=st.integers(1, 100))
def test_search_answers_or_refuses_any_query(live, q, page, per_page):
    try:
        result = search(live, SearchRequest(q=q, page=page, per_page=per_page))
    except QueryError as error:
        assert str(error)
    else:
        assert result.total >= len(result.results)


def http_status(base, params):
    query = "&".join(f"{k}={urllib.parse.quote(v.encode('utf-8', 'surrogatepass'))}" for k, v in params.items())
    try:
        with urllib.request.urlopen(f"{base}/api/search?{query}", timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(
    params=st.dictionaries(
        st.sampled_from(["q", "page", "per_page", "source", "date_from", "date_to", "x"]),
        st.one_of(hostile_text, st.integers(-5, 10**6).map(str), st.just("2024-02-30")),
    )
)
def test_http_api_never_answers_500(live_server, params):
    status, body = http_status(live_server, params)
    assert status < 500
    assert ("error" in body) == (status >= 400)


def test_a_lone_surrogate_escape_in_jsonl_is_kept_visible_and_served(tmp_path):
    from conftest import build_index

    corpus = tmp_path / "c.jsonl"
    corpus.write_text('{"id": "s1", "text": "نص \\ud800 عن الاقتصاد", "title": "\\udfff عنوان"}\n', encoding="utf-8")
    result = search(LiveIndex(build_index(tmp_path / "index", corpus)), SearchRequest(q="الاقتصاد")).results[0]
    assert "\ufffd" in result["text"] and result["text"].encode("utf-8")
    assert result["document"]["title"].encode("utf-8")
