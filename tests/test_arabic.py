"""The analysis chain: Lucene's Arabic cases, our own rules, offsets into the original text."""

import json
import pathlib
import pickle

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st
from whoosh.analysis.analyzers import CompositeAnalyzer

from search_service.arabic import STEM_EXCLUSIONS, analyzer, exact_analyzer, form_stems, form_words, index_terms, normalize, stem
from search_service.arabic.analysis import TOKEN_PATTERN

LUCENE_CASES = json.loads((pathlib.Path(__file__).parent / "data" / "lucene_arabic_cases.json").read_text("utf-8"))


def terms(text, analyze=analyzer):
    return [t.text for t in analyze()(text)]


@pytest.mark.parametrize(
    "case", [c for c in LUCENE_CASES if c["suite"] == "normalization"], ids=lambda c: c["test_name"]
)
def test_lucene_normalization_case(case):
    assert normalize(case["input"]) == case["expected"]


@pytest.mark.parametrize(
    "case",
    [c for c in LUCENE_CASES if c["suite"] == "stem" and c["test_name"] != "testWithKeywordAttribute"],
    ids=lambda c: c["test_name"],
)
def test_lucene_stem_case(case):
    assert stem(case["input"]) == case["expected"]


def test_lucene_keyword_case_is_the_protected_words_mechanism(monkeypatch):
    (case,) = [c for c in LUCENE_CASES if c["test_name"] == "testWithKeywordAttribute"]
    monkeypatch.setattr("search_service.arabic.stemming.STEM_EXCLUSIONS", STEM_EXCLUSIONS | {case["input"]})
    assert stem(case["input"]) == case["expected"]


@pytest.mark.parametrize(
    "text, expected, rule",
    [
        ("ٱلرَّحْمَٰنِ", "الرحمن", "alef wasla and superscript alef"),
        ("مِّنۡ", "من", "Quranic marks"),
        ("ﻻ ﻷحمد", "لا لاحمد", "lam-alef ligatures"),
        ("ﺍﻟﻜﺘﺎﺏ", "الكتاب", "presentation forms"),
        ("ی ک", "ي ك", "Persian yeh and kaf"),
        ("الپاراسیتامول ڤيتامين ڥيتامين", "الباراسيتامول فيتامين فيتامين", "loanword letters for p and v"),
        ("١٢٣٤ ۱۲۳", "1234 123", "Arabic-Indic and extended digits"),
        ("مسؤول مسئول", "مسءول مسءول", "hamza seats fold to a bare hamza"),
        ("شؤون شئون", "شءون شءون", "hamza seats fold to a bare hamza"),
        ("English TEXT", "english text", "Latin lower case"),
        ("كـــتاب", "كتاب", "tatweel"),
        ("الأَمِيرْكِيَّة أوربا الثلثاء", "الامريكيه اوروبا الثلاثاء", "spellings of one word"),
        ("تلفزيونية", "تلفزيونيه", "a word holding no variant"),
        ("", "", "empty text"),
        ("ٱلصَّلَوٰةَ ٱلْكِتَٰبُ ٱلسَّمَٰوَٰتِ", "الصلاه الكتاب السماوات", "the Uthmani small alef is an alef, a waw before ة its seat"),
        ("هَٰذَا ذَٰلِكَ لِإِلَٰهِكُمْ عَلَىٰ مُوسَىٰ", "هذا ذلك لالهكم على موسي", "not in the words spelled without one, nor on ى"),
        ("ءَامَنُوا۟ ٱلْقُرْءَانُ إِجْرَاءَاتٍ", "امنوا القران اجراءات", "Uthmani آ written ءا, not after an alef"),
        ("إِبْرَٰهِـۧمَ هُدࣰى", "ابراهيم هدي", "the small high yeh and the open tanween of Uthmani text"),
        (unicodedata.normalize("NFD", "رئيس المسؤول"), "رءيس المسءول", "decomposed letters composed first"),
        ("مھم کتابخانۀ المدرسۃ ڪتاب ے", "مهم كتابخانه المدرسه كتاب ي", "Urdu letters"),
        ("علي عَلَى وعلى علی", "علي على وعلى على", "the preposition على keeps its ى (علی too), unlike the name علي"),
        ("إِلَٰهًا تَٱللَّٰهِ اللّٰهُمَّ وَلَٰكِنَّا هٰكذا", "الها تالله اللهم ولكنا هكذا", "inflected words written without the alef"),
        ("وَبِٱلْءَاخِرَةِ", "وبالاخره", "Uthmani ءا after prefixes and the article"),
        ("جزءان سوءات", "جزءان سوءات", "ءا inside a word of the common spelling"),
        ("\ue000 مستشفى", "\ue000 مستشفي", "a private-use character is left as it is"),
    ],
)
def test_normalize_rule(text, expected, rule):
    assert normalize(text) == expected, rule


