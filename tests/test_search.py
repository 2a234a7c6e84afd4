"""Search over an index built from the seeds: spelling variants, snippets, phrases, duplicates."""

import collections
import datetime
import math
import random
import re
import unicodedata

import pytest
from whoosh.qparser import syntax

from search_service.arabic import analyzer, exact_analyzer, index_terms, normalize
from search_service.arabic.analysis import TOKEN_PATTERN
from search_service.indexing import LiveIndex, schema, writing
from search_service.ingest.metadata import HIJRI_MONTHS, MONTHS
from search_service.search import QueryError, SearchRequest, get_document, is_warm, query, search, warm
from search_service.search.query import lexicon, parsing, rewriting
from search_service.search.snippets import ELLIPSIS, MAX_ANALYZED_CHARS, SNIPPET_CHARS, marked, snippet
from search_service.search.synonyms import SYNONYMS

from conftest import SEEDS, build_index, found, index_records, republished


@pytest.fixture(scope="module")
def live(seeds_index):
    return LiveIndex(seeds_index)


def ids(live, q, **kwargs):
    return [r["id"] for r in search(live, SearchRequest(q=q, per_page=100, **kwargs)).results]


def document_ids(live, q):
    """The sorted ids of the documents of a query's first 100 results."""
    return sorted(r["document"]["id"] for r in search(live, SearchRequest(q=q, per_page=100)).results)


@pytest.mark.parametrize(
    "plain, variant",
    [
        ("الخارجية", "الخارجيه"),                 # ة written as ه
        ("أعرب الوزراء", "اعرب الوزراء"),          # without hamzas
        ("الخارجية", "الخَارِجِيَّةُ"),              # with diacritics
        ("الخارجية", "الخارجـــية"),              # with tatweel
        ("2254", "٢٢٥٤"),                         # Arabic-Indic digits
        ("إفريقيا", "أفريقيا"),                    # hamza on the other side of the alef
        ("الثلاثاء", "الثلثاء"),                    # the older spelling of the day
        ("الأمريكية", "الأميركية"),                 # the two spellings of America
    ],
)
def test_spelling_variants_find_the_same_paragraphs(live, plain, variant):
    found = ids(live, plain)
    assert found
    assert ids(live, variant) == found


def test_both_spellings_of_a_word_are_found_and_marked_as_written(live):
    # The seeds spell Tuesday الثلثاء once and الثلاثاء once, in two copies of one paragraph.
    assert search(live, SearchRequest(q="الثلاثاء")).total == 2
    snippets = " ".join(r["snippet"] for r in search(live, SearchRequest(q="الأمريكية", per_page=100)).results)
    assert "<mark>الأميركية</mark>" in snippets and "<mark>الأمريكية</mark>" in snippets


def test_results_are_ranked_with_document_metadata(live):
    page = search(live, SearchRequest(q="روزا اليوسف التحالف"))
    scores = [r["score"] for r in page.results]
    assert scores == sorted(scores, reverse=True)
    dated = [r for r in page.results if r["document"]["id"] == "001_93b21bcfa360256c"]
    assert dated and dated[0]["document"]["date"] == "2024-03-29"


def test_paragraph_with_all_terms_ranks_above_one_frequent_term(live):
    top = search(live, SearchRequest(q="التحالف موزمبيق")).results[0]
    assert "موزمبيق" in top["text"] and "داعش" in top["text"]


def test_snippet_marks_the_original_vocalised_word(live):
    snippets = [r["snippet"] for r in search(live, SearchRequest(q="ابلغ الوزراء باستئناف")).results]
    assert any("<mark>وأُبلغ</mark>" in s for s in snippets)


def test_plain_spelling_finds_quranic_text_and_marks_its_words_whole(tmp_path):
    live = index_records(tmp_path, [
        {"id": "baqara", "text": "وَأَقِيمُوا۟ ٱلصَّلَوٰةَ وَءَاتُوا۟ ٱلزَّكَوٰةَ وَٱرْكَعُوا۟ مَعَ ٱلرَّٰكِعِينَ"},
        {"id": "fatiha", "text": "ٱلْحَمْدُ لِلَّهِ رَبِّ ٱلْعَٰلَمِينَ ٱلرَّحْمَٰنِ ٱلرَّحِيمِ۝٢"},
        {"id": "kfgqpc", "text": "ذَٰلِكَ ٱلۡكِتَٰبُ لَا رَيۡبَۛ فِيهِۛ هُدࣰى لِّلۡمُتَّقِينَ"},
        {"id": "fasting", "text": "يَٰٓأَيُّهَا ٱلَّذِينَ ءَامَنُوا۟ كُتِبَ عَلَيْكُمُ ٱلصِّيَامُ"},
    ])
    for q, expected in [("الصلاة", "baqara#1"), ("آتوا الزكاة", "baqara#1"), ("العالمين", "fatiha#1"),
                        ("الرحمن الرحيم", "fatiha#1"), ('"هدى للمتقين"', "kfgqpc#1"), ("الكتاب", "kfgqpc#1"),
                        ('"يا أيها الذين آمنوا"', "fasting#1")]:
        assert ids(live, q) == [expected], q
    assert "<mark>ٱلصَّلَوٰةَ</mark>" in search(live, SearchRequest(q="الصلاة")).results[0]["snippet"]
    assert "<mark>هُدࣰى</mark>" in search(live, SearchRequest(q="هدى")).results[0]["snippet"]


def test_a_hundred_is_found_in_both_spellings_and_marked_as_written(tmp_path):
    live = index_records(tmp_path, [
        {"id": "old", "text": "ارتفعت الأسعار بنسبة عشرة في المائة خلال مائة يوم"},
        {"id": "new", "text": "ارتفعت الصادرات بنسبة خمسة في المئة"},
        {"id": "water", "text": "انقطع الماء عن الحي"},
    ])
    assert sorted(ids(live, "مئة")) == sorted(ids(live, "مائة")) == ["new#1", "old#1"]
    assert ids(live, "الماء") == ["water#1"]
    snippet = next(r["snippet"] for r in search(live, SearchRequest(q="مئة")).results if r["id"] == "old#1")
    assert "<mark>المائة</mark>" in snippet and "<mark>مائة</mark>" in snippet


def test_did_you_mean_offers_an_uthmani_word_in_the_common_spelling(tmp_path):
    live = index_records(tmp_path, [{"id": "q", "text": "ذَٰلِكَ ٱلْكِتَٰبُ لَا رَيْبَ فِيهِ"}, {"id": "b", "text": "اشترى الكتب"}])
    assert search(live, SearchRequest(q="الكتاو")).suggestion == "الكتاب"  # not ٱلكتب, the books


def test_a_ligature_of_words_is_found_by_its_words_and_marked_whole(tmp_path):
    live = index_records(tmp_path, [
        {"id": "ligature", "text": "قال النبي ﷺ إن الدين يسر، وقال محمدﷺ ذلك"},
        {"id": "words", "text": "قال النبي صلى الله عليه وسلم في الحديث"},
        {"id": "other", "text": "صلى الإمام في المسجد وسلم على المصلين"},
        {"id": "allah", "text": "الله أكبر، قالها المصلون"},
    ])
    assert sorted(ids(live, '"صلى الله عليه وسلم"')) == ["ligature#1", "words#1"]
    assert sorted(ids(live, '"ﷺ"')) == sorted(ids(live, "ﷺ")) == sorted(ids(live, "title:ﷺ OR ﷺ^2")) == ["ligature#1", "words#1"]
    assert sorted(ids(live, '"محمد صلى الله"')) == ["ligature#1"]
    results = search(live, SearchRequest(q='"النبي صلى الله عليه وسلم"')).results
    snippets = {r["id"]: r["snippet"] for r in results}
    assert snippets["ligature#1"].startswith("قال <mark>النبي</mark> <mark>ﷺ</mark> إن")
    assert "<mark>محمدﷺ</mark>" not in snippets["ligature#1"]  # the phrase is not there
    assert search(live, SearchRequest(q="ﷺ")).suggestion is None


