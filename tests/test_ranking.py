"""Ranking: question words and marks, prefix variants, n-grams, BM25 with Lucene's idf, rescoring,
batch ranking of documents and evaluation sets scored in one command."""

import math

import pytest
from click.testing import CliRunner

from search_service.arabic import (
    STEM_EXCLUSIONS, WORD_QUERY_MODE, analyzer, index_terms, ngram_text, normalize, query_terms, stem, word_ngrams,
)
from search_service.arabic.stemming import prefix_variant, waw_variant
from search_service.cli import main
from search_service.evaluation_sets import evaluate_set, splits_of
from search_service.indexing import LiveIndex
from search_service.indexing import schema as index_schema
from search_service.indexing.schema import build_schema
from search_service.search import QueryError, SearchRequest, collection, ranking, search
from search_service.search.index_arrays import column_values
from search_service.search.query import parse_query, wanted_words, weighted_wanted_words
from search_service.search.runs import rank_documents

from conftest import index_records, write_jsonl


def terms(q):
    return {text for _, text in parse_query(q, build_schema()).all_terms()}


@pytest.fixture(scope="module")
def seeds(seeds_index):
    return LiveIndex(seeds_index)


def ids(live, q):
    return [r["id"] for r in search(live, SearchRequest(q=q, per_page=100)).results]


def test_arabic_question_mark_is_punctuation_not_a_wildcard(seeds):
    assert ids(seeds, "ما هي أهداف التحالف؟") == ids(seeds, "ما هي أهداف التحالف")
    assert ids(seeds, "التحالف؟")


def test_question_words_are_dropped_from_queries_only_beside_other_words():
    assert "ماهي" not in terms("ماهي أهداف التحالف")
    assert "فكيف" not in terms("فكيف تشكل التحالف")
    assert "ماهي" in terms("ماهي")


def test_wanted_words_leave_out_excluded_expanding_and_question_words():
    assert wanted_words('ماهي "وزير الخارجية" +داعش -العراق التحال* مَجْ* title:موزمبيق ليس مصر؟') == [
        "وزير", "الخارجية", "داعش", "موزمبيق",
    ]


def test_wanted_words_carry_the_boost_of_their_word_or_phrase():
    assert weighted_wanted_words('"وزير الخارجية"^2 داعش موزمبيق^0.5 مصر^.') == [
        ("وزير", 2.0), ("الخارجية", 2.0), ("داعش", 1.0), ("موزمبيق", 0.5), ("مصر", 1.0),
    ]


def test_a_boost_weighs_in_the_rescoring_too(seeds):
    """The rescoring's n-grams and word pairs weigh a word by its boost, as the first stage does."""
    first = search(seeds, SearchRequest(q="داعش موزمبيق")).results[0]
    assert "موزمبيق" in first["text"]
    slight = {r["id"]: r["score"] for r in search(seeds, SearchRequest(q="داعش موزمبيق^0.01")).results}
    assert "موزمبيق" not in next(iter(slight)) and slight[first["id"]] < first["score"] / 5


@pytest.mark.parametrize("word, variant", [("لقومه", "قوم"), ("بصبر", "صبر"), ("فقال", "قال"), ("بيتهم", "يتهم")])
def test_a_word_with_a_one_letter_prefix_has_a_variant_stem(word, variant):
    assert prefix_variant(word) == variant


@pytest.mark.parametrize(
    "written, variant", [("هجوماً", "هجوم"), ("قائمًا", "قاءم"), ("تهديدا", "تهديد"), ("افتراضيًا", "افتراض"), ("أمريكا", "امريك")],
)
def test_a_word_ending_in_the_accusative_alef_is_also_indexed_without_it(written, variant):
    assert variant in index_terms(written)


@pytest.mark.parametrize("written", ["سوريا", "جدا", "البابا", "قالوا", "إنما", "كلما", "كوبا"])
def test_a_country_a_short_word_a_protected_one_or_a_plural_verb_keeps_its_alef(written):
    assert index_terms(written) == [stem(normalize(written))]


def test_a_query_word_finds_its_accusative_form(seeds):
    assert "001_93b21bcfa360256c#17" in ids(seeds, "هجوم")  # شن هجوماً على مدينة بالما


@pytest.mark.parametrize("word", ["قوم", "بيت", "بالقوم", "لبنان", "وقال", "كامل", "كافة"])
def test_short_protected_and_article_words_have_no_variant(word):
    assert prefix_variant(word) is None


