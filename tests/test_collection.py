"""Collecting matches with numpy gives Whoosh's scores and order, one result per duplicate group, exact counts."""

import collections
import datetime
import math
import random

import pytest
from whoosh import query, scoring

from search_service.indexing import LiveIndex, writing
from search_service.indexing import schema as index_schema
from search_service.search import expansion, index_arrays
from search_service.search.collection import Facet, collect, group_others
from search_service.search.expansion import expanded
from search_service.search.index_arrays import largest_groups
from search_service.search.query import parse_query
from search_service.search.ranking import weighting

from conftest import index_records

QUERIES = [
    "التحالف الدولي", "وزراء الخارجية في العراق", '"التحالف الدولي"', "الاستقرار*", "داعش -العراق", "title:التحالف",
    "+التحالف +الدولي داعش", "التحالف AND (الدولي OR داعش)", "موزمبيق~",
    '"وزراء خارجية التحالف"', '"التحالف الدولي" -العراق', '"الدولي التحالف" داعش',
    "الناتو 18 شباط",  # a month and its other names, scored by the best of them
    "وز*", "وزير~2", "وز?ر*",  # words that stand for several index words
    '"الدولي والقانون الدولي"', '"الدولي الدولي"~2',  # a word twice in a phrase
    "نتائج", "نتائج الكاملة داعش", '"نتائج اجتماع"',  # words of a headline, found in the article's first paragraph
    "NOT داعش", "NOT (داعش OR العراق)",  # every paragraph but those
]


@pytest.fixture(scope="module")
def searcher(seeds_index):
    with LiveIndex(seeds_index).searcher(weighting=weighting()) as searcher:
        yield searcher


def whoosh_ranking(searcher, q, search_filter=None):
    """Every match as Whoosh's own collector ranks it: (document number, score), best first."""
    return [(hit.docnum, hit.score) for hit in searcher.search(q, limit=None, filter=search_filter)]


def first_of_each_group(searcher, ranking):
    seen, kept = set(), []
    for docnum, score in ranking:
        group = searcher.stored_fields(docnum)[index_schema.DUPLICATE_GROUP]
        if group not in seen:
            seen.add(group)
            kept.append((docnum, score))
    return kept


@pytest.mark.parametrize("text", QUERIES)
def test_scores_and_order_are_whooshs_with_one_result_per_group(searcher, text):
    # Whoosh's search scores a word that stands for several index words by a constant; its
    # matchers, as here, by the sum of the words' scores: the expanded query is compared.
    q = expanded(searcher, parse_query(text, searcher.schema))
    ranking = whoosh_ranking(searcher, q)
    expected = first_of_each_group(searcher, ranking)
    collected = collect(searcher, q, 1000, index_schema.DUPLICATE_GROUP)
    # Whoosh sums a small index's unions in another order, so the last bit of a score may differ.
    assert ranking and [d for d, _ in collected.top] == [d for d, _ in expected]
    assert [s for _, s in collected.top] == pytest.approx([s for _, s in expected], rel=1e-12)
    assert collected.total == len(ranking) and collected.groups == len(expected)


def test_term_scores_kept_from_one_weighting_are_not_given_for_another(seeds_index, searcher):
    """A term's scores are kept with its postings, per weighting: Whoosh's own BM25F, asked after
    ours on the same segments, gets its own scores."""
    q = expanded(searcher, parse_query("التحالف الدولي", searcher.schema))
    ours = collect(searcher, q, 1000, index_schema.DUPLICATE_GROUP)
    with LiveIndex(seeds_index).searcher(weighting=scoring.BM25F()) as whooshs:
        theirs = collect(whooshs, q, 1000, index_schema.DUPLICATE_GROUP)
        expected = first_of_each_group(whooshs, whoosh_ranking(whooshs, q))
    assert [s for _, s in theirs.top] == pytest.approx([s for _, s in expected], rel=1e-12)
    assert [s for _, s in theirs.top] != [s for _, s in ours.top]
    assert collect(searcher, q, 1000, index_schema.DUPLICATE_GROUP) == ours