def test_a_phrase_keeps_its_negation_and_a_bag_of_words_drops_it(tmp_path):
    live = index_records(tmp_path, [
        {"id": "lawful", "text": "قالت المحكمة إن القرار شرعي ويجب تنفيذه"},
        {"id": "unlawful", "text": "قالت المحكمة إن القرار غير شرعي ولا يجب تنفيذه"},
        {"id": "welcome", "text": "القاهرة ترحب بالاتفاق الجديد"},
        {"id": "refusal", "text": "القاهرة لا ترحب بالاتفاق الجديد"},
    ])
    assert ids(live, '"القرار شرعي"') == ["lawful#1"]
    assert ids(live, '"القرار غير شرعي"') == ["unlawful#1"]
    assert ids(live, '"القاهرة ترحب"') == ["welcome#1"]
    assert ids(live, '"لا ترحب"') == ["refusal#1"]
    assert ids(live, '"لا يجب"') == ["unlawful#1"]  # written ولا يجب
    assert "<mark>لا</mark> <mark>ترحب</mark>" in search(live, SearchRequest(q='"لا ترحب"')).results[0]["snippet"]
    # Unquoted, the negation says nothing a bag of words can use: it is neither looked up nor marked.
    assert sorted(ids(live, "لا ترحب")) == ["refusal#1", "welcome#1"]
    assert "<mark>لا</mark>" not in search(live, SearchRequest(q="لا ترحب")).results[0]["snippet"]
    assert sorted(ids(live, "لا")) == ["refusal#1", "unlawful#1"]  # a query of nothing else keeps it


def test_film_is_a_word_not_a_negation(tmp_path):
    live = index_records(tmp_path, [
        {"id": "film", "text": "عرض فلم وثائقي عن الحرب"},
        {"id": "negation", "text": "ولم يعرض الوثائقي بعد"},
    ])
    assert ids(live, "لم") == ["negation#1"]
    assert ids(live, "فلم") == ["film#1"]


def test_the_name_ali_and_numbers_written_with_a_prefix_are_found(tmp_path):
    live = index_records(tmp_path, [
        {"id": "ali", "text": "التقى الرئيس بالسيد محمد علي في القاهرة"},
        {"id": "ala", "text": "وضع الكتاب على الطاولة"},
        {"id": "toll", "text": "قتل 3 أشخاص و15 آخرون"},
    ])
    assert ids(live, "علي") == ["ali#1"]
    assert ids(live, "15") == ["toll#1"]
    assert search(live, SearchRequest(q="15")).results[0]["snippet"].endswith("<mark>و15</mark> آخرون")


def test_snippet_marks_words_with_their_prefixes(live):
    snippet = search(live, SearchRequest(q="التحالف")).results[0]["snippet"]
    assert "<mark>التحالف</mark>" in snippet or "<mark>والتحالف</mark>" in snippet
    assert "<mark>" in snippet and "</mark>" in snippet


def test_every_term_of_a_word_is_a_piece_of_its_normalised_form():
    # Snippets analyse only the words whose normalised form holds a matched term.
    words = {w for path in SEEDS.glob("*.txt") for w in TOKEN_PATTERN.findall(path.read_text())}
    words |= {"وَالكِتَابُ", "لِقومِهِ", "بالمسؤولين", "فَسَيَكْفِيكَهُمُ", "الثلثاء", "٢٠١٨م"}
    for word in words:
        assert all(term in normalize(word) for term in index_terms(word) + exact_analyzer().terms(word)), word


def test_phrase_query_returns_only_paragraphs_with_the_phrase(live):
    phrase_hits = search(live, SearchRequest(q='"وزير الخارجية"', per_page=100)).results
    word_hits = search(live, SearchRequest(q="وزير الخارجية", per_page=100)).results
    assert phrase_hits and len(phrase_hits) < len(word_hits)
    for result in phrase_hits:
        assert "وزير الخارجيه" in normalize(result["text"])


def test_a_paragraph_of_megabytes_is_looked_through_for_marks_up_to_a_bound():
    text = "داعش " * 500_000  # 2.5 MB
    marked_html = marked(text, {"داعش"}, set())
    assert marked_html.count("<mark>") == MAX_ANALYZED_CHARS // len("داعش ")
    assert len(marked_html) > len(text)  # the rest is there, unmarked


def test_a_snippet_shows_two_stretches_where_the_query_words_lie_far_apart():
    filler = "وتناول الاجتماع عددا من القضايا الإقليمية والدولية ذات الاهتمام المشترك. " * 6
    text = "استقبل السفير وفد الجامعة. " + filler + "وأكد أهمية التعاون في المجالات الثقافية."
    stems = set(index_terms("السفير الثقافية"))
    html = snippet(text, stems, set())
    assert "<mark>السفير</mark>" in html and "<mark>الثقافية</mark>" in html and f" {ELLIPSIS} " in html
    assert len(re.sub("</?mark>", "", html)) <= SNIPPET_CHARS + 6
    # One word many times is shown once, in one stretch.
    assert f" {ELLIPSIS} " not in snippet(text + " السفير", set(index_terms("السفير")), set())
    # Where the densest half shows every word, one whole stretch around them.
    crowded = "كلام " * 100 + "العراق سوريا داعش" + " وقال المتحدث باسم الوزارة إن تنظيم داعش" * 6
    html = snippet(crowded, set(index_terms("العراق سوريا داعش")), set())
    assert f" {ELLIPSIS} " not in html and "<mark>العراق</mark> <mark>سوريا</mark> <mark>داعش</mark>" in html


def test_a_snippet_cut_inside_a_long_word_keeps_each_letter_with_its_marks():
    text = "كتاب " + "بِسْمِ" * 100 + " نهاية"  # no space near the cut
    shown = snippet(text, {"كتاب"}, set()).removesuffix("…").replace("<mark>", "").replace("</mark>", "")
    assert text.startswith(shown) and len(shown) < len(text)
    assert not unicodedata.category(text[len(shown)]).startswith("M")


def test_a_phrases_snippets_mark_its_words_where_they_make_it_in_any_form(live):
    snippets = " ".join(r["snippet"] for r in search(live, SearchRequest(q='"وزير الخارجية"', per_page=100)).results)
    assert "<mark>وزير</mark> <mark>الخارجية</mark>" in snippets and "<mark>ووزير</mark> <mark>الخارجية</mark>" in snippets
    assert "وزراء خارجية التحالف" in snippets  # in the same paragraph, not the phrase: not marked


def test_a_phrases_words_are_marked_only_where_they_make_it(tmp_path):
    live = index_records(tmp_path, [{"id": "d", "text": "قال وزير التجارة إن الدولة الإسلامية والمنظمات الدولية في دولة ما"}])
    marks = lambda q: re.findall("<mark>(.*?)</mark>", search(live, SearchRequest(q=q)).results[0]["snippet"])
    assert marks('"الدولة الإسلامية"') == ["الدولة", "الإسلامية"]
    assert marks("الدولة الإسلامية") == ["الدولة", "الإسلامية", "الدولية", "دولة"]
    assert marks('"وزير في الدولة"~3') == ["وزير", "الدولة"]  # stop words take no position
    page = get_document(live, "d", q='"الدولة الإسلامية"')
    assert re.findall("<mark>(.*?)</mark>", page["paragraphs"][0]["marked"]) == ["الدولة", "الإسلامية"]


def test_phrase_ranks_its_exact_spelling_first_and_needs_the_words_side_by_side(tmp_path):
    live = index_records(tmp_path, [
        {"id": "other-form", "text": "بوزير الخارجية"},
        {"id": "exact", "text": "اجتمع وزير الخارجية في العاصمة مع السفراء"},
        {"id": "apart", "text": "وزير التجارة تحدث عن الخارجية والداخلية"},
    ])
    assert [r["document"]["id"] for r in search(live, SearchRequest(q='"وزير الخارجية"')).results] == ["exact", "other-form"]