@pytest.mark.parametrize(
    "word, expected",
    [
        ("والكتاب", "كتاب"),
        ("وزير", "وزير"),
        ("والوزير", "وزير"),
        ("فلسطين", "فلسطين"),
        ("لبنان", "لبنان"),
        ("وجد", "وجد"),
        ("كبيره", "كبير"),
        ("مشروبات", "مشروب"),
    ],
)
def test_stem_keeps_protected_words_and_short_words_whole(word, expected):
    assert stem(word) == expected


@pytest.mark.parametrize(
    "spelling",
    ["التحالف", "التَّحَالُفُ", "التحالـــــف", "ﺍﻟﺘﺤﺎﻟﻒ", "والتحالف"],
    ids=["plain", "vocalised", "tatweel", "presentation-forms", "with-prefix"],
)
def test_spellings_of_one_word_analyse_to_the_same_term(spelling):
    assert terms(spelling) == ["تحالف"]


@pytest.mark.parametrize(
    "pair",
    [
        ("مسؤول", "مسئول"), ("أفريقيا", "إفريقيا"), ("هيئة", "هيئه"), ("الثلثاء", "الثلاثاء"), ("بأميركا", "بأمريكا"),
        ("الأوربيين", "الأوروبيين"), ("سورية", "سوريا"), ("لسورية", "لسوريا"), ("امرأة", "المرأة"), ("وامرأة", "للمرأة"),
        ("مائة", "مئة"), ("بالمائة", "بالمئة"), ("ثلاثمائة", "ثلاثمئة"), ("مائتين", "مئتين"),
    ],
)
def test_hamza_and_spelling_variants_share_a_term(pair):
    first, second = pair
    assert terms(first) == terms(second)


@pytest.mark.parametrize("word", ["التزام", "آلاف", "أليم", "ألمانيا"])
@pytest.mark.parametrize("article", ["ال", "وال", "بال", "لل"])
def test_an_article_before_a_word_beginning_with_al_leaves_its_stem_as_it_is(word, article):
    assert terms(article + word)[0] == terms(word)[0]


def test_a_whole_word_variant_leaves_the_words_that_hold_it():
    assert normalize("الحكومة السورية في سورية") == "الحكومه السوريه في سوريا"  # the adjective, then Syria
    assert normalize("بأسمائهم في سمائه") == "باسماءهم في سماءه"  # مائة is a hundred only as a word


def test_a_hundred_in_its_older_spelling_is_not_water():
    assert terms("مائة")[0] != terms("ماء")[0]


def test_the_plural_and_the_dual_of_a_noun_meet_its_singular():
    assert terms("البلدان")[0] == terms("البلدين")[0] == terms("بلد")[0]


@pytest.mark.parametrize("word, bare", [("قلوبهم", "قلوب"), ("وأموالكم", "أموال"), ("ديننا", "دين"), ("كتابهما", "كتاب"), ("لقلوبهن", "قلوب")])
def test_a_word_with_a_pronoun_written_onto_it_also_gives_its_stem_without_it(word, bare):
    assert terms(bare)[0] in terms(word)


@pytest.mark.parametrize("word, bare", [("وبالوالدين", "الوالدين"), ("وللكافرين", "الكافرين"), ("وبالصلوة", "الصلاة")])
def test_a_word_after_and_a_preposition_and_the_article_also_gives_its_stem_without_them(word, bare):
    assert terms(bare)[0] in terms(word)


@pytest.mark.parametrize("word, other", [("وبكين", "كين"), ("وفساد", "ساد"), ("ولدينا", "دينا"), ("ولذلك", "ذلك"), ("فعليهم", "علي"), ("مساكن", "مساهم")])
def test_no_stem_is_given_for_letters_of_the_word_itself(word, other):
    assert not set(terms(other)) & set(terms(word))


@pytest.mark.parametrize("word", ["عليهم", "وعليهم", "إليكم", "والمتهم", "أسهم", "يمكن", "مساكن"])
def test_no_stem_is_given_for_a_pronoun_after_a_preposition_or_the_letters_of_a_short_word(word):
    # عليهم is على + هم, not the name علي; المتهم and أسهم would leave two letters; يمكن has no pronoun.
    assert len(terms(word)) == 1