def expanding_words(q):
    if type(q) in (query.Prefix, query.Wildcard, query.FuzzyTerm):
        return [q]
    return [word for child in q.children() for word in expanding_words(child)]


@pytest.mark.parametrize("text", ["وز*", "وز?ر*", "وزير~2", "موزمبيق~", "التحال*"])
def test_a_word_with_a_wildcard_or_a_tilde_stands_for_the_index_words_whoosh_finds(searcher, text):
    words = expanding_words(parse_query(text, searcher.schema))
    assert words
    for word in words:
        ours = expansion._expansion(searcher, word)
        whooshs = {w.decode() if isinstance(w, bytes) else w for w in word._btexts(searcher.reader())}
        most = expansion.MAX_FUZZY_EXPANSIONS if type(word) is query.FuzzyTerm else expansion.MAX_PATTERN_EXPANSIONS
        assert set(ours) <= whooshs and len(ours) == min(len(whooshs), most)


def test_each_fields_vocabulary_is_read_once_whatever_is_read_after_it(searcher):
    """Prefix, wildcard and fuzzy words, did-you-mean and the n-gram statistics read the vocabularies
    of three fields, which the warm-up reads ahead: none is read again for another."""
    read = [index_arrays.vocabulary(searcher, name) for name in (index_schema.TEXT, index_schema.TEXT_EXACT, index_schema.TITLE)]
    again = [index_arrays.vocabulary(searcher, name) for name in (index_schema.TITLE, index_schema.TEXT_EXACT, index_schema.TEXT)]
    assert all(first is second for first, second in zip(read, reversed(again)))
    assert "وزراء" in read[1][0]


def test_a_fuzzy_word_stands_for_the_closest_words_then_the_most_frequent(searcher, monkeypatch):
    monkeypatch.setattr(expansion, "MAX_FUZZY_EXPANSIONS", 2)
    monkeypatch.setattr(expansion, "MAX_PATTERN_EXPANSIONS", 2)
    fuzzy = query.FuzzyTerm(index_schema.TEXT, "وزير", maxdist=2, prefixlength=0)
    assert expansion._expansion(searcher, fuzzy)[0] == "وزير"
    prefix = expansion._expansion(searcher, query.Prefix(index_schema.TEXT, "وز"))
    assert len(prefix) == 2 and "وزراء" in prefix  # the most frequent of the words beginning with وز


def test_a_phrase_searched_again_finds_what_it_found_the_first_time(searcher):
    """The paragraphs a phrase matches are kept per segment; the next search reads them from there."""
    phrase = parse_query('"وزراء خارجية"', searcher.schema)
    near = parse_query('"وزراء خارجية"~3', searcher.schema)
    first, again, slop = (collect(searcher, q, 1000, index_schema.DUPLICATE_GROUP) for q in (phrase, phrase, near))
    assert first.top and again == first
    assert [d for d, _ in slop.top] != [d for d, _ in first.top]  # another slop is another phrase
    assert [d for d, _ in slop.top] == [d for d, _ in first_of_each_group(searcher, whoosh_ranking(searcher, near))]


def test_phrases_match_where_whoosh_matches_them_however_often_their_words_repeat(tmp_path):
    rnd = random.Random(5)
    words = ["كتاب", "قلم", "بيت"]
    # The last paragraph repeats its words 1,050 times, within the 5,000 characters of one paragraph.
    texts = [" ".join(rnd.choices(words, k=rnd.randint(3, 40))) for _ in range(80)] + [" ".join(words * 350)]
    live = index_records(tmp_path, [{"id": f"p{n}", "text": text} for n, text in enumerate(texts)])
    with live.searcher(weighting=weighting()) as searcher:
        for phrase in (["كتاب", "قلم"], ["كتاب", "قلم", "بيت"], ["بيت", "كتاب", "كتاب"], ["قلم", "قلم"]):
            for slop in (1, 2, 3):
                q = query.Phrase(index_schema.TEXT, phrase, slop=slop)
                expected = sorted(d for d, _ in whoosh_ranking(searcher, q))
                assert sorted(d for d, _ in collect(searcher, q, 1000, index_schema.DOCUMENT_ID).top) == expected, (phrase, slop)