def test_near_phrase_allows_up_to_n_words_between_in_order(tmp_path):
    live = index_records(tmp_path, [
        {"id": "side-by-side", "text": "صدر قرار مجلس الأمن أمس"},
        {"id": "one-between", "text": "صدر قرار جديد من مجلس الأمن"},  # من, a stop word, is not counted
        {"id": "four-between", "text": "قرار طال انتظاره طويلا أقره مجلس الأمن"},
        {"id": "reversed", "text": "مجلس الأمن يدرس قرارا"},
    ])

    def found(q):
        return sorted(r["document"]["id"] for r in search(live, SearchRequest(q=q)).results)

    assert found('"قرار مجلس"') == found('"قرار مجلس"~0') == ["side-by-side"]
    assert found('"قرار مجلس"~1') == ["one-between", "side-by-side"]
    assert found('"قرار مجلس"~3') == ["one-between", "side-by-side"]
    assert found('"قرار مجلس"~4') == ["four-between", "one-between", "side-by-side"]
    assert found('"قرار مجلس"~1 -جديد') == ["side-by-side"]


def test_a_result_lists_as_many_duplicates_as_asked_and_counts_them_all(tmp_path):
    live = index_records(tmp_path, republished(15))
    every = search(live, SearchRequest(q="حملة التطعيم ضد شلل الأطفال")).results[0]
    assert every["duplicate_count"] == len(every["duplicates"]) == 14
    assert [d["id"] for d in every["duplicates"]] == sorted(d["id"] for d in every["duplicates"])
    for asked in 0, 3, 14, 100:
        top = search(live, SearchRequest(q="حملة التطعيم ضد شلل الأطفال", max_duplicates=asked)).results[0]
        assert top["duplicates"] == every["duplicates"][:asked] and top["duplicate_count"] == 14


def test_near_duplicates_collapse_into_one_result(live):
    page = search(live, SearchRequest(q="ثمانية ملايين شخص تحرروا من سيطرته", per_page=100))
    documents = [r["document"]["id"] for r in page.results]
    assert len(documents) == len(set(r["id"] for r in page.results))
    top = page.results[0]
    assert {top["document"]["id"], *(d["document"]["id"] for d in top["duplicates"])} >= {
        "000_b0b6bfff154b50a2", "001_93b21bcfa360256c",
    }
    assert not any(d["id"] in {r["id"] for r in page.results} for d in top["duplicates"])
    assert page.total >= len(page.results) + len(top["duplicates"])
    for duplicate in top["duplicates"]:
        document = get_document(live, duplicate["document"]["id"])
        assert duplicate["document"] == {key: document[key] for key in ("id", "title", "source", "date", "url")}
        assert duplicate["id"] in {p["id"] for p in document["paragraphs"]}


def stems(text):
    return [t.text for t in analyzer()(text)]


@pytest.mark.parametrize("options, message", [
    ({"per_page": 0}, "per_page must be 1 to 100"), ({"page": -1}, "page must be 1 or more"),
    ({"collapse": "foo"}, "collapse must be one of duplicates, document"), ({"sort": "newest"}, "sort must be one of"),
    ({"max_duplicates": -1}, "max_duplicates must be 0 or more"),
    ({"date_from": datetime.date(2024, 5, 1), "date_to": datetime.date(2024, 1, 1)}, "date_from must not be after date_to"),
])
def test_a_request_out_of_range_from_python_is_refused_by_name(options, message):
    with pytest.raises(ValueError, match=message):
        SearchRequest(q="داعش", **options)


def test_pages_count_only_the_pages_that_can_be_asked_for(tmp_path):
    live = index_records(tmp_path, [{"id": f"r{n}", "text": f"تقرير رقم {n} عن الاقتصاد"} for n in range(1_050)])
    page = search(live, SearchRequest(q="الاقتصاد", per_page=100))
    assert page.groups == 1_050 and page.pages == 10
    assert len(search(live, SearchRequest(q="الاقتصاد", per_page=100, page=page.pages)).results) == 100
    assert search(live, SearchRequest(q="الاقتصاد", per_page=3)).pages == 333


def test_a_month_is_found_by_its_other_names_below_its_own(live):
    # The seeds date one NATO meeting "18 شباط" in one article and "18 فبراير" in its copy.
    page = search(live, SearchRequest(q="شباط", per_page=100))
    assert page.results[0]["id"] == "000_b0b6bfff154b50a2#8" and "<mark>شباط</mark>" in page.results[0]["snippet"]
    assert any("6 <mark>فبراير</mark> 2019" in r["snippet"] for r in page.results[1:])
    assert found(live, "شباط") == found(live, "فبراير") == found(live, "فيفري")
    assert "4 <mark>يونيو</mark>" in search(live, SearchRequest(q="حزيران")).results[0]["snippet"]


def test_month_names_of_two_words_prefixes_and_operators(tmp_path):
    live = index_records(tmp_path, [
        {"id": "egypt", "text": "انطلقت الثورة في 25 يناير 2011"},
        {"id": "levant", "text": "عقد المؤتمر في 25 كانون الثاني 2011"},
        {"id": "maghreb", "text": "نظمت الانتخابات في 23 جانفي"},
        {"id": "second", "text": "جاء الفريق الثاني في السباق"},
    ])

    for q in ("يناير", "كانون الثاني", "بيناير"):
        assert document_ids(live, q) == ["egypt", "levant", "maghreb"]
    assert document_ids(live, "(كانون الثاني)") == document_ids(live, "(الثورة OR يناير)") == ["egypt", "levant", "maghreb"]
    assert document_ids(live, "الثاني") == ["levant", "second"]  # one word of a name is only itself
    assert document_ids(live, '"كانون الثاني"') == ["levant"]  # a phrase is taken as written
    assert document_ids(live, "الثورة -يناير") == document_ids(live, "الثورة NOT يناير") == []


def test_a_month_name_that_is_also_another_word_is_the_month_only_beside_a_date(tmp_path):
    live = index_records(tmp_path, [
        {"id": "may", "text": "التقت تيريزا ماي بالرئيس في لندن"},
        {"id": "ayyar", "text": "جرت الانتخابات في أيار 2019"},
        {"id": "practised", "text": "مارس الوزير ضغوطا على البرلمان"},
        {"id": "adhar", "text": "انعقدت القمة في 12 آذار"},
    ])

    assert document_ids(live, "تيريزا ماي") == ["may"]  # not the month May (أيار)
    assert document_ids(live, "مارس ضغوطا") == ["practised"]  # he practised, not March (آذار)
    assert document_ids(live, "ماي 2019") == document_ids(live, "شهر ماي") == ["ayyar", "may"]
    assert document_ids(live, "12 مارس") == document_ids(live, "مارس 2024م") == document_ids(live, "مارس ١٤٤٥هـ") == ["adhar", "practised"]
    assert search(live, SearchRequest(q="تيريزا ماي")).synonyms == []


def test_every_months_name_a_dateline_is_read_with_looks_up_its_other_names(tmp_path):
    for names in [*MONTHS.values(), *(names for names in HIJRI_MONTHS.values() if len(names) > 1)]:
        sets = {SYNONYMS.get(tuple(map(normalize, name.split()))) for name in names if name != "آب"}  # آب is أب
        assert len(sets) == 1 and None not in sets, names
    live = index_records(tmp_path, [
        {"id": "august", "text": "افتتح المعرض في 15 أغسطس الماضي"},
        {"id": "cheated", "text": "غشت الشركة زبائنها في الميزان"},
    ])
    assert document_ids(live, "15 غشت") == ["august", "cheated"]  # Morocco's August, beside a day
    assert document_ids(live, "غشت الشركة") == ["cheated"]  # she cheated