@pytest.mark.parametrize("word, other", [("المهم", "ألم"), ("الفهم", "ألف"), ("المهن", "ألم")])
def test_the_article_and_one_letter_are_no_word_with_a_pronoun(word, other):
    # المهم is the article and مهم, not ألم and هم: a pronoun is never written onto a word with its article.
    assert not set(terms(other)) & set(terms(word))


@pytest.mark.parametrize("word, bare", [("وقتها", "وقت"), ("وطنه", "الوطن"), ("ولدها", "الولد"), ("وضعه", "الوضع")])
def test_a_waw_of_the_word_itself_before_a_suffix_also_gives_the_stem_that_keeps_it(word, bare):
    # وقتها read as the conjunction و and قت + ها leaves too short a stem: the و is the word's own.
    assert terms(bare)[0] in terms(word)


@pytest.mark.parametrize("word", ["وأمه", "وكلها", "وعليه", "ومعه", "ويده", "وحقه"])
def test_a_word_of_two_letters_after_the_conjunction_keeps_no_waw(word):
    # وأمه is و + أم + ه: no وام (the news agency), as وقتها gives وقت.
    assert len(terms(word)) == 1


def test_a_number_loses_the_letter_of_its_era():
    assert terms("عام 622م و1440هـ") == terms("عام 622 و1440")
    assert terms("توفي سنة 656 هـ الموافق 1258 م") == terms("توفي سنة 656 الموافق 1258")  # written apart


def test_the_persian_gaf_is_a_kaf():
    assert terms("الإنگليزية") == terms("الإنكليزية")


@pytest.mark.parametrize("month, word", [("ماي", "بالما"), ("جوان", "الجوية")])
def test_a_month_name_keeps_its_own_term(month, word):
    assert terms(month)[0] != terms(word)[0]


SENTENCE = "وَأَكَّدَ وُزَرَاءُ الخَارِجِيَّةِ فِي الرِّيَاضِ التزامَهُم بـ ١٠ مبادئ"


def test_analyzer_yields_terms_in_order_with_offsets():
    tokens = [(t.text, t.pos, t.startchar, t.endchar) for t in analyzer()(SENTENCE, positions=True, chars=True)]
    # التزامهم also gives its stem without the pronoun هم, at its position.
    assert [t[0] for t in tokens] == ["اكد", "وزراء", "خارج", "رياض", "تزامهم", "تزام", "10", "مبادء"]
    assert [t[1] for t in tokens] == [0, 1, 2, 3, 4, 4, 5, 6]
    assert [SENTENCE[s:e] for _, _, s, e in tokens] == [
        "وَأَكَّدَ", "وُزَرَاءُ", "الخَارِجِيَّةِ", "الرِّيَاضِ", "التزامَهُم", "التزامَهُم", "١٠", "مبادئ",
    ]


@pytest.mark.parametrize(
    "text",
    [SENTENCE, "ٱلْحَمْدُ لِلَّهِ رَبِّ ٱلْعَـٰلَمِينَ", "قال الوزير: 178.3 مليون (English) ﻻ بد"],
)
def test_every_token_slices_the_original_word_back(text):
    for t in analyzer()(text, chars=True):
        original = text[t.startchar : t.endchar]
        assert t.text in [u.text for u in analyzer()(original)]


def test_a_ligature_of_words_gives_its_words_one_after_another_on_its_own_offsets():
    text = "قال النبي ﷺ: وﷲ، محمدﷺ جل جلاله ﷻ"
    tokens = [(t.text, t.pos, text[t.startchar : t.endchar]) for t in analyzer()(text, positions=True, chars=True)]
    assert [t[0] for t in tokens] == terms("قال النبي صلى الله عليه وسلم: والله، محمد صلى الله عليه وسلم جل جلاله جل جلاله")
    assert [t[1] for t in tokens] == list(range(len(tokens)))
    assert [t[2] for t in tokens] == ["قال", "النبي", "ﷺ", "ﷺ", "ﷺ", "وﷲ"] + ["محمدﷺ"] * 4 + ["جل", "جلاله", "ﷻ", "ﷻ"]


def test_non_arabic_text_passes_through():
    assert terms("The price rose to 178.3 dollars in 2024") == ["the", "price", "rose", "to", "178.3", "dollars", "in", "2024"]
    assert terms("سعر Brent بلغ 178.3 دولار") == ["سعر", "brent", "بلغ", "178.3", "دولار"]


def test_numbers_with_arabic_separators_are_the_numbers_with_latin_ones():
    assert terms("بلغ ١٧٨٫٣ مليون") == terms("بلغ 178.3 مليون")
    assert terms("١٬٢٠٠ جندي") == terms("1,200 جندي")


