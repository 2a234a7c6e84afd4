"""Random and hostile Unicode against the analyzer, the query parser, snippets and the HTTP API."""

import json
import urllib.error
import urllib.parse
import urllib.request

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from whoosh import qparser

from search_service.arabic import analyzer, form_stems, form_words, index_terms, normalize
from search_service.arabic.analysis import TOKEN_PATTERN
from search_service.indexing import LiveIndex
from search_service.indexing import schema as index_schema
from search_service.indexing.schema import build_schema
from search_service.search import QueryError, SearchRequest, parse_query, search
from search_service.search.query import lexicon, parsing
from search_service.search.snippets import matched_spans, snippet

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
@given(st.one_of(hostile_text, long_text))
def test_plain_words_are_the_query_whooshs_parser_of_words_reads(text):
    schema, boosts = build_schema(), {index_schema.TEXT: 1.0, index_schema.TEXT_EXACT: parsing.EXACT_BOOST, index_schema.TITLE: parsing.TITLE_BOOST}
    words_parser = qparser.MultifieldParser([index_schema.TEXT, index_schema.TEXT_EXACT], schema, fieldboosts=boosts, group=qparser.OrGroup, plugins=[])
    plain = lexicon.SYNTAX.sub(" ", text)
    assert parsing._words_query(schema, [index_schema.TEXT, index_schema.TEXT_EXACT], plain, boosts) == words_parser.parse(plain)
    titles_parser = qparser.MultifieldParser([index_schema.TITLE], schema, fieldboosts=boosts, group=qparser.OrGroup, plugins=[])
    assert parsing._words_query(schema, [index_schema.TITLE], plain, boosts) == titles_parser.parse(plain)


@SETTINGS
@given(hostile_text)
def test_snippets_never_carry_markup_of_their_own(text):
    html = snippet(text + " كتاب", {"كتاب"}, set())
    assert "<mark>" in html
    assert "<" not in html.replace("<mark>", "").replace("</mark>", "")


@SETTINGS
@given(hostile_text, st.lists(st.sampled_from(["كتاب", "وزاره", "لا", "الله", "ا", "امريك"]), max_size=3), st.data())
def test_snippets_mark_exactly_the_words_whose_stem_or_form_was_matched(text, stems, data):
    words = [(word.span(), normalize(word.group())) for word in TOKEN_PATTERN.finditer(text)]
    forms = [word for _, form in words for word in form_words(form)]  # the words the exact field holds
    exact_forms = set(data.draw(st.lists(st.sampled_from(forms), max_size=2))) if forms else set()
    stems = set(stems)
    expected = [span for span, form in words if not exact_forms.isdisjoint(form_words(form)) or not stems.isdisjoint(form_stems(form))]
    assert matched_spans(text, stems, exact_forms) == (expected if stems or exact_forms else [])


@SETTINGS
@given(hostile_text, st.sampled_from(["كتاب", "وزاره", "الله", "امريك"]), st.integers(1, 3))
def test_a_phrase_of_one_word_marks_what_the_word_marks(text, stem, slop):
    assert matched_spans(text, set(), set(), (((stem,), slop),)) == matched_spans(text, {stem}, set())


def test_a_phrase_of_a_repeated_word_over_a_paragraph_of_it_is_marked_at_once():
    # Every chain of positions would be C(200, 7); the words that make the phrase are found in one pass each way.
    text = " ".join(["الحكومة"] * 200)
    assert len(matched_spans(text, set(), set(), ((("حكوم",) * 7, 200),))) == 200
    assert matched_spans(text, set(), set(), ((("حكوم",) * 201, 1),)) == []  # longer than the paragraph


def test_a_long_run_of_small_alefs_is_tokenized_at_once():
    # The pattern of the Uthmani vocative (يٰ before a word) once tried every split of such a run.
    terms = index_terms("الكتاب ي" + "\u0670" * 100_000 + " الكتاب")
    assert terms[0] == terms[-1] == "كتاب"


def test_a_paragraph_past_the_analysed_length_is_cut_at_a_space():
    assert matched_spans(" " * 99_997 + "سوريا تعلن", {"سور"}, set()) == []  # not سور, the start of سوريا


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