def test_a_hijri_months_other_name_is_looked_up_and_never_corrected(tmp_path):
    live = index_records(tmp_path, [
        {"id": "pilgrimage", "text": "يبدأ موسم الحج في الأول من ذي الحجة من كل عام"},
        {"id": "birth", "text": "ولد في شهر ربيع الثاني من العام نفسه"},
        {"id": "base", "text": "القاعدة العسكرية في شمال البلاد"},
    ])
    page = search(live, SearchRequest(q="ربيع الآخر"))
    assert [r["document"]["id"] for r in page.results] == ["birth"] and page.synonyms
    assert document_ids(live, "ذو الحجة") == ["pilgrimage"]
    assert search(live, SearchRequest(q="ذو القعدة")).suggestion is None  # was ذو القاعدة: the index lacks the month


def test_a_word_finds_its_forms_with_a_pronoun_and_a_year_its_form_with_an_era(tmp_path):
    live = index_records(tmp_path, [
        {"id": "hearts", "text": "الذين آمنوا وتطمئن قلوبهم بذكر الله"},
        {"id": "on-them", "text": "سلام عليهم بما صبروا"},
        {"id": "ali", "text": "قال علي بن أبي طالب"},
        {"id": "hijra", "text": "هاجر النبي إلى المدينة عام 622م"},
        {"id": "networks", "text": "فكك التنظيم شبكاته في المنطقة"},
    ])
    page = search(live, SearchRequest(q="القلوب"))
    assert [r["document"]["id"] for r in page.results] == ["hearts"] and "<mark>قلوبهم</mark>" in page.results[0]["snippet"]
    page = search(live, SearchRequest(q="الشبكات"))
    assert [r["document"]["id"] for r in page.results] == ["networks"] and "<mark>شبكاته</mark>" in page.results[0]["snippet"]
    assert [r["document"]["id"] for r in search(live, SearchRequest(q="علي")).results] == ["ali"]
    page = search(live, SearchRequest(q="622"))
    assert [r["document"]["id"] for r in page.results] == ["hijra"] and "<mark>622م</mark>" in page.results[0]["snippet"]


def test_a_name_of_abd_is_found_written_as_one_word_or_two(tmp_path):
    live = index_records(tmp_path, [
        {"id": "apart", "text": "استقبل الرئيس عبد الفتاح السيسي الوفد"},
        {"id": "joined", "text": "قال الرئيس عبدالفتاح السيسي إن الحوار مستمر"},
        {"id": "other", "text": "وصل عبد الرحمن إلى الفتاح"},
    ])

    for q in ("عبدالفتاح", '"عبد الفتاح"', "+عبدالفتاح السيسي"):
        assert document_ids(live, q) == ["apart", "joined"]
    snippets = {r["document"]["id"]: r["snippet"] for r in search(live, SearchRequest(q='"عبد الفتاح"')).results}
    assert snippets["joined"] == "قال الرئيس <mark>عبدالفتاح</mark> السيسي إن الحوار مستمر"
    for q in ("عبدالفتاح^2", "عبدالفتاح.", "-عبدالرحمن عبدالفتاح"):
        assert document_ids(live, q) == ["apart", "joined"], q
    # A wildcard or fuzzy word cannot be in a phrase: both words are required.
    assert document_ids(live, "عبدالفتا*") == document_ids(live, "عبدالفتاخ~") == ["apart", "joined", "other"]
    assert search(live, SearchRequest(q="عبدالفتاخ")).suggestion == "عبد الفتاح"


def test_a_name_of_abd_written_as_one_word_in_a_field_clause_is_the_phrase(tmp_path):
    live = index_records(tmp_path, [
        {"id": "king", "title": "خطاب عبدالله الثاني", "text": "ألقى الملك خطابا أمام البرلمان"},
        {"id": "other", "title": "زيارة عبد الرحمن", "text": "وصل الوفد إلى العاصمة"},
        {"id": "god", "title": "الله أكبر", "text": "هتف المصلون في الساحة"},
    ])
    assert document_ids(live, "title:عبدالله") == document_ids(live, "عنوان:عبدالله") == ["king"]


def test_a_paragraph_with_two_names_of_a_month_counts_it_once(tmp_path):
    live = index_records(tmp_path, [
        {"id": "both", "text": "اندلعت الحرب في 6 أكتوبر/تشرين الأول 1973"},
        {"id": "one", "text": "اندلعت الحرب في 6 أكتوبر 1973"},
        *({"id": f"other-{n}", "text": f"عقد المؤتمر السنوي رقم {n} في القاهرة"} for n in range(8)),
    ])
    # Summed, the two names would put the longer paragraph first.
    assert [r["document"]["id"] for r in search(live, SearchRequest(q="أكتوبر")).results] == ["one", "both"]


def test_a_weighted_word_or_phrase_finds_the_same_paragraphs_scored_higher(live):
    for plain, weighted in [('"التحالف الدولي"', '"التحالف الدولي"^2'), ("التحالف", "التحالف^2")]:
        assert set(ids(live, weighted)) == set(ids(live, plain))
        assert search(live, SearchRequest(q=weighted)).results[0]["score"] > search(live, SearchRequest(q=plain)).results[0]["score"]


def test_a_weight_of_hundreds_of_digits_counts_as_the_largest_and_scores_stay_numbers(live):
    huge = search(live, SearchRequest(q="داعش^" + "9" * 400 + " التحالف")).results
    largest = search(live, SearchRequest(q=f"داعش^{rewriting.MAX_USER_BOOST:g} التحالف")).results
    assert [(r["id"], r["score"]) for r in huge] == [(r["id"], r["score"]) for r in largest]
    assert all(math.isfinite(r["score"]) for r in huge)


def test_exclusion_and_must_operators(live):
    excluded = search(live, SearchRequest(q="داعش -العراق", per_page=100)).results
    assert excluded and all("عراق" not in stems(r["text"]) for r in excluded)
    required = search(live, SearchRequest(q="+موزمبيق داعش", per_page=100)).results
    assert required and all("موزمبيق" in stems(r["text"]) for r in required)


@pytest.mark.parametrize("query", ["داعش-العراق", "(داعش-العراق)", "+داعش-العراق"])
def test_a_hyphen_inside_a_word_joins_its_parts_instead_of_excluding(live, query):
    # As in Lucene: - and + are operators where a word starts (covid-19, النمسا-المجر are words).
    found = search(live, SearchRequest(q=query, per_page=100)).results
    assert any("عراق" in stems(r["text"]) for r in found)
    assert {r["id"] for r in found} <= set(ids(live, "داعش العراق"))


@pytest.mark.parametrize("query", ["داعش و موزمبيق", "داعش AND موزمبيق"])
def test_arabic_and_english_and_operators_agree(live, query):
    assert ids(live, query) == ids(live, "+داعش +موزمبيق")


def test_arabic_or_and_not_operators(live):
    assert set(ids(live, "موزمبيق أو بالما")) == set(ids(live, "موزمبيق OR بالما"))
    # As in Lucene, NOT excludes from what the rest of its brackets find; it does not add everything else.
    assert ids(live, "داعش ليس العراق") == ids(live, "داعش NOT العراق") == ids(live, "داعش -العراق")
    assert found(live, "العراق OR (داعش NOT العراق)") == found(live, "(داعش NOT العراق) OR العراق") == found(live, "العراق OR داعش")


@pytest.mark.parametrize("incomplete", ["داعش و", "و داعش", "داعش أو", "داعش AND", "OR داعش", "داعش ليس", "داعش وليس", "داعش و أو"])
def test_an_operator_that_joins_nothing_is_left_out(live, incomplete):
    # As a query typed word by word stands before its next word comes: not a search for the word "and".
    assert ids(live, incomplete) == ids(live, "داعش")


@pytest.mark.parametrize("operators", ["و", "ليس و", "NOT AND", "أو وليس"])
def test_operators_alone_are_refused(live, operators):
    with pytest.raises(QueryError, match="only stop words"):
        search(live, SearchRequest(q=operators))