def test_variants_are_indexed_and_looked_up_by_query_words_at_the_same_position():
    indexed = [(t.text, t.pos) for t in analyzer()("لقومه بيتهم", positions=True)]
    assert indexed == [("لقوم", 0), ("قوم", 0), ("بيتهم", 1), ("يتهم", 1)]
    assert [(t.text, t.pos) for t in analyzer()("لقومه بيتهم", mode=WORD_QUERY_MODE, positions=True)] == indexed
    assert [t.text for t in analyzer()("لقومه بيتهم", mode="query")] == ["لقوم", "بيتهم"]


def test_a_query_word_finds_its_form_with_a_one_letter_prefix(tmp_path):
    live = index_records(tmp_path, [{"id": "a", "text": "وقال موسى لقومه اصبروا"}, {"id": "b", "text": "نص آخر"}])
    assert ids(live, "قوم موسى") == ["a#1"]
    assert "<mark>لقومه</mark>" in search(live, SearchRequest(q="قوم")).results[0]["snippet"]


def test_a_query_word_with_a_one_letter_prefix_finds_the_word_without_it(tmp_path):
    live = index_records(tmp_path, [
        {"id": "bare", "text": "زار الوفد سويسرا في الربيع"},
        {"id": "prefixed", "text": "عاد الوفد لسويسرا بعد عام"},
        {"id": "other", "text": "نص آخر عن الربيع"},
    ])
    assert ids(live, "لسويسرا") == ["prefixed#1", "bare#1"]  # its own form first
    assert "<mark>سويسرا</mark>" in search(live, SearchRequest(q="لسويسرا")).results[1]["snippet"]
    # A phrase's words keep one term each: the variant is no word of the phrase.
    assert ids(live, '"الوفد لسويسرا"') == ["prefixed#1"]


@pytest.mark.parametrize(
    "word, variant",
    [("وصول", "وصول"), ("الوصول", "صول"), ("وظيفه", "وظيف"), ("الوظيفه", "ظيف"), ("وزير", None), ("الوقت", None), ("كتاب", None)],
)
def test_a_leading_waw_read_the_other_way_gives_a_variant(word, variant):
    assert waw_variant(word) == variant


def test_a_query_word_beginning_with_waw_finds_the_word_with_the_article_and_back(tmp_path):
    live = index_records(tmp_path, [
        {"id": "bare", "text": "تأخر وصول الوفد إلى الفندق"},
        {"id": "article", "text": "بعد الوصول إلى العاصمة عقد الوفد مؤتمرا"},
        {"id": "other", "text": "نص آخر عن الوفد"},
    ])
    assert sorted(ids(live, "وصول")) == sorted(ids(live, "الوصول")) == ["article#1", "bare#1"]
    assert "<mark>الوصول</mark>" in search(live, SearchRequest(q="وصول")).results[1]["snippet"]
    # Indexing keeps one term per word: the variant is looked up, not indexed.
    assert [t.text for t in analyzer()("وصول الوصول")] == ["صول", "وصول"]
    assert ids(live, '"وصول الوفد"') == ["bare#1"]


@pytest.mark.parametrize(
    "word, terms",
    [("حكومتهم", ["حكومتهم", "حكوم"]), ("وظيفتها", ["ظيفت", "ظيف"]), ("حياتها", ["حي", "حيا"]), ("بيتهم", ["بيتهم", "يتهم"])],
    ids=["pronoun light10 keeps", "pronoun light10 removes", "after ات", "too short to restore"],
)
def test_a_noun_ending_in_ta_before_a_pronoun_is_also_indexed_as_ending_in_ta_marbuta(word, terms):
    assert [t.text for t in analyzer()(word)] == terms


def test_a_noun_with_a_pronoun_and_the_noun_alone_find_each_other(tmp_path):
    live = index_records(tmp_path, [
        {"id": "pronoun", "text": "أعلن الوزير أن حكومتهم ستدعم الوظيفة العامة"},
        {"id": "alone", "text": "قالت الحكومة إن وظيفتها حماية المواطنين"},
        {"id": "other", "text": "نص آخر عن المواطنين"},
    ])
    assert sorted(ids(live, "الحكومة")) == sorted(ids(live, "حكومتهم")) == ["alone#1", "pronoun#1"]
    assert sorted(ids(live, "وظيفة")) == sorted(ids(live, "وظيفتها")) == ["alone#1", "pronoun#1"]
    snippets = " ".join(r["snippet"] for r in search(live, SearchRequest(q="الحكومة")).results)
    assert "<mark>حكومتهم</mark>" in snippets and "<mark>الحكومة</mark>" in snippets