@pytest.mark.parametrize("joiner", ["\u2060", "\u00ad", "\u200f", "\ufeff"], ids=["word joiner", "soft hyphen", "RLM", "ZWNBSP"])
def test_an_invisible_character_inside_a_word_leaves_it_one_word(joiner):
    assert terms(f"اب{joiner}لغ الوزير") == terms("ابلغ الوزير")


def test_a_zero_width_space_separates_words():
    assert terms("الوزير\u200bالخارجية") == terms("الوزير الخارجية")


def test_a_zero_width_non_joiner_between_two_words_separates_them():
    text = "للربع\u200cالأول"
    assert terms(text) == terms("للربع الأول")
    assert [text[t.startchar : t.endchar] for t in analyzer()(text, chars=True)] == ["للربع", "الأول"]


def test_stop_words_are_removed_in_any_spelling():
    assert terms("إلى الى على علَى فِي") == []


@pytest.mark.parametrize("text", ["رئاسة هيئات مئات", "ٱلْقُرْءَانُ وعلى مستشفى", "إِلَٰهًا ءَامَنُوا۟"])
def test_normalizing_twice_is_normalizing_once(text):
    assert normalize(normalize(text)) == normalize(text)


def test_the_name_ali_is_a_word_though_the_preposition_ala_is_a_stop_word():
    assert terms("محمد علي عَلِيّ على الطاولة") == ["محمد", "علي", "علي", "طاول"]


def test_a_number_loses_the_prefixes_written_onto_it():
    assert terms("و15 بـ10 ول٢٠٢١ و١٧٨٫٣ و2023") == ["15", "10", "2021", "178.3", "2023"]


def test_the_vocative_that_uthmani_spelling_joins_to_its_noun_is_a_word_of_its_own():
    assert terms("يَٰٓأَيُّهَا ٱلَّذِينَ ءَامَنُوا۟ يَٰقَوْمِ") == terms("يا أيها الذين آمنوا يا قوم") == ["اي", "امنوا", "قوم"]


def test_the_end_of_an_ayah_separates_a_word_from_its_number():
    assert terms("ٱلرَّحِيمِ۝١") == ["رحيم", "1"]


def test_exact_analyzer_normalises_without_stemming():
    assert terms("والكتابُ", exact_analyzer) == ["والكتاب"]


def test_analyzers_survive_pickling_into_the_index():
    for make in (analyzer, exact_analyzer):
        used = make()
        list(used("والكتاب", mode="index"))  # remembers the piece, which stays out of the pickle
        restored = pickle.loads(pickle.dumps(used))
        assert [t.text for t in restored("والكتاب")] == [t.text for t in make()("والكتاب")]


def _indexed(analyze, text):
    return [(t.text, t.pos) for t in analyze(text, positions=True, boosts=True, mode="index")]


def _chained(analyze, text):
    return [(t.text, t.pos) for t in CompositeAnalyzer.__call__(analyze, text, positions=True, boosts=True, mode="index")]


@pytest.mark.parametrize("make", [analyzer, exact_analyzer])
def test_indexing_tokens_are_the_chains_own_on_the_seeds(make):
    analyze = make()
    seeds = pathlib.Path(__file__).parent.parent / "seeds"
    for path in sorted(seeds.iterdir()):
        for line in path.read_text("utf-8").splitlines() * 2:  # the second time from remembered pieces
            assert _indexed(analyze, line) == _chained(analyze, line)


_PIECES = st.sampled_from(["في", "والكتابُ", "(إلى)", "الى", "ـــ", "178.3", "١٠", "بِالْحَقِّ", "،", "لقوم", "English", "ٱلْعَـٰلَمِينَ", "ﷺ", "محمدﷺ"])


@given(st.lists(st.tuples(_PIECES, st.sampled_from([" ", "  ", "\n", "", "-"])), max_size=12))
def test_indexing_tokens_are_the_chains_own_for_any_text(pieces):
    text = "".join(piece + gap for piece, gap in pieces)
    for make in (analyzer, exact_analyzer):
        assert _indexed(make(), text) == _chained(make(), text)


def test_a_written_words_terms_without_the_chain_are_the_chains_own():
    seeds = pathlib.Path(__file__).parent.parent / "seeds"
    words = {word for path in seeds.iterdir() for word in TOKEN_PATTERN.findall(path.read_text("utf-8"))}
    exact = exact_analyzer()
    for word in words | {"وَالكِتَابُ", "لقومه", "حكومتهم", "في", "ـــ", "١٠", "ﷺ", "محمدﷺ"}:
        form = normalize(word)
        assert list(form_stems(form)) == index_terms(word)
        assert list(form_words(form)) == exact.terms(word)