def test_stop_words_with_a_source_clause_find_that_sources_paragraphs_as_the_clause_alone(live):
    assert set(ids(live, "source:seeds في")) == set(ids(live, "source:seeds"))
    assert set(ids(live, "-source:seeds من")) == set(ids(live, "-source:seeds"))
    with pytest.raises(QueryError, match="only stop words"):
        search(live, SearchRequest(q="في من"))


def test_brackets_nested_too_deep_are_refused_not_read_as_plain_words(live):
    # Deeper than about 170 levels the parser fails, and the query would be read as داعش OR مصر.
    assert ids(live, "(" * 20 + "مصر -داعش" + ")" * 20) == ids(live, "مصر -داعش")
    with pytest.raises(QueryError, match="nested too deep"):
        search(live, SearchRequest(q="(" * 200 + "مصر -داعش" + ")" * 200))


def test_exclusions_alone_find_every_paragraph_without_them(live):
    with live.searcher() as searcher:
        every = {fields["id"] for fields in searcher.all_stored_fields()}
    without = found(live, "-داعش")
    assert without and without == found(live, "NOT داعش") == found(live, "ليس داعش") == every - found(live, "داعش")
    neither = without - found(live, "العراق")
    assert neither and found(live, "-داعش -العراق") == found(live, "NOT داعش NOT العراق") == neither


def test_exclusions_inside_brackets(live):
    assert found(live, "موزمبيق (العراق -داعش)") == found(live, "موزمبيق") | (found(live, "العراق") - found(live, "داعش"))
    assert found(live, "موزمبيق AND (داعش -العراق)") == found(live, "موزمبيق") & (found(live, "داعش") - found(live, "العراق"))


def test_prefix_and_fuzzy_queries(live):
    assert found(live, "التحال*") >= found(live, "التحالف")
    assert found(live, "الثلثاء~") >= found(live, "الثلاثاء") | found(live, "الثلثاء")


@pytest.mark.parametrize("pattern", ["ال?*", "وال??*", "[ا-ي][ا-ي]*"])
def test_a_wildcard_word_of_an_article_and_signs_alone_is_refused_not_read_as_every_word(live, pattern):
    with pytest.raises(QueryError) as refused:
        search(live, SearchRequest(q=f"داعش {pattern}"))
    assert refused.value.reason == "wildcard_too_short"
    assert search(live, SearchRequest(q="الم*")).total > 0  # a letter of its own after the article


def test_a_fuzzy_word_is_one_edit_away_or_two_at_most(live):
    assert not found(live, "موزنبيك~") and found(live, "موزنبيك~2") == found(live, "موزمبيق")
    assert found(live, "موزمبيق~9") == found(live, "موزمبيق~2")  # three edits from a short word reach most words


def test_words_excluded_in_brackets_rank_as_words_excluded_one_by_one(live):
    def ranked(q):
        return [(r["id"], r["score"]) for r in search(live, SearchRequest(q=q, per_page=100)).results]

    assert ranked("داعش -(سوريا العراق)") == ranked("داعش -سوريا -العراق") == ranked("داعش ليس (سوريا أو العراق)")
    assert query.wanted_words("داعش NOT (سوريا (مصر) العراق) التحالف") == ["داعش", "التحالف"]
    assert query.wanted_words("داعش NOT +(سوريا العراق) التحالف") == ["داعش", "التحالف"]
    assert ranked("داعش NOT +(سوريا العراق)") == ranked("داعش -سوريا -العراق")


@pytest.mark.parametrize("dashed", ["التحالف - العراق", "التحالف + العراق", "التحالف -- العراق", "- التحالف العراق"])
def test_a_sign_standing_alone_is_a_dash_not_an_operator(live, dashed):
    # A pasted headline's dash: + and - are operators only where a word starts.
    def ranked(q):
        page = search(live, SearchRequest(q=q, per_page=100))
        return page.total, [(r["id"], r["score"], r["snippet"]) for r in page.results]

    assert ranked(dashed) == ranked("التحالف العراق")


def test_an_exclusion_keeps_the_title_weight_of_what_is_found(live):
    top = search(live, SearchRequest(q="العراق")).results[0]
    assert "موزمبيق" not in top["text"]
    for excluding in "العراق AND NOT موزمبيق", "العراق NOT موزمبيق", "العراق -موزمبيق":
        assert search(live, SearchRequest(q=excluding)).results[0] == top


def test_title_and_source_fields(live):
    titled = search(live, SearchRequest(q="title:التفاصيل")).results
    assert titled and {r["document"]["id"] for r in titled} == {"001_93b21bcfa360256c"}
    source = titled[0]["document"]["source"]
    assert source
    assert ids(live, f'source:"{source}" داعش') == ids(live, "داعش", sources=(source,))


@pytest.mark.parametrize("written, words", [
    ("العنوان: التحالف الدولي", "العنوان التحالف الدولي"), ("مصدر: داعش", "مصدر داعش"), ("title: داعش", "title داعش"),
])
def test_a_field_name_followed_by_a_colon_and_a_space_is_a_word(live, written, words):
    # As in "العنوان: ..." pasted from a page: no field clause, and no English field name searched for.
    ranked = lambda q: [(r["id"], r["score"]) for r in search(live, SearchRequest(q=q, per_page=100)).results]
    assert ranked(written) == ranked(words)
    assert ":title" not in str(query.parse_query("العنوان: التحالف", live.index().schema))


def test_a_source_clause_filters_without_adding_to_the_scores(live):
    scored = lambda page: [(r["id"], r["score"]) for r in page.results]
    assert scored(search(live, SearchRequest(q="source:seeds التحالف"))) == scored(search(live, SearchRequest(q="التحالف", sources=("seeds",))))
    assert {r["score"] for r in search(live, SearchRequest(q="source:seeds")).results} == {0.0}


@pytest.mark.parametrize(
    "written",
    [
        "(source:seeds موزمبيق)", "(مصدر:seeds) موزمبيق", "موزمبيق OR source:seeds", "موزمبيق أو مصدر:seeds", "source:seeds AND موزمبيق",
        "source:(seeds) موزمبيق", 'source:("seeds") موزمبيق',
    ],
)
def test_a_source_filters_the_whole_query_wherever_it_is_written(live, written):
    assert ids(live, written) == ids(live, "source:seeds موزمبيق") == ids(live, "موزمبيق", sources=("seeds",))


@pytest.mark.parametrize(
    "excluding",
    [
        '-source:"{}" داعش', 'داعش NOT source:"{}"', 'داعش ليس مصدر:"{}"', '-(source:"{}") داعش', 'داعش NOT (مصدر:"{}")',
        'داعش NOT(source:"{}")', 'داعش NOT(مصدر:"{}")', 'داعش (-مصدر:"{}")', '-source:("{}") داعش',
    ],
)
def test_a_source_can_be_excluded_with_minus_or_not(live, excluding):
    source = "بوابة روزا اليوسف"
    kept = search(live, SearchRequest(q=excluding.format(source), per_page=100))
    assert kept.results and all(r["document"]["source"] != source for r in kept.results)
    only = search(live, SearchRequest(q=f'داعش source:"{source}"'))
    assert kept.total + only.total == search(live, SearchRequest(q="داعش")).total and only.total


def test_sources_in_brackets_are_any_of_them(live):
    either = search(live, SearchRequest(q='source:(seeds OR "بوابة روزا اليوسف") داعش', per_page=100))
    assert either.total == search(live, SearchRequest(q="داعش", sources=("seeds", "بوابة روزا اليوسف"))).total
    assert {r["document"]["source"] for r in either.results} == {"seeds", "بوابة روزا اليوسف"}


@pytest.mark.parametrize(
    "q, words",
    [("داعش AND", "داعش"), ("OR التحالف", "التحالف"), ("title: داعش", "title داعش"), ("داعش^^", "داعش"),
     ("التحالف {داعش", "التحالف داعش"), ("[داعش TO", "داعش TO"), ("داعش:", "داعش"), ("source:() داعش", "داعش")],
)
def test_syntax_the_parser_cannot_take_falls_back_to_words(live, q, words):
    found = search(live, SearchRequest(q=q, per_page=100)).results
    assert found and [r["id"] for r in found] == [r["id"] for r in search(live, SearchRequest(q=words, per_page=100)).results]