def test_a_protected_noun_is_marked_where_a_pronoun_follows_it(tmp_path):
    live = index_records(tmp_path, [{"id": "a", "text": "أكدت الوزارة أن وزارته لم تتلق أي طلب"}])
    assert "وزاره" in STEM_EXCLUSIONS  # kept whole, ه and all: its stem is no piece of وزارته
    snippet = search(live, SearchRequest(q="الوزارة")).results[0]["snippet"]
    assert "<mark>الوزارة</mark>" in snippet and "<mark>وزارته</mark>" in snippet


def test_word_ngrams_mark_word_edges_and_drop_the_article_and_stop_words():
    assert word_ngrams("الصبر") == ("_صب", "صبر", "بر_")
    assert word_ngrams("في") == ()
    assert word_ngrams("Q") == ("_q_",)


def test_ngram_text_counts_each_ngram_as_often_as_the_words_have_it():
    text = ngram_text("الصبر في صبر، وأساسا")
    assert text == "_صبر_ _صبر_ _واساسا_ "
    assert text.count("صبر") == 2
    assert len(text) - 3 * text.count(" ") == sum(len(word_ngrams(w)) for w in ["الصبر", "صبر", "وأساسا"])



def test_rescoring_reads_the_analysis_of_each_paragraph_stored_at_indexing(seeds):
    with seeds.searcher() as searcher:
        docnums = range(searcher.doc_count_all())
        forms = column_values(searcher, index_schema.RESCORING_FORMS, docnums)
        for docnum in docnums:
            stored = searcher.stored_fields(docnum)
            terms, title_ngrams, text_ngrams = index_schema.rescoring_parts(forms[docnum])
            assert terms.split() == index_terms(stored[index_schema.TEXT])
            assert (title_ngrams, text_ngrams) == (ngram_text(stored[index_schema.TITLE]), ngram_text(stored[index_schema.TEXT]))


def test_index_terms_are_the_analyzer_terms():
    text = "وَقالَ موسى لِقومِهِ: اصبروا، إنَّ الأرضَ لله."
    assert index_terms(text) == [t.text for t in analyzer()(text)]


def test_query_terms_are_one_per_word_without_the_prefix_variants():
    assert index_terms("لقومه الكتاب في البيت") == ["لقوم", "قوم", "كتاب", "بيت"]
    assert query_terms("لقومه الكتاب في البيت") == ["لقوم", "كتاب", "بيت"]


def test_idf_is_lucenes_and_vanishes_for_a_term_in_every_paragraph(tmp_path):
    live = index_records(tmp_path, [{"id": str(i), "text": f"كتاب رقم {i}"} for i in range(4)] + [
        {"id": "x", "text": "قلم"},
    ])
    with live.searcher(weighting=ranking.weighting()) as searcher:
        assert searcher.idf(index_schema.TEXT, stem("كتاب")) == pytest.approx(math.log(1 + 1.5 / 4.5))
        assert searcher.idf(index_schema.TEXT, "قلم") == pytest.approx(math.log(1 + 4.5 / 1.5))


@pytest.fixture
def related_forms(tmp_path):
    # a and b match the query's word قوم equally; only b has a form of صبر (يصبرون), whose stem differs.
    return index_records(tmp_path, [
        {"id": "a", "text": "قوم سكنوا الجبال والسهول"},
        {"id": "b", "text": "قوم يصبرون الجبال والسهول"},
        {"id": "c", "text": "حديث عن البحر والسفن"},
    ])


def test_ngram_rescoring_ranks_a_related_word_form_first(related_forms, monkeypatch):
    assert ids(related_forms, "قوم الصبر") == ["b#1", "a#1"]
    for weight in ("NGRAM_WEIGHT", "PROXIMITY_WEIGHT", "FEEDBACK_WEIGHT"):
        monkeypatch.setattr(ranking, weight, 0.0)
    page = search(related_forms, SearchRequest(q="قوم الصبر"))
    assert page.results[0]["score"] == page.results[1]["score"]