def test_words_a_segment_lacks_are_remembered_within_the_postings_cache(tmp_path, monkeypatch):
    """A lacking word is looked up once, and remembered words of any kind stay within the cache's bytes."""
    monkeypatch.setattr(index_arrays, "POSTINGS_CACHE_BYTES", 100 * index_arrays.KEPT_ENTRY_BYTES)
    live = index_records(tmp_path, [{"id": "a", "text": "وزراء الخارجية"}])
    with live.searcher(weighting=weighting()) as searcher:
        words = [f"كلمه{n}" for n in range(300)]
        for word in words * 2:
            assert collect(searcher, parse_query(word, searcher.schema), 10, index_schema.DUPLICATE_GROUP).total == 0
        assert collect(searcher, parse_query("وزراء", searcher.schema), 10, index_schema.DUPLICATE_GROUP).total == 1
        (subsearcher, _), = searcher.leaf_searchers()
        arrays = index_arrays.segment_arrays(subsearcher.reader())
        assert arrays.postings_kept.used <= index_arrays.POSTINGS_CACHE_BYTES
        assert len(arrays.postings_kept.values) <= 100
        assert any(kept is index_arrays.NO_POSTINGS for kept, _ in arrays.postings_kept.values.values())


def test_each_result_lists_the_other_paragraphs_of_its_group(searcher):
    collected = collect(searcher, parse_query("التحالف", searcher.schema), 1000, index_schema.DUPLICATE_GROUP)
    docnums = [docnum for docnum, _ in collected.top]
    listed = group_others(searcher, docnums, index_schema.DUPLICATE_GROUP)
    assert any(listed)
    for docnum, others in zip(docnums, listed):
        group = searcher.stored_fields(docnum)[index_schema.DUPLICATE_GROUP]
        members = {hit.docnum for hit in searcher.search(query.Term(index_schema.DUPLICATE_GROUP, group), limit=None)}
        assert set(others) == members - {docnum}


def test_the_largest_groups_are_given_whole_the_largest_first(searcher):
    group_of = [searcher.stored_fields(d)[index_schema.DUPLICATE_GROUP] for d in range(searcher.doc_count_all())]
    sizes = collections.Counter(group_of)
    copied = [d for d, group in enumerate(group_of) if sizes[group] > 1]
    chosen = largest_groups(searcher, index_schema.DUPLICATE_GROUP, len(copied))
    assert copied and sorted(chosen) == copied
    assert [sizes[group_of[d]] for d in chosen] == sorted((sizes[group_of[d]] for d in chosen), reverse=True)
    largest = largest_groups(searcher, index_schema.DUPLICATE_GROUP, max(sizes.values()) + 1)
    assert len({group_of[d] for d in largest}) == 1 and len(largest) == max(sizes.values())


def test_filter_restricts_matches_and_facet_filter_sets_the_counts(searcher):
    q = parse_query("التحالف", searcher.schema)
    sources = [searcher.stored_fields(d)[index_schema.SOURCE] for d, _ in whoosh_ranking(searcher, q)]
    chosen = sources[0]
    only = query.Term(index_schema.SOURCE, chosen)
    collected = collect(searcher, q, 10, index_schema.DUPLICATE_GROUP, {"source": Facet(index_schema.SOURCE)}, search_filter=only)
    assert collected.total == sources.count(chosen) == len(whoosh_ranking(searcher, q, only))
    assert collected.facets == {"source": {s: sources.count(s) for s in set(sources) if s}}