def test_a_range_is_no_syntax_its_words_are_searched(live):
    """Whoosh's [a TO b] would match every word between a and b, unbounded and without snippets."""
    assert ids(live, "[داعش TO سوريا]") == ids(live, "داعش TO سوريا") == ids(live, "{داعش TO سوريا}")


def test_nested_required_and_excluded_groups_are_built_once_each(monkeypatch):
    """Whoosh built both sides of each + and - group twice: ten nested levels took 26 s."""
    built = []
    word_query = syntax.WordNode.query
    monkeypatch.setattr(syntax.WordNode, "query", lambda node, parser: built.append(node.text) or word_query(node, parser))
    nested = "".join(f"+(مصر -داعش{n} " for n in range(10)) + ")" * 10
    query.parse_query(nested, schema.build_schema())
    # The innermost word is built as often as the outermost (once per field parsed), not 2^10 times as often.
    assert built.count("داعش9") == built.count("داعش0") > 0


def test_an_exclusion_alone_under_plus_still_excludes(live):
    assert found(live, "+(-بلينكن)") == found(live, "-بلينكن")
    assert found(live, "التحالف (+(-داعش))") == found(live, "التحالف -داعش")


def test_plain_words_skip_the_syntax_parser_for_the_same_query():
    fields, boosts = [schema.TEXT, schema.TEXT_EXACT], {schema.TEXT: 1.0, schema.TEXT_EXACT: parsing.EXACT_BOOST}
    lines = [line for path in sorted(SEEDS.glob("*.txt")) for line in path.read_text().splitlines()[:12] if line.strip()]
    plain = [line for line in lines if not lexicon.ANY_SYNTAX.search(line)]
    assert len(plain) > 20
    for line in plain:
        built = parsing._words_query(schema.build_schema(), fields, line, boosts)
        assert repr(vars(built)) == repr(vars(parsing._parser(schema.build_schema(), fields, boosts).parse(line)))


@pytest.mark.parametrize("q", ['"داعش', "(داعش", "داعش)", "x" * 1000, "  ", "في من على"])
def test_refused_queries_raise_query_error(live, q):
    with pytest.raises(QueryError):
        search(live, SearchRequest(q=q))


def test_filters_facets_and_pagination(live):
    page = search(live, SearchRequest(q="داعش", per_page=3))
    assert page.pages >= 2 and len(page.results) == 3
    assert sum(f["count"] for f in page.facets["source"]) <= page.total
    second = search(live, SearchRequest(q="داعش", per_page=3, page=2))
    assert not {r["id"] for r in second.results} & {r["id"] for r in page.results}
    dated = search(live, SearchRequest(q="داعش", per_page=100, date_from=datetime.date(2024, 1, 1)))
    assert dated.results and all(r["document"]["date"] >= "2024-01-01" for r in dated.results)


def test_generated_filters_count_what_whooshs_own_matching_finds(tmp_path):
    # The seeds' paragraphs (republished ones included) in documents of 1 to 4 paragraphs, of
    # random sources and dates.
    rng = random.Random(9)
    lines = [line for path in sorted(SEEDS.glob("*.txt")) for line in path.read_text(encoding="utf-8").splitlines()]
    lines = [line for line in lines if len(line.split()) > 8]
    records = []
    while lines:
        size = rng.randint(1, 4)
        taken, lines = lines[:size], lines[size:]
        records.append(
            {"id": f"d{len(records)}", "text": "\n".join(taken), **({"source": rng.choice("أبجد")} if rng.random() < 0.9 else {}),
             **({"date": f"{rng.randint(2015, 2024)}-{rng.randint(1, 12):02}-{rng.randint(1, 28):02}"} if rng.random() < 0.9 else {})}
        )
    live = index_records(tmp_path, records)
    metadata = {
        f"{r['id']}#{n}": (r.get("source", "corpus"), r.get("date")) for r in records for n in range(1, r["text"].count("\n") + 2)
    }

    def matching(q, sources=(), low=None, high=None):
        """The paragraphs Whoosh's own matcher finds, under the filters."""
        with live.searcher() as searcher:
            found = {hit["id"] for hit in searcher.search(query.parse_query(q, searcher.schema), limit=None)}
        return {p for p in found if (not sources or metadata[p][0] in sources)
                and (not (low or high) or (metadata[p][1] and (low or "") <= metadata[p][1] <= (high or "9999")))}

    for _ in range(40):
        q = rng.choice(["داعش", "التحالف", "العراق", "وزراء الخارجية", "أفريقيا", "الإرهاب"])
        sources = tuple(rng.sample("أبجد", rng.randint(1, 2))) if rng.random() < 0.5 else ()
        low = f"{rng.randint(2015, 2020)}-06-01" if rng.random() < 0.6 else None
        high = f"{rng.randint(2020, 2024)}-06-30" if rng.random() < 0.6 else None
        dates = {"date_from": low and datetime.date.fromisoformat(low), "date_to": high and datetime.date.fromisoformat(high)}
        page = search(live, SearchRequest(q=q, sources=sources, **dates))
        assert page.total == len(matching(q, sources, low, high))
        # Each facet is counted under the other filter only.
        assert {f["value"]: f["count"] for f in page.facets["source"]} == collections.Counter(metadata[p][0] for p in matching(q, (), low, high))
        assert {f["value"]: f["count"] for f in page.facets["year"]} == collections.Counter(
            metadata[p][1][:4] for p in matching(q, sources) if metadata[p][1])
        # One result per document that has a match, standing for its matching paragraphs.
        by_document = search(live, SearchRequest(q=q, sources=sources, **dates, per_page=100, collapse="document"))
        in_documents = collections.Counter(p.partition("#")[0] for p in matching(q, sources, low, high))
        assert by_document.groups == len(by_document.results) == len(in_documents)
        assert {r["document"]["id"]: r["matched_paragraphs"] for r in by_document.results} == in_documents


def test_sorting_by_date_puts_the_newest_first_then_the_best_scored(live):
    by_date = search(live, SearchRequest(q="داعش", per_page=100, sort="date"))
    by_relevance = search(live, SearchRequest(q="داعش", per_page=100))
    keys = [(r["document"]["date"] or "", r["score"]) for r in by_date.results]
    assert keys == sorted(keys, reverse=True) and keys[0][0] == "2024-03-29" and keys[-1][0] == ""
    assert (by_date.total, by_date.facets) == (by_relevance.total, by_relevance.facets)
    assert len(by_date.results) == len(by_relevance.results)


def test_paragraphs_of_one_date_sorted_by_date_come_as_relevance_ranks_and_scores_them(live):
    one_date = {"q": "داعش", "sources": ("بوابة روزا اليوسف",), "per_page": 100}
    by_date = search(live, SearchRequest(**one_date, sort="date")).results
    assert len({r["document"]["date"] for r in by_date}) == 1
    assert [(r["id"], r["score"]) for r in by_date] == [(r["id"], r["score"]) for r in search(live, SearchRequest(**one_date)).results]


@pytest.mark.parametrize("q", ["داعش", "التحالف"])
def test_one_result_per_document_sorted_by_date_is_each_documents_best_paragraph(live, q):
    by_date = search(live, SearchRequest(q=q, collapse="document", sort="date", per_page=100)).results
    by_relevance = search(live, SearchRequest(q=q, collapse="document", per_page=100)).results
    assert {(r["id"], r["score"]) for r in by_date} == {(r["id"], r["score"]) for r in by_relevance}
    assert [r["document"]["date"] or "" for r in by_date] == sorted((r["document"]["date"] or "" for r in by_date), reverse=True)