def test_ngram_rescoring_reads_the_title_too(tmp_path, monkeypatch):
    # a and b match the query's word قوم equally in their text; only b's title has a form of صبر.
    live = index_records(tmp_path, [
        {"id": "a", "title": "أهل يسكنون", "text": "قوم سكنوا الجبال"},
        {"id": "b", "title": "أهل يصبرون", "text": "قوم سكنوا السهول"},
        {"id": "c", "title": "البحر", "text": "حديث عن البحر والسفن"},
    ])
    for weight in ("PROXIMITY_WEIGHT", "FEEDBACK_WEIGHT"):
        monkeypatch.setattr(ranking, weight, 0.0)
    assert ids(live, "قوم الصبر") == ["b#1", "a#1"]
    monkeypatch.setattr(ranking, "TITLE_NGRAM_WEIGHT", 0)
    page = search(live, SearchRequest(q="قوم الصبر"))
    assert page.results[0]["score"] == page.results[1]["score"]


def test_proximity_ranks_the_query_words_in_order_within_a_few_words_first(tmp_path, monkeypatch):
    # The same words in each paragraph: side by side in the query's order, one word apart, reversed.
    live = index_records(tmp_path, [
        {"id": "reversed", "text": "الأمن ناقش أزمة المياه في المدينة مجلس"},
        {"id": "apart", "text": "مجلس ناقش الأمن أزمة المياه في المدينة"},
        {"id": "together", "text": "مجلس الأمن ناقش أزمة المياه في المدينة"},
    ])
    for weight in ("NGRAM_WEIGHT", "FEEDBACK_WEIGHT"):
        monkeypatch.setattr(ranking, weight, 0.0)
    page = search(live, SearchRequest(q="مجلس الأمن"))
    scores = {r["id"]: r["score"] for r in page.results}
    assert scores["together#1"] == scores["apart#1"] > scores["reversed#1"]
    monkeypatch.setattr(ranking, "PROXIMITY_WEIGHT", 0.0)
    assert len({r["score"] for r in search(live, SearchRequest(q="مجلس الأمن")).results}) == 1


def test_a_document_stands_for_its_best_paragraph_after_rescoring(tmp_path, monkeypatch):
    # The document's two paragraphs hold the same words and tie in the first stage, which prefers
    # the first; only the second has them in the query's order, as the rescoring rewards.
    live = index_records(tmp_path, [
        {"id": "doc", "text": "الأمن ناقش أزمة المياه في المدينة مجلس\nمجلس الأمن ناقش أزمة المياه في المدينة"},
        {"id": "other", "text": "مجلس المدينة ناقش أزمة المياه"},
    ])
    for weight in ("NGRAM_WEIGHT", "FEEDBACK_WEIGHT"):
        monkeypatch.setattr(ranking, weight, 0.0)
    paragraphs = search(live, SearchRequest(q="مجلس الأمن"))
    documents = search(live, SearchRequest(q="مجلس الأمن", collapse="document"))
    assert [r["id"] for r in paragraphs.results] == ["doc#2", "doc#1", "other#1"]
    assert [r["id"] for r in documents.results] == ["doc#2", "other#1"]
    assert documents.results[0]["score"] == paragraphs.results[0]["score"]
    assert documents.results[0]["matched_paragraphs"] == 2
    ranked = rank_documents(live, [("q", "مجلس الأمن")], k=10)["q"]
    assert [document for document, _ in ranked] == ["doc", "other"]
    assert ranked[0][1] == pytest.approx(paragraphs.results[0]["score"], abs=1e-4)


def test_rescoring_reorders_but_keeps_the_matches_and_totals(seeds, monkeypatch):
    rescored = search(seeds, SearchRequest(q="التحالف الدولي ضد داعش", per_page=100))
    for weight in ("NGRAM_WEIGHT", "PROXIMITY_WEIGHT", "FEEDBACK_WEIGHT"):
        monkeypatch.setattr(ranking, weight, 0.0)
    first_stage = search(seeds, SearchRequest(q="التحالف الدولي ضد داعش", per_page=100))
    assert rescored.total == first_stage.total
    assert {r["id"] for r in rescored.results} == {r["id"] for r in first_stage.results}
    scores = [r["score"] for r in rescored.results]
    assert scores == sorted(scores, reverse=True)


def test_paging_through_rescored_results_shows_each_once(seeds):
    seen = [r["id"] for page in (1, 2, 3) for r in search(seeds, SearchRequest(q="داعش", per_page=4, page=page)).results]
    assert len(seen) == len(set(seen)) == len(ids(seeds, "داعش")[:12])


def test_batch_ranking_lists_a_document_once_by_its_best_paragraph(tmp_path):
    live = index_records(tmp_path, [
        {"id": "d1", "text": "التحالف الدولي\nالتحالف الدولي ضد داعش في العراق"},
        {"id": "d2", "text": "داعش في سوريا"},
    ])
    ranking_ = rank_documents(live, [("q", "التحالف ضد داعش؟"), ("empty", "في من"), ("signs", "ال?*")], k=10)
    assert [d for d, _ in ranking_["q"]] == ["d1", "d2"]
    assert ranking_["empty"] == ranking_["signs"] == []