def test_a_date_range_keeps_every_paragraph_dated_within_it(tmp_path):
    days = [datetime.date(2010, 1, 1) + datetime.timedelta(days=5 * n) for n in range(400)]
    records = [{"id": f"d{n:03}", "text": f"التحالف يجتمع كلمة{n}", "date": day.isoformat()} for n, day in enumerate(days)]
    within = query.TermRange(index_schema.DATE, "2011-01-01", "2013-12-31")
    with index_records(tmp_path, records).searcher(weighting=weighting()) as searcher:
        collected = collect(searcher, parse_query("التحالف", searcher.schema), 10, index_schema.DUPLICATE_GROUP, search_filter=within)
    assert collected.total == sum(datetime.date(2011, 1, 1) <= day <= datetime.date(2013, 12, 31) for day in days)


def test_query_matching_nothing_collects_nothing(searcher):
    collected = collect(searcher, query.Term(index_schema.TEXT, "غيرموجود"), 10, index_schema.DUPLICATE_GROUP, {"source": Facet(index_schema.SOURCE)})
    assert (collected.top, collected.total, collected.groups, collected.facets) == ([], 0, 0, {"source": {}})


@pytest.mark.parametrize("sort_field", [None, index_schema.DATE], ids=["by score", "by date"])
def test_a_large_group_at_the_top_does_not_crowd_out_the_others(tmp_path, sort_field):
    # The 40 copies rank first, so the first look at the best matches (36 for 5) finds one group
    # only, and a second, wider one (144 of the 240) is needed.
    copy = "التحالف التحالف التحالف يجتمع في روما لبحث مواجهة التنظيم في أفريقيا وآسيا والشرق الأوسط"
    records = [{"id": f"copy{n:02}", "text": copy, "date": "2024-01-01"} for n in range(40)]
    filler = lambda n: " ".join(f"كلمة{n}و{k}" for k in range(20))  # longer, and no two alike
    records += [{"id": f"other{n:02}", "text": f"التحالف {filler(n)}", "date": "2020-01-01"} for n in range(200)]
    with index_records(tmp_path, records).searcher(weighting=weighting()) as searcher:
        q = parse_query("التحالف", searcher.schema)
        collected = collect(searcher, q, 5, index_schema.DUPLICATE_GROUP, sort_field=sort_field)
        ids = [searcher.stored_fields(d)[index_schema.ID] for d, _ in collected.top]
    assert len(ids) == 5 and ids[0].startswith("copy") and all(i.startswith("other") for i in ids[1:])
    assert (collected.total, collected.groups) == (240, 201)


def test_a_segments_lengths_and_column_values_read_at_once_are_those_whoosh_reads_one_by_one(tmp_path, monkeypatch):
    # Written by two processes, a segment each.
    monkeypatch.setattr(writing, "PARALLEL_FROM", 1)
    monkeypatch.setattr(writing, "available_cores", lambda: 2)
    live = index_records(tmp_path, [
        {"id": "titled", "text": "وزراء خارجية التحالف يجتمعون في روما", "title": "اجتماع روما", "source": "الأهرام", "date": "2024-03-29"},
        {"id": "untitled", "text": "الاقتصاد والتجارة في المنطقة العربية"},
        {"id": "republished", "text": "وزراء خارجية التحالف يجتمعون في روما", "source": "اليوم السابع"},
    ])
    with live.searcher() as searcher:
        assert len(searcher.leaf_searchers()) == 2
        for subsearcher, _ in searcher.leaf_searchers():
            reader = subsearcher.reader()
            arrays = index_arrays.SegmentArrays(reader.doc_count_all())
            documents = range(reader.doc_count_all())
            for fieldname in (index_schema.TEXT, index_schema.TITLE, index_schema.LEAD_TITLE):
                whoosh_lengths = [reader.doc_field_length(d, fieldname, 1) for d in documents]  # None where the field is empty
                assert arrays.field_lengths(reader, fieldname).tolist() == pytest.approx(
                    [math.nan if length is None else length for length in whoosh_lengths], nan_ok=True
                )
            for fieldname in (index_schema.SOURCE, index_schema.DATE, index_schema.DOCUMENT_ID, index_schema.DUPLICATE_GROUP):
                codes, values = arrays.field_codes(reader, fieldname)
                assert [values[code] for code in codes] == list(reader.column_reader(fieldname))