def test_a_results_duplicates_are_the_copies_the_search_found(tmp_path):
    text = "اجتمع وزراء خارجية التحالف الدولي في روما لبحث سبل مواجهة التنظيم في أفريقيا وآسيا"
    live = index_records(tmp_path, [
        {"id": "a1", "text": text, "source": "أ", "date": "2024-02-01"},
        {"id": "a2", "text": text, "source": "أ", "date": "2024-02-02"},
        {"id": "b1", "text": text, "source": "ب", "date": "2024-02-03"},
    ])
    every = search(live, SearchRequest(q="التحالف روما")).results[0]
    assert every["duplicate_count"] == 2 and every["matched_paragraphs"] == 3
    for request in (
        SearchRequest(q="التحالف روما", sources=("أ",)), SearchRequest(q='التحالف روما -source:"ب"'),
        SearchRequest(q="التحالف روما", date_to=datetime.date(2024, 2, 2)),
    ):
        (result,) = search(live, request).results
        listed = {result["id"], *(d["id"] for d in result["duplicates"])}
        assert listed == {"a1#1", "a2#1"} and (result["duplicate_count"], result["matched_paragraphs"]) == (1, 2)


def test_sorting_by_date_shows_the_newest_copy_of_a_republished_paragraph(tmp_path):
    text = "اجتمع وزراء خارجية التحالف الدولي في روما لبحث سبل مواجهة التنظيم في أفريقيا وآسيا"
    live = index_records(tmp_path, [
        {"id": "old", "text": text, "date": "2020-01-05"},
        {"id": "new", "text": text + " اليوم", "date": "2024-02-01"},
        {"id": "undated", "text": "التحالف الدولي في روما"},
    ])
    assert [r["id"] for r in search(live, SearchRequest(q="التحالف روما", sort="date")).results] == ["new#1", "undated#1"]
    assert search(live, SearchRequest(q="التحالف روما", sort="date")).results[0]["duplicates"][0]["id"] == "old#1"


def test_a_republished_paragraph_is_shown_under_its_dated_copy_not_its_bare_one(tmp_path):
    text = "اجتمع وزراء خارجية التحالف الدولي في روما لبحث سبل مواجهة التنظيم في أفريقيا وآسيا"
    live = index_records(tmp_path, [
        {"id": "bare", "text": text},
        {"id": "article", "title": "اجتماع روما", "text": "مقدمة الخبر عن اجتماع الوزراء\n\n" + text, "date": "2024-03-29"},
    ])
    top = search(live, SearchRequest(q="التحالف")).results[0]
    assert (top["id"], [d["id"] for d in top["duplicates"]]) == ("article#2", ["bare#1"])


def test_did_you_mean_from_the_index_vocabulary(live):
    page = search(live, SearchRequest(q="موزمبيك"))
    assert page.suggestion and "موزمبيق" in page.suggestion


def test_a_last_word_looked_up_as_a_prefix_that_finds_nothing_is_corrected_as_a_whole_word(live):
    # The widget sends the word being typed as a prefix: داعس* finds nothing, and is داعش misspelt.
    assert search(live, SearchRequest(q="داعس*")).suggestion == search(live, SearchRequest(q="داعِس*")).suggestion == "داعش"
    assert search(live, SearchRequest(q="التحالف داعس*")).suggestion is None  # the query finds paragraphs


def test_a_query_of_more_unknown_words_than_typos_has_no_suggestion(live):
    five = "موزمبيك بلجكا داعس الانتربل الامارت"
    assert search(live, SearchRequest(q=five)).suggestion == "موزمبيق بلجيكا داعش الإنتربول الإمارات"
    assert search(live, SearchRequest(q=five + " بلنكن")).suggestion is None  # noise, or another language


def test_a_word_the_service_lists_as_spelled_right_is_not_corrected(tmp_path):
    live = index_records(tmp_path, [{"id": "a", "text": "قرر المجلس لبناء المدارس الجديدة في العاصمة"}])
    assert search(live, SearchRequest(q="لبنان")).suggestion is None  # a country, not a typo of لبناء
    assert search(live, SearchRequest(q="المدارص")).suggestion == "المدارس"


def test_markup_in_a_paragraph_comes_back_inert(tmp_path):
    live = index_records(tmp_path, [
        {"id": "x1", "text": 'خبر عن <script>alert(1)</script> التحالف', "title": "<b>عنوان</b>"},
        {"id": "x2", "text": 'التحالف "><img src=x onerror=alert(1)> يجتمع & يقرر'},
    ])
    for result in search(live, SearchRequest(q="التحالف")).results:
        snippet = result["snippet"]
        assert "<script" not in snippet and "<img" not in snippet
        assert snippet.replace("<mark>", "").replace("</mark>", "").count("<") == 0
        assert "&lt;" in snippet


@pytest.mark.parametrize("q", ["*نبي*", "?ا", "a* b* c* d* e* f*"])
def test_expensive_wildcards_are_refused(live, q):
    with pytest.raises(QueryError, match="wildcard or fuzzy"):
        search(live, SearchRequest(q=q))


def test_near_phrase_without_a_number_is_refused_with_the_syntax(live):
    with pytest.raises(QueryError, match='needs a number: "words"~2'):
        search(live, SearchRequest(q='"وزير الخارجية"~'))


def test_question_mark_after_a_word_is_punctuation(live):
    assert ids(live, "أين اجتمع وزراء التحالف?") == ids(live, "أين اجتمع وزراء التحالف")


@pytest.mark.parametrize(
    "typed, suggested",
    [("موزمبيك", "موزمبيق"), ("موزنبيك", "موزمبيق"), ("نوزمبيك", None), ("التحالغ", "التحالف"), ("الضحالف", None), ("الضضالف", None)],
    ids=[
        "one edit", "two edits after the same two letters", "two edits, one in the first letters",
        "one edit after the article", "one edit in the first letter after the article", "two edits in the first letters after the article",
    ],
)
def test_did_you_mean_corrects_up_to_two_edits_after_the_first_letters(live, typed, suggested):
    assert search(live, SearchRequest(q=typed)).suggestion == suggested


@pytest.mark.parametrize("q", ["عاجل", "عمان", "حلب"], ids=["first letter dropped", "first letter changed", "three letters"])
def test_a_word_is_not_corrected_into_another_first_letter_nor_below_four_letters(live, q):
    assert search(live, SearchRequest(q=q)).suggestion is None  # once أجل, ضمان, حسب


def test_a_misspelt_word_is_corrected_even_where_the_other_words_find_much(live):
    page = search(live, SearchRequest(q="داعس في العراق"))
    assert page.total > 10 and page.suggestion == "داعش في العراق"


@pytest.mark.parametrize(
    "typed, suggested",
    [("بلجكا", "بلجيكا"), ("ايطليا", "إيطاليا"), ("بداعس", "بداعش"), ("الموزمبيك", "الموزمبيق"), ("بالتحالق", "بالتحالف")],
    ids=["the index has it after و", "after ب, spelled as written", "typed after ب", "typed after the article", "typed after بال"],
)
def test_a_correction_is_found_across_a_prefix(live, typed, suggested):
    assert search(live, SearchRequest(q=typed)).suggestion == suggested


def test_a_correction_is_suggested_only_where_it_finds_more(live):
    assert search(live, SearchRequest(q="موزمبيك")).suggestion == "موزمبيق"
    filtered = search(live, SearchRequest(q="موزمبيك", date_from=datetime.date(2100, 1, 1)))
    assert filtered.total == 0 and filtered.suggestion is None


def test_a_correction_is_suggested_where_the_other_words_found_its_paragraphs_already(live):
    # أنتوني finds the paragraphs of بلينكن: the corrected query finds no more, but its corrected word finds them.
    typed = search(live, SearchRequest(q="أنتوني بلينكين"))
    assert typed.suggestion == "أنتوني بلينكن" and search(live, SearchRequest(q="أنتوني بلينكن")).total == typed.total
    # In a field, the corrected word would be counted in the text: no suggestion that finds nothing more.
    assert search(live, SearchRequest(q="أنتوني title:بلينكين")).suggestion is None