def test_a_search_past_its_time_limit_is_refused_and_ranks_nothing_in_a_batch(tmp_path, monkeypatch):
    # A phrase looks at the time every 256 paragraphs that hold its words.
    live = index_records(tmp_path, [{"id": f"d{n}", "text": f"قال الوزير في المؤتمر رقم {n}"} for n in range(300)])
    monkeypatch.setattr(collection, "SEARCH_TIME_LIMIT", -1.0)  # every search is already late
    with pytest.raises(QueryError) as refused:
        search(live, SearchRequest(q='"قال الوزير"'))
    assert refused.value.reason == "too_slow"
    ranked = rank_documents(live, [("late", '"قال الوزير"'), ("on time", "المؤتمر 7")], k=10)
    assert ranked["late"] == [] and ranked["on time"][0][0] == "d7"


@pytest.fixture
def evaluation_set(tmp_path):
    folder = tmp_path / "tiny"
    folder.mkdir()
    write_jsonl(folder / "corpus.jsonl", [
        {"id": "p1", "text": "الصبر مفتاح الفرج"}, {"id": "p2", "text": "البحر واسع عميق"}, {"id": "p3", "text": "الجبال رواسي"},
    ])
    (folder / "queries.train.tsv").write_text("1\tما هو مفتاح الفرج؟\n2\tكيف هو البحر؟\n", encoding="utf-8")
    (folder / "qrels.train.txt").write_text("1 0 p1 1\n2 0 p2 1\n", encoding="utf-8")
    (folder / "queries.dev.tsv").write_text("3\tأين الجبال؟\n", encoding="utf-8")
    (folder / "qrels.dev.txt").write_text("3 0 p3 1\n", encoding="utf-8")
    (folder / "queries.test.tsv").write_text("4\tبلا أحكام\n", encoding="utf-8")
    return folder


def test_an_evaluation_set_is_indexed_and_scored_split_by_split(evaluation_set):
    assert splits_of(evaluation_set) == ["train", "dev"]
    results = evaluate_set(evaluation_set)
    assert list(results) == ["tiny train", "tiny dev", "tiny train+dev"]
    assert [results[name]["queries"] for name in results] == [2, 1, 3]
    assert all(results[name]["MRR@10"] == 1.0 for name in results)


def test_splits_with_the_same_query_ids_are_scored_together_as_separate_queries(evaluation_set):
    (evaluation_set / "queries.dev.tsv").write_text("1\tأين الجبال؟\n", encoding="utf-8")
    (evaluation_set / "qrels.dev.txt").write_text("1 0 p3 1\n", encoding="utf-8")
    results = evaluate_set(evaluation_set)
    assert results["tiny train+dev"]["queries"] == 3 and results["tiny train+dev"]["MRR@10"] == 1.0


def test_evaluate_command_scores_collections_in_one_call(evaluation_set):
    result = CliRunner().invoke(main, ["evaluate", "--collection", str(evaluation_set), "--split", "dev"])
    assert result.exit_code == 0, result.output
    assert "| tiny dev | 1 | 1.0000 |" in result.output
    missing = CliRunner().invoke(main, ["evaluate", "--collection", str(evaluation_set), "--split", "test"])
    assert missing.exit_code == 1 and "qrels.test.txt" in missing.output
    both = CliRunner().invoke(main, ["evaluate", "--collection", str(evaluation_set), "--queries", "x"])
    assert both.exit_code == 2


def test_evaluating_a_set_on_an_index_of_another_corpus_warns(evaluation_set, seeds_index):
    result = CliRunner().invoke(main, ["evaluate", "--collection", str(evaluation_set), "--split", "dev", "--index", str(seeds_index)])
    assert result.exit_code == 0 and "| tiny dev | 1 | 0.0000 |" in result.stdout
    assert f"no query found a relevant document; is {seeds_index} an index of its corpus?" in result.stderr
    result = CliRunner().invoke(main, [
        "evaluate", "--queries", str(evaluation_set / "queries.dev.tsv"), "--qrels", str(evaluation_set / "qrels.dev.txt"),
        "--index", str(seeds_index),
    ])
    assert result.exit_code == 0 and "no query found a relevant document" in result.stderr