@pytest.mark.parametrize(
    "typed, suggested",
    [
        ("موزمبيك -سوريا", "موزمبيق -سوريا"),
        ("موزمبيك ليس سوريا", "موزمبيق ليس سوريا"),
        ('مصدر:"بوابة روزا اليوسف" موزمبيك', 'مصدر:"بوابة روزا اليوسف" موزمبيق'),
        ("title:التحالفف", "title:التحالف"),
        ('"وزراء الخارجبة"', '"وزراء الخارجية"'),
        ("موزمبيك (NOT سوريي)", "موزمبيق (NOT سوريي)"),
        ("موزمبيك (-سوريي)", "موزمبيق (-سوريي)"),
        ("موزمبيك +(-سوريي)", "موزمبيق +(-سوريي)"),
    ],
    ids=["exclusion", "NOT", "source filter", "field", "phrase", "NOT in brackets", "exclusion in brackets", "under plus"],
)
def test_a_correction_keeps_the_operators_fields_and_filters_of_the_query(live, typed, suggested):
    assert search(live, SearchRequest(q=typed)).suggestion == suggested


def test_stop_words_are_never_corrected(live):
    assert search(live, SearchRequest(q="هذه موزمبيك")).suggestion == "هذه موزمبيق"


def test_the_words_of_a_known_name_are_never_corrected(live):
    assert search(live, SearchRequest(q="كانون الثاني")).suggestion is None  # not كانون الاثنين
    assert search(live, SearchRequest(q="كانون الثاني موزمبيك")).suggestion == "كانون الثاني موزمبيق"
    assert search(live, SearchRequest(q="كانون الثاني، موزمبيك")).suggestion == "كانون الثاني، موزمبيق"
    assert search(live, SearchRequest(q='"كانون الثاني" موزمبيك')).suggestion == '"كانون الثاني" موزمبيق'


@pytest.mark.parametrize("q", ["اليمن", "ريم الهاشمي", "حلف الناتو", "28 يونيو 2021"])
def test_a_word_found_by_its_stem_or_a_number_is_never_corrected(live, q):
    page = search(live, SearchRequest(q=q))
    assert 0 < page.total < 3 and page.suggestion is None  # the text has واليمن, لريم, لحلف; 2021 is as meant


def test_a_short_word_is_corrected_by_one_edit_only(live):
    assert search(live, SearchRequest(q="يقول")).suggestion is None  # يقرب is two edits away


def test_a_phrase_that_finds_nothing_suggests_its_words(live):
    page = search(live, SearchRequest(q='"الخارجية داعش"'))
    assert page.total == 0 and page.suggestion == "الخارجية داعش"
    assert search(live, SearchRequest(q=page.suggestion)).total > 0
    assert search(live, SearchRequest(q='"وزراء الخارجية"')).suggestion is None
    found = search(live, SearchRequest(q='"سامح شكري"'))
    assert 0 < found.total < 3 and found.suggestion is None  # found: its words alone would find more


def test_words_only_a_headline_holds_find_the_articles_first_paragraph(live):
    lead = "001_93b21bcfa360256c#1"
    # 001's headline: نتائج اجتماع وزراء خارجية دول التحالف الدولي ضد داعش.. "التفاصيل الكاملة"
    for q in ("نتائج", '"نتائج اجتماع"', "التفاصيل الكاملة", "+نتائج داعش"):
        page = search(live, SearchRequest(q=q))
        assert lead in [r["id"] for r in page.results], q
        assert page.suggestion is None, q
    assert ids(live, "نتائج") == [lead]
    assert lead not in ids(live, "نتائج AND سوريا")  # the operators hold over the text and the headline together
    # The title weighs as before where the text matches: a first paragraph gains nothing from it.
    assert search(live, SearchRequest(q="داعش")).results[0]["id"] != lead


@pytest.mark.parametrize(
    "typed, plain",
    [
        ('"قرار مجلس"~2 داعش', "قرار مجلس داعش"),
        ('داعش -"وزراء الخارجية"', 'داعش -"وزراء الخارجية"'),
        ('داعش ليس "وزراء الخارجية"', 'داعش ليس "وزراء الخارجية"'),
        ('"هل التعبير ""الآن خفف الله عنكم"" يعني"', "هل التعبير الآن خفف الله عنكم يعني"),
        ('"داعش NOT سوريا"', '"داعش NOT سوريا"'),
        ('"داعش ليس سوريا"', '"داعش ليس سوريا"'),
        ('"التحال* الدولي"', '"التحال* الدولي"'),
    ],
    ids=[
        "near phrase", "excluded phrase", "phrase after NOT", "quotes doubled inside quotes",
        "operator in a phrase", "Arabic operator in a phrase", "wildcard in a phrase",
    ],
)
def test_suggested_words_of_phrases_keep_what_was_excluded_or_would_be_syntax(typed, plain):
    assert query.without_quotes(typed) == plain


def test_suggestion_is_spelled_as_the_paragraphs_spell_it(live):
    assert search(live, SearchRequest(q="الخارجيت")).suggestion == "الخارجية"


def test_source_facets_keep_the_other_sources_when_one_is_chosen(live):
    everything = search(live, SearchRequest(q="داعش")).facets["source"]
    chosen = everything[-1]["value"]
    assert search(live, SearchRequest(q="داعش", sources=(chosen,))).facets["source"] == everything


def test_year_facets_count_dated_matches_by_year_and_keep_the_other_years(live):
    page = search(live, SearchRequest(q="داعش", per_page=100))
    years = page.facets["year"]
    assert [y["value"] for y in years] == ["2024", "2021"]  # newest first
    found = [entry for result in page.results for entry in (result, *result["duplicates"])]
    assert sum(y["count"] for y in years) == sum(1 for entry in found if entry["document"]["date"])
    in_2021 = search(live, SearchRequest(q="داعش", date_from=datetime.date(2021, 1, 1), date_to=datetime.date(2021, 12, 31)))
    assert in_2021.total == years[1]["count"] and in_2021.facets["year"] == years
    # Each facet is counted under the other filters: the years of one source, the sources of one year.
    source = page.facets["source"][-1]["value"]
    assert search(live, SearchRequest(q="داعش", sources=(source,))).facets["year"] != years
    assert search(live, SearchRequest(q="داعش", date_from=datetime.date(2024, 1, 1))).facets["source"] != page.facets["source"]


def _page(live, q):
    page = search(live, SearchRequest(q=q, per_page=50))
    return page.total, [(r["id"], r["score"], [d["id"] for d in r["duplicates"]]) for r in page.results]


@pytest.mark.parametrize("writers", [1, 2])
def test_reading_the_index_ahead_changes_no_result(tmp_path, monkeypatch, writers):
    expected = _page(LiveIndex(build_index(tmp_path / "reference")), "التحالف الدولي في العراق")
    monkeypatch.setattr(writing, "PARALLEL_FROM", 1 if writers > 1 else writing.PARALLEL_FROM)
    monkeypatch.setattr(writing, "available_cores", lambda: writers)
    live = LiveIndex(build_index(tmp_path / "index"))
    warm(live)
    assert is_warm(live)
    assert _page(live, "التحالف الدولي في العراق") == expected


def test_a_search_whose_filters_leave_nothing_finds_nothing_without_failing(tmp_path):
    live = index_records(tmp_path, [{"id": "war", "text": "اندلعت حرب أكتوبر عام 1973", "source": "y", "date": "1973-10-06"}])
    warm(live)
    for q in ("حرب", '"حرب أكتوبر"', "حر*", "حربب", "حرب -سلام"):
        for sort in ("relevance", "date"):
            page = search(live, SearchRequest(q=q, sort=sort, sources=("x",), date_from=datetime.date(2020, 1, 1)))
            assert (page.total, page.pages, page.results) == (0, 0, [])
