"""Reading corpora: seed pages with their metadata and without boilerplate, JSONL lines, encodings,
directory walks, and near-duplicate paragraphs."""

import codecs
import datetime
import json
import os
import pathlib
import random
import subprocess
import sys

import pytest

from search_service.ingest.documents import MAX_LINE_CHARS, Document, FieldLeftOut, SkippedRecord, paragraph_id, text_lines
from search_service.ingest.metadata import find_date, is_dateline
from search_service.ingest.near_duplicates import duplicate_groups
from search_service.ingest.sources import SourceError, iter_records

from conftest import write_jsonl

SEEDS = pathlib.Path(__file__).resolve().parent.parent / "seeds"
DATA = pathlib.Path(__file__).resolve().parent / "data" / "ingest"
PAGE_000 = "000_b0b6bfff154b50a2"
PAGE_001 = "001_93b21bcfa360256c"
PAGE_002 = "002_db66337763f26236"
PAGE_003 = "003_44ace279f8548755"
PAGE_004 = "004_bb9c77e55452a9c2"


def documents(*paths):
    return {r.id: r for r in iter_records(paths) if isinstance(r, Document)}


def skipped(*paths):
    return [r for r in iter_records(paths) if isinstance(r, SkippedRecord)]


def left_out(*paths):
    return [r for r in iter_records(paths) if isinstance(r, FieldLeftOut)]


def seed_paragraphs():
    return [
        (paragraph_id(d.id, n), text) for d in documents(SEEDS).values() for n, text in enumerate(d.paragraphs, start=1)
    ]


@pytest.fixture(scope="module")
def seeds():
    return documents(SEEDS)


@pytest.fixture(scope="module")
def seed_groups():
    return duplicate_groups(seed_paragraphs())


# Seed pages


def test_each_seed_page_is_one_document(seeds):
    assert sorted(seeds) == [PAGE_000, PAGE_001, PAGE_002, PAGE_003, PAGE_004]
    assert skipped(SEEDS) == []


@pytest.mark.parametrize(
    "page, title",
    [
        (PAGE_000, None),  # the page opens with prose: no headline to take
        (PAGE_001, 'نتائج اجتماع وزراء خارجية دول التحالف الدولي ضد داعش.. "التفاصيل الكاملة"'),
        (PAGE_002, "التحالف الدولي لهزيمة “داعش” يؤكد عزمه على مواصلة القتال ضد التنظيم"),
        (PAGE_003, "التحالف الدولي: قتال داعش في العراق وسوريا لا يزال من أولوياتنا"),
        (PAGE_004, "الخارجية الأمريكية: تهديد داعش في العراق وسوريا ما زال قائمًا"),
    ],
)
def test_headline_is_the_title_and_not_a_paragraph(seeds, page, title):
    assert seeds[page].title == title
    assert title not in seeds[page].paragraphs


@pytest.mark.parametrize(
    "page, date",
    [
        (PAGE_001, datetime.date(2024, 3, 29)),  # الجمعة 29 مارس 2024
        (PAGE_002, datetime.date(2021, 6, 28)),  # 28 يونيو 2021 – 18 ذو القعدة 1442
        (PAGE_000, None),  # "في 18 شباط" inside a paragraph is an event, not the publication date
        (PAGE_003, None),
        (PAGE_004, None),  # "اليوم الخميس 4 يونيو" is in a sentence and has no year
    ],
)
def test_date_comes_from_the_dateline_only(seeds, page, date):
    assert seeds[page].date == date


def test_a_short_sentence_with_a_date_stays_a_paragraph_and_does_not_date_the_page(tmp_path):
    page = "زلزال تركيا بعد عامين\nالأحد 9 فبراير 2025\nوقع الزلزال يوم 6 فبراير 2023.\nوما زالت آثاره ظاهرة في المدن الجنوبية حتى اليوم.\n"
    (tmp_path / "quake.txt").write_text(page, encoding="utf-8")
    document = documents(tmp_path)["quake"]
    assert document.date == datetime.date(2025, 2, 9)
    assert document.paragraphs == ("وقع الزلزال يوم 6 فبراير 2023.", "وما زالت آثاره ظاهرة في المدن الجنوبية حتى اليوم.")


def test_source_is_the_portal_named_in_its_follow_notice(seeds):
    assert seeds[PAGE_001].source == "بوابة روزا اليوسف"


@pytest.mark.parametrize(
    "notice, source",
    [("تابعوا آخر أخبار مصر على جوجل نيوز", "portal"), ("تابع أحدث الأخبار عبر تطبيق جوجل نيوز", "portal"),
     ("تابعونا عبر صفحتنا على فيسبوك", "portal"), ("تابع بوابة الشروق عبر صفحتها على فيسبوك", "بوابة الشروق"),
     ("تابعوا صفحتنا على فيسبوك", "portal"), ("تابعونا عبر صفحتنا الرسمية على فيسبوك", "portal"), ("تابعونا على صفحه فيسبوك", "portal")],
)
def test_a_follow_notice_naming_the_news_or_an_app_is_no_paragraph(tmp_path, notice, source):
    (tmp_path / "portal").mkdir()
    body = ["افتتح وزير الطاقة اليوم الأحد مشروع الطاقة الشمسية في محافظة معان بقدرة مئتي ميغاواط.", notice,
            "وقال الوزير إن المشروع يسهم في رفع نسبة الطاقة المتجددة في خليط الطاقة الكهربائية."]
    (tmp_path / "portal" / "news.txt").write_text("\n".join(body) + "\n", encoding="utf-8")
    page = documents(tmp_path / "portal")["news"]
    assert (page.source, page.paragraphs) == (source, (body[0], body[2]))


def test_source_defaults_to_the_directory_of_the_page(seeds):
    assert {seeds[page].source for page in (PAGE_000, PAGE_002, PAGE_003, PAGE_004)} == {"seeds"}


@pytest.mark.parametrize(
    "page, line",
    [
        (PAGE_001, "عاجل"),
        (PAGE_001, "الجمعة 29 مارس 2024"),
        (PAGE_001, "رئيس مجلس الإدارة"),
        (PAGE_001, "هبة صادق"),
        (PAGE_001, "رئيس التحرير"),
        (PAGE_001, "أيمن عبد المجيد"),
        (PAGE_001, "اعلان we"),
        (PAGE_001, "البنك الاهلي"),
        (PAGE_001, "تابع بوابة روزا اليوسف علي"),
        (PAGE_001, "جوجل نيوز"),
        (PAGE_002, "[ad_1]"),
        (PAGE_002, "[ad_2]"),
        (PAGE_002, "Source link"),
        (PAGE_002, "28 يونيو 2021 – 18 ذو القعدة 1442"),
        (PAGE_002, "07:23 PM"),
        (PAGE_002, "عقب الاجتماع المشترك في روما بإيطاليا"),
        (PAGE_004, "مبنى وزارة الخارجية الأمريكية"),
    ],
)
def test_boilerplate_line_is_not_a_paragraph(seeds, page, line):
    assert line not in seeds[page].paragraphs


@pytest.mark.parametrize(
    "page, count, first, last",
    [
        (PAGE_000, 15, "أكد وزراء خارجية دول التحالف", "وأكد الحاجة إلى وقف"),
        (PAGE_001, 35, "اختتمت، اليوم فعاليات", "وقال جودفري: "),
        (PAGE_002, 7, "أكد وزراء خارجية التحالف", "وسلّط الأعضاء الضوء"),
        (PAGE_003, 9, "أكد وزراء خارجية التحالف", "وأقر الوزراء بأن التطرف"),
        (PAGE_004, 13, "قالت الخارجية الأمريكية", "واتفق الوزراء أيضًا"),
    ],
)
def test_every_article_paragraph_is_kept_in_order_and_trimmed(seeds, page, count, first, last):
    paragraphs = seeds[page].paragraphs
    assert len(paragraphs) == count
    assert paragraphs[0].startswith(first) and paragraphs[-1].startswith(last)
    assert all(p == p.strip() for p in paragraphs)


def test_page_rules_are_general_not_tied_to_the_seeds():
    (page,) = documents(DATA / "levant").values()
    assert page.title == "مجلس الوزراء يقر خطة جديدة للكهرباء في بيروت"
    assert page.date == datetime.date(2023, 2, 15)  # الأربعاء ١٥ شباط ٢٠٢٣
    assert page.source == "levant"
    assert page.url == "https://example.org/lebanon/cabinet-electricity"
    assert [p[:10] for p in page.paragraphs] == ["أقر مجلس ا", "وقال وزير ", "وأضاف أن ا"]


# Datelines


@pytest.mark.parametrize(
    "line, date",
    [
        ("الجمعة 29 مارس 2024", datetime.date(2024, 3, 29)),
        ("28 يونيو 2021 – 18 ذو القعدة 1442", datetime.date(2021, 6, 28)),
        ("الأربعاء ١٥ شباط ٢٠٢٣", datetime.date(2023, 2, 15)),
        ("3 كانون الثاني 2020", datetime.date(2020, 1, 3)),
        ("الأحد 5 تشرين الأول 2019 - 10:30 ص", datetime.date(2019, 10, 5)),
        ("12 يوليه 2022", datetime.date(2022, 7, 12)),
        ("1 يونية 2022", datetime.date(2022, 6, 1)),
        ("9 آب 2021", datetime.date(2021, 8, 9)),
        ("7 ابريل 2021", datetime.date(2021, 4, 7)),
        ("القاهرة - الأربعاء 7 أبريل 2021", datetime.date(2021, 4, 7)),
        ("29 آذار/مارس 2024", datetime.date(2024, 3, 29)),
        ("نشر في 2024/03/29", datetime.date(2024, 3, 29)),
        ("آخر تحديث: 29-03-2024 | 07:23 PM", datetime.date(2024, 3, 29)),
        ("الجمعة 29 مارس 2024م.", datetime.date(2024, 3, 29)),
        # A Hijri date alone, in the Umm al-Qura calendar.
        ("18 ذو القعدة 1442 هـ", datetime.date(2021, 6, 28)),
        ("الجمعة 19 رمضان 1445 هـ", datetime.date(2024, 3, 29)),
        ("١ ذي الحجة ١٤٤٥", datetime.date(2024, 6, 7)),
        ("الأحد 1 جمادى الآخرة 1446", datetime.date(2024, 12, 2)),
    ],
)
def test_dateline_gives_its_gregorian_date(line, date):
    assert is_dateline(line)
    assert find_date(line) == date


@pytest.mark.parametrize("line", ["07:23 PM", "الساعة 10:30 ص.", "31 رجب 1445", "5 محرم 1200"])
def test_time_or_impossible_hijri_line_is_a_dateline_without_a_date(line):
    assert is_dateline(line)
    assert find_date(line) is None



@pytest.mark.parametrize(
    "line",
    [
        "ورحبوا بالقرار الصادر عن الاجتماع الوزاري لحلف الناتو في 18 شباط بشأن التوسع التدريجي لمهمة الناتو.",
        "وستعرض الحكومة الخطة على المجلس النيابي في 3 آذار 2023 لإقرارها بعد نقاش طويل بين الكتل.",
        "اليوم الخميس 4 يونيو",
        "وقع الزلزال يوم 6 فبراير 2023.",
        "ولد في 11 ديسمبر 1911 بالقاهرة.",
        "هل تذكر 6 فبراير 2023؟",
    ],
)
def test_date_inside_a_sentence_is_not_a_dateline(line):
    assert not is_dateline(line)


@pytest.mark.parametrize("line", ["31 فبراير 2024", "2024/13/01", "18/11/1442", "الجمعة 2 يناير 2099", "1 محرم 1500 هـ"])
def test_impossible_or_future_date_is_not_taken(line):
    assert find_date(line) is None


# Text files: shapes of pages


def test_repeated_sentence_is_kept_once_and_repeated_caption_dropped(tmp_path):
    sentence = "وأكد الوزراء التزامهم بمواصلة التعاون الوثيق مع حكومة العراق."
    caption = "صورة أرشيفية للاجتماع"
    (tmp_path / "page.txt").write_text(f"{sentence}\n{caption}\n{sentence}\n{caption}\n", encoding="utf-8")
    assert documents(tmp_path)["page"].paragraphs == (sentence,)


def test_headline_may_be_a_question(tmp_path):
    headline, body = "هل ينجح التحالف في هزيمة داعش نهائيا؟", "اجتمع الوزراء في روما أمس."
    (tmp_path / "page.txt").write_text(f"{headline}\n{body}\n", encoding="utf-8")
    page = documents(tmp_path)["page"]
    assert (page.title, page.paragraphs) == (headline, (body,))


def test_a_paragraph_wrapped_over_lines_is_one_paragraph_and_the_headline_stays_the_title(tmp_path):
    (tmp_path / "wrapped.txt").write_text(
        "تقرير عن الاقتصاد المصري\n\n"
        "قال البنك المركزي المصري إن معدل التضخم السنوي تراجع\n"
        "في شهر مارس إلى مستوى هو الأدنى منذ عامين بفضل\n"
        "تراجع أسعار الغذاء والطاقة في الأسواق المحلية.\n\n"
        "وأضاف البنك في بيان أن السياسة النقدية ستظل متشددة\r\n"
        "حتى يستقر التضخم عند المستهدف على المدى المتوسط.\r\n",
        encoding="utf-8", newline="",
    )
    page = documents(tmp_path)["wrapped"]
    assert page.title == "تقرير عن الاقتصاد المصري"
    assert page.paragraphs == (
        "قال البنك المركزي المصري إن معدل التضخم السنوي تراجع في شهر مارس إلى مستوى هو الأدنى منذ عامين بفضل"
        " تراجع أسعار الغذاء والطاقة في الأسواق المحلية.",
        "وأضاف البنك في بيان أن السياسة النقدية ستظل متشددة حتى يستقر التضخم عند المستهدف على المدى المتوسط.",
    )


def test_a_list_closing_a_page_is_kept_where_a_sentence_introduces_it(tmp_path):
    items = ("توفير اللقاحات مجانا في جميع المراكز الصحية", "تمديد ساعات عمل العيادات في المحافظات")
    (tmp_path / "list.txt").write_text(
        "أعلنت وزارة الصحة عن إجراءات جديدة لمواجهة انتشار الإنفلونزا الموسمية هذا الشتاء.\n"
        "وتشمل الإجراءات ما يلي:\n" + "\n".join(items) + "\nشارك الخبر\n", encoding="utf-8",
    )
    assert documents(tmp_path)["list"].paragraphs[-2:] == items


def test_control_characters_are_dropped_from_paragraphs(tmp_path):
    (tmp_path / "page.txt").write_bytes("اجتمع الوزراء\x00 في روما\x1b أمس.\n".encode())
    assert documents(tmp_path)["page"].paragraphs == ("اجتمع الوزراء في روما أمس.",)


def test_page_of_boilerplate_only_is_skipped_and_reported(tmp_path):
    (tmp_path / "empty.txt").write_text("[ad_1]\n \n07:23 PM\nSource link\n", encoding="utf-8")
    assert documents(tmp_path) == {}
    (record,) = skipped(tmp_path)
    assert record.file == str(tmp_path / "empty.txt") and "empty document" in record.reason


@pytest.mark.parametrize("content", [b"", b"\n\n", b"\xef\xbb\xbf", " \t\n\u200b\n\u00a0\n".encode(), b".\n***\n"],
                         ids=["empty", "blank lines", "byte order mark", "invisible characters", "punctuation"])
def test_a_text_file_of_no_words_is_skipped_and_reported_and_the_others_indexed(tmp_path, content):
    (tmp_path / "blank.txt").write_bytes(content)
    (tmp_path / "article.txt").write_text("اجتمع وزراء الخارجية في روما أمس.\n", encoding="utf-8")
    assert list(documents(tmp_path)) == ["article"]
    (record,) = skipped(tmp_path)
    assert record.file == str(tmp_path / "blank.txt") and "empty document" in record.reason


def test_lines_of_punctuation_are_no_paragraphs(tmp_path):
    (tmp_path / "page.txt").write_text("اجتمع الوزراء في روما أمس.\n***\nوبحثوا الأوضاع في المنطقة.\n", encoding="utf-8")
    assert documents(tmp_path)["page"].paragraphs == ("اجتمع الوزراء في روما أمس.", "وبحثوا الأوضاع في المنطقة.")


# Encodings and line endings


PAGE = "العنوان الرئيسي للخبر اليوم\nالفقرة الأولى من الخبر.\n\nالفقرة الثانية من الخبر.\n"


@pytest.mark.parametrize(
    "name, data",
    [
        ("bom", b"\xef\xbb\xbf" + PAGE.encode()),
        ("crlf", PAGE.replace("\n", "\r\n").encode()),
        ("cr", PAGE.replace("\n", "\r").encode()),
        ("bom_crlf", b"\xef\xbb\xbf" + PAGE.replace("\n", "\r\n").encode()),
    ],
)
def test_text_file_in_any_utf8_flavour_is_read(tmp_path, name, data):
    (tmp_path / f"{name}.txt").write_bytes(data)
    page = documents(tmp_path)[name]
    assert page.title == "العنوان الرئيسي للخبر اليوم"
    assert page.paragraphs == ("الفقرة الأولى من الخبر.", "الفقرة الثانية من الخبر.")


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
def test_jsonl_with_bom_and_any_newline_is_read(tmp_path, newline):
    lines = [json.dumps({"id": f"d{i}", "text": f"فقرة رقم {i}."}, ensure_ascii=False) for i in range(3)]
    (tmp_path / "bom.jsonl").write_bytes(b"\xef\xbb\xbf" + newline.join(lines).encode())
    assert list(documents(tmp_path)) == ["d0", "d1", "d2"]
    assert skipped(tmp_path) == []


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be"])
def test_jsonl_in_utf16_with_a_byte_order_mark_is_read_line_by_line(tmp_path, encoding):
    """As Windows PowerShell 5 writes a redirection; a line separator inside a string stays in it."""
    lines = [json.dumps({"id": f"d{i}", "text": f"فقرة رقم {i}.\u2028تتمة"}, ensure_ascii=False) for i in range(3)]
    data = "\r\n".join(lines).encode(encoding)
    (tmp_path / "windows.jsonl").write_bytes(data if encoding == "utf-16" else codecs.BOM_UTF16_BE + data)
    found = documents(tmp_path)
    assert list(found) == ["d0", "d1", "d2"] and found["d2"].paragraphs == ("فقرة رقم 2.", "تتمة")
    assert skipped(tmp_path) == []


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be"])
def test_jsonl_in_utf16_or_utf32_without_a_byte_order_mark_is_read_as_with_one(tmp_path, encoding):
    """JSON opens with an ASCII character, so the NUL bytes among the first four tell the encoding."""
    records = [{"id": "ahram-1", "text": "اجتمع وزراء خارجية التحالف في روما.\nوأكدوا عزمهم على مواصلة القتال.", "date": "2024-03-29"},
               {"id": "ahram-2", "text": "افتتح وزير الطاقة مشروع الطاقة الشمسية في معان."}]
    lines = "\r\n".join(json.dumps(record, ensure_ascii=False) for record in records) + "\r\n"
    (tmp_path / "export.jsonl").write_bytes(lines.encode(encoding))
    found = documents(tmp_path)
    assert skipped(tmp_path) == [] and list(found) == ["ahram-1", "ahram-2"]
    assert found["ahram-1"].paragraphs == ("اجتمع وزراء خارجية التحالف في روما.", "وأكدوا عزمهم على مواصلة القتال.")


def test_a_byte_order_mark_opening_a_later_or_blank_line_is_ignored(tmp_path):
    """Concatenated JSONL files keep each file's byte order mark."""
    line = lambda i: json.dumps({"id": f"d{i}", "text": f"فقرة رقم {i}."}, ensure_ascii=False).encode()
    bom = b"\xef\xbb\xbf"
    (tmp_path / "joined.jsonl").write_bytes(bom + b"\n" + line(0) + b"\n" + bom + line(1) + b"\n" + bom + b"\n")
    # Two UTF-16 files joined, each with its byte order mark (as Windows PowerShell 5 writes them).
    (tmp_path / "joined16.jsonl").write_bytes(b"".join((line(i).decode() + "\r\n").encode("utf-16") for i in (2, 3)))
    assert list(documents(tmp_path)) == ["d0", "d1", "d2", "d3"]
    assert skipped(tmp_path) == []


NOT_TEXT = "not text in UTF-8, UTF-16 with a byte order mark, or Arabic Windows-1256"


@pytest.mark.parametrize("encoding", ["cp1256", "utf-16", "utf-16-be", "utf-8-sig"])
def test_a_text_file_in_an_arabic_windows_or_unicode_encoding_is_read_as_in_utf8(tmp_path, encoding):
    # Windows writes UTF-16 with a byte order mark, which Python's "utf-16" adds and "utf-16-be" does not.
    data = PAGE.encode(encoding) if encoding != "utf-16-be" else codecs.BOM_UTF16_BE + PAGE.encode(encoding)
    read = []
    for folder, written in (("utf8", PAGE.encode("utf-8")), (encoding, data)):
        (tmp_path / folder / "news").mkdir(parents=True)
        (tmp_path / folder / "news" / "page.txt").write_bytes(written)
        read.append(list(iter_records([tmp_path / folder / "news" / "page.txt"])))
    assert read[0] == read[1] and isinstance(read[0][0], Document)


def test_a_text_file_in_another_encoding_or_in_broken_utf8_is_skipped_and_reported(tmp_path):
    (tmp_path / "latin.txt").write_bytes("Grüße aus München, schöne Straße.".encode("latin-1"))
    (tmp_path / "cut.txt").write_bytes(PAGE.encode("utf-8") + "م".encode("utf-8")[:1])  # not read as Windows-1256
    (tmp_path / "good.txt").write_text(PAGE, encoding="utf-8")
    assert list(documents(tmp_path)) == ["good"]
    assert skipped(tmp_path) == [SkippedRecord(str(tmp_path / name), None, NOT_TEXT) for name in ("cut.txt", "latin.txt")]


def test_utf16_text_without_a_byte_order_mark_is_skipped_and_reported(tmp_path):
    (tmp_path / "wide.txt").write_bytes("الفقرة الأولى من الخبر.".encode("utf-16-le"))
    assert skipped(tmp_path) == [SkippedRecord(str(tmp_path / "wide.txt"), None, NOT_TEXT)]


def test_non_utf8_jsonl_line_is_skipped_and_the_rest_read(tmp_path):
    good = json.dumps({"id": "ok", "text": "نص سليم."}, ensure_ascii=False).encode()
    bad = json.dumps({"id": "bad", "text": "نص بترميز قديم."}, ensure_ascii=False).encode("cp1256")
    (tmp_path / "mixed.jsonl").write_bytes(bad + b"\n" + good + b"\n")
    assert list(documents(tmp_path)) == ["ok"]
    assert skipped(tmp_path) == [SkippedRecord(str(tmp_path / "mixed.jsonl"), 1, "not UTF-8 text")]


# JSONL records


def test_good_jsonl_records_are_read_with_their_metadata():
    records = documents(DATA / "articles.jsonl")
    assert list(records) == ["j1", "j8"]
    assert records["j1"] == Document(
        id="j1",
        paragraphs=("اجتمع وزراء خارجية التحالف في روما.", "وأكدوا عزمهم على مواصلة القتال ضد داعش."),
        title="اجتماع التحالف",
        date=datetime.date(2021, 6, 28),
        source="وكالة الأنباء",
        url="https://example.org/j1",
    )
    assert records["j8"].source == "articles"  # the file's stem
    assert records["j8"].title is None and records["j8"].date is None


@pytest.mark.parametrize(
    "line, reason",
    [
        (3, "invalid JSON"),
        (4, 'missing "text"'),
        (5, '"id" must be a string, got number'),
        (6, 'bad "date" "28/06/2021"'),
        (7, 'empty "text"'),
        (8, "expected a JSON object, got array"),
        (10, "duplicate document id 'j1'"),
        (11, 'bad "date" "2023-02-30"'),
        (12, '"title" must be a string'),
    ],
)
def test_bad_jsonl_line_is_skipped_and_reported_with_file_and_line(line, reason):
    problems = {record.line: record for record in skipped(DATA / "articles.jsonl")}
    assert problems[line].file == str(DATA / "articles.jsonl")
    assert reason in problems[line].reason


@pytest.mark.parametrize(
    "written",
    ["2024-03-05", "2024-3-5", "2024-03-05T10:00:00Z", "2024-03-05 10:00", "٢٠٢٤-٠٣-٠٥", "2024-03-05T23:30:00.5+03:00", "1445-08-24"],
)
def test_a_jsonl_date_is_read_with_a_time_after_it_one_digit_arabic_digits_or_in_the_hijri_calendar(tmp_path, written):
    write_jsonl(tmp_path / "dated.jsonl", [{"id": "d", "text": "نص الخبر.", "date": written}])
    assert documents(tmp_path)["d"].date == datetime.date(2024, 3, 5)


@pytest.mark.parametrize(
    "written, date",
    [("12 مارس 2024", datetime.date(2024, 3, 12)), ("الجمعة 29 آذار 2024", datetime.date(2024, 3, 29)),
     ("19 رمضان 1445 هـ", datetime.date(2024, 3, 29)), ("", None), ("  ", None)],
)
def test_a_jsonl_date_written_with_its_months_name_is_read_and_a_blank_one_is_none(tmp_path, written, date):
    write_jsonl(tmp_path / "dated.jsonl", [{"id": "d", "text": "نص الخبر.", "date": written}])
    assert documents(tmp_path)["d"].date == date and skipped(tmp_path) == []


def test_a_jsonl_date_of_a_year_no_news_archive_has_beside_its_hijri_date_is_the_hijri_one(tmp_path):
    write_jsonl(tmp_path / "dated.jsonl", [{"id": "d", "text": "نص الخبر.", "date": "15 مارس 2999 - 5 رمضان 1445"}])
    assert documents(tmp_path)["d"].date == datetime.date(2024, 3, 15) and left_out(tmp_path) == skipped(tmp_path) == []


@pytest.mark.parametrize("written", ["05/03/2024 م", "نشر في 05/03/2024"])
def test_a_jsonl_date_in_digits_of_either_order_is_refused_whatever_words_are_around_it(tmp_path, written):
    write_jsonl(tmp_path / "dated.jsonl", [{"id": "d", "text": "نص الخبر.", "date": written}])
    assert documents(tmp_path) == {} and "nor one written with its month's name" in skipped(tmp_path)[0].reason


def test_a_jsonl_hijri_date_the_calendar_does_not_have_is_skipped_and_reported(tmp_path):
    write_jsonl(tmp_path / "dated.jsonl", [{"id": "d", "text": "نص الخبر.", "date": "1445-13-01"}])  # a thirteenth month
    assert documents(tmp_path) == {} and 'bad "date" "1445-13-01"' in skipped(tmp_path)[0].reason


@pytest.mark.parametrize("written", ["2999-01-01", "0001-01-01", "1 يناير 2999", "1899-12-31"])
def test_a_jsonl_date_no_news_archive_has_is_left_out_and_reported_apart_from_skipped_records_and_the_record_indexed(tmp_path, written):
    tomorrow = (datetime.date.today() + datetime.timedelta(days=1)).isoformat()
    write_jsonl(tmp_path / "wires.jsonl", [
        {"id": "placeholder", "text": "افتتح وزير الطاقة مشروع الطاقة الشمسية في معان.", "date": written},
        {"id": "time-zone", "text": "اجتمع وزراء خارجية التحالف في روما.", "date": tomorrow},  # the writer's today, ahead of ours
    ])
    found = documents(tmp_path)
    assert found["placeholder"].date is None and found["time-zone"].date.isoformat() == tomorrow
    assert skipped(tmp_path) == [] and [str(record) for record in left_out(tmp_path)] == [
        f'{tmp_path / "wires.jsonl"}:1: "date" "{written}": no publication date is before 1900 or after tomorrow'
    ]


def test_a_date_left_out_of_a_record_skipped_for_its_duplicate_id_is_not_reported_besides(tmp_path):
    write_jsonl(tmp_path / "wires.jsonl", [
        {"id": "a", "text": "افتتح وزير الطاقة مشروع الطاقة الشمسية في معان.", "date": "2024-03-05"},
        {"id": "a", "text": "اجتمع وزراء خارجية التحالف في روما.", "date": "2999-01-01"},
    ])
    assert [record.reason for record in skipped(tmp_path)] == [f"duplicate document id 'a', first read from {tmp_path / 'wires.jsonl'}:1"]
    assert left_out(tmp_path) == []


def test_a_line_longer_than_a_paragraph_is_cut_after_sentence_ends(tmp_path):
    article = " ".join(f"قال الوزير في البيان رقم {n} إن المفاوضات مستمرة." for n in range(400))
    word = "ا" * 12_000
    write_jsonl(tmp_path / "long.jsonl", [{"id": "article", "text": article}, {"id": "word", "text": word}])
    read = documents(tmp_path)
    paragraphs = read["article"].paragraphs
    assert len(paragraphs) > 3 and all(len(p) <= MAX_LINE_CHARS and p.endswith(".") for p in paragraphs)
    assert " ".join(paragraphs) == article
    assert [len(p) for p in read["word"].paragraphs] == [5000, 5000, 2000]
    spaced = text_lines(("كلمة  " * 3000).strip())
    assert len(spaced) == 4 and all(line == line.strip() and len(line) <= MAX_LINE_CHARS for line in spaced)


def test_a_control_character_in_a_jsonl_line_is_reported_where_it_is(tmp_path):
    (tmp_path / "raw.jsonl").write_bytes(b'{"id": "n", "text": "\x00"}\n')
    [record] = skipped(tmp_path)
    assert record.reason == "invalid JSON: Invalid control character at column 22"


@pytest.mark.parametrize(
    "line", ['{"id": "n", "text": "نص", "n": ' + "1" * 5000 + "}", "[" * 100_000 + "]" * 100_000],
    ids=["a number of 5,000 digits", "arrays nested 100,000 deep"],
)
def test_json_the_decoder_refuses_beyond_syntax_is_skipped_and_the_rest_read(tmp_path, line):
    good = json.dumps({"id": "ok", "text": "نص سليم."}, ensure_ascii=False)
    (tmp_path / "odd.jsonl").write_text(line + "\n" + good + "\n", encoding="utf-8")
    assert list(documents(tmp_path)) == ["ok"]
    [record] = skipped(tmp_path)
    assert (record.line, record.reason.startswith("invalid JSON")) == (1, True)


def test_every_bad_jsonl_line_is_reported_once_and_blank_lines_are_not():
    assert sorted(record.line for record in skipped(DATA / "articles.jsonl")) == [3, 4, 5, 6, 7, 8, 10, 11, 12]


@pytest.mark.parametrize("text", ["\u200f\n\u200b", "َُِّ\nـــ", "...\n—"], ids=["invisible", "marks and tatweel", "punctuation"])
def test_jsonl_text_of_no_word_is_an_empty_document(tmp_path, text):
    (tmp_path / "blank.jsonl").write_text(json.dumps({"id": "x", "text": text}) + "\n", encoding="utf-8")
    (record,) = skipped(tmp_path)
    assert (record.line, record.reason) == (1, 'empty document: "text" has no paragraph')


def test_jsonl_lines_of_no_word_are_no_paragraphs(tmp_path):
    (tmp_path / "a.jsonl").write_text(json.dumps({"id": "a", "text": "الفقرة الأولى.\n***\nالفقرة الثانية."}) + "\n", encoding="utf-8")
    assert documents(tmp_path)["a"].paragraphs == ("الفقرة الأولى.", "الفقرة الثانية.")


# Sources


def test_directory_is_walked_recursively_in_sorted_order(tmp_path):
    (tmp_path / "b" / "deep").mkdir(parents=True)
    (tmp_path / "a").mkdir()
    (tmp_path / "b" / "deep" / "z.txt").write_text(PAGE, encoding="utf-8")
    (tmp_path / "b" / "y.txt").write_text(PAGE, encoding="utf-8")
    (tmp_path / "a" / "x.jsonl").write_text('{"id": "x", "text": "نص."}\n', encoding="utf-8")
    (tmp_path / "a" / "notes.md").write_text("ignored", encoding="utf-8")
    (tmp_path / ".cache").mkdir()
    (tmp_path / ".cache" / "hidden.txt").write_text(PAGE, encoding="utf-8")
    assert list(documents(tmp_path)) == ["x", "b/y", "b/deep/z"]
    assert skipped(tmp_path) == []


def test_linked_directories_are_followed_once_and_a_link_loop_ends(tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "linked.txt").write_text(PAGE, encoding="utf-8")
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "own.txt").write_text(PAGE, encoding="utf-8")
    (corpus / "link").symlink_to(elsewhere)
    (corpus / "again").symlink_to(elsewhere)
    (elsewhere / "loop").symlink_to(corpus)
    assert sorted(documents(corpus)) == ["again/linked", "own"]  # named by the first path the walk takes to it
    assert skipped(corpus) == []


def test_a_file_reached_again_under_another_name_is_reported_and_a_file_named_twice_is_read_once(tmp_path):
    (tmp_path / "a.txt").write_text(PAGE, encoding="utf-8")
    os.link(tmp_path / "a.txt", tmp_path / "b.txt")
    (tmp_path / "c.txt").symlink_to("a.txt")
    assert list(documents(tmp_path, tmp_path / "a.txt")) == ["a"]
    assert skipped(tmp_path, tmp_path / "a.txt") == [
        SkippedRecord(str(tmp_path / name), None, f"the same file as {tmp_path / 'a.txt'}, already read") for name in ("b.txt", "c.txt")
    ]


def test_a_file_whose_name_is_not_utf8_is_reported_not_fatal(tmp_path):
    folder = os.fsencode(tmp_path / "windows")
    os.mkdir(folder)
    with open(folder + b"/\xe3\xc8\xd1.txt", "w", encoding="utf-8") as file:  # an Arabic name in Windows-1256
        file.write(PAGE)
    (tmp_path / "good.txt").write_text(PAGE, encoding="utf-8")
    assert list(documents(tmp_path)) == ["good"]
    [record] = skipped(tmp_path)
    assert record.file == f"{tmp_path}/windows/\ufffd\ufffd\ufffd.txt" and "not UTF-8: rename it" in record.reason


@pytest.mark.parametrize(
    "document_id, problem",
    [("/lead", "begins with /"), ("line\nbreak", "holds a control character"), ("..", "is a path step"), ("\u200b", "has no visible character")],
)
def test_a_document_id_no_url_can_name_is_reported(tmp_path, document_id, problem):
    write_jsonl(tmp_path / "ids.jsonl", [{"id": document_id, "text": "نص الخبر."}, {"id": "ok", "text": "نص الخبر."}])
    assert list(documents(tmp_path)) == ["ok"]
    assert skipped(tmp_path) == [SkippedRecord(str(tmp_path / "ids.jsonl"), 1, f"document id {document_id!r} {problem}: no URL can name it")]


def test_a_pipe_named_like_a_corpus_file_is_skipped_not_waited_for(tmp_path):
    os.mkfifo(tmp_path / "pipe.txt")
    (tmp_path / "page.txt").write_text(PAGE, encoding="utf-8")
    for source in tmp_path, tmp_path / "pipe.txt":
        assert skipped(source) == [SkippedRecord(str(tmp_path / "pipe.txt"), None, "not a regular file")]
    assert list(documents(tmp_path)) == ["page"]


@pytest.mark.skipif(os.geteuid() == 0, reason="root lists any directory")
def test_a_directory_that_cannot_be_listed_is_reported(tmp_path):
    (tmp_path / "locked").mkdir()
    (tmp_path / "locked" / "inside.txt").write_text(PAGE, encoding="utf-8")
    (tmp_path / "page.txt").write_text(PAGE, encoding="utf-8")
    (tmp_path / "locked").chmod(0)
    try:
        [record] = skipped(tmp_path)
        assert record.file == str(tmp_path / "locked") and record.reason.startswith("cannot read directory")
        assert list(documents(tmp_path)) == ["page"]
    finally:
        (tmp_path / "locked").chmod(0o755)


WEB = DATA / "web"


def test_a_web_page_is_its_article_with_the_metadata_its_markup_declares():
    page = documents(WEB / "rome.html")["rome"]
    assert page.title == "وزراء خارجية التحالف يجتمعون في روما"
    assert (page.date, page.source, page.url) == (datetime.date(2024, 3, 29), "بوابة الأخبار", "https://news.example/2024/03/29/rome")
    # The article's paragraphs only: no headline, dateline, menu, most-read list or footer.
    assert len(page.paragraphs) == 3 and page.paragraphs[0].startswith("اجتمع وزراء خارجية دول التحالف")
    assert not any(word in " ".join(page.paragraphs) for word in ("الرئيسية", "الأكثر قراءة", "الحقوق", "فيسبوك", "29 مارس"))


@pytest.mark.parametrize("mark", ["&rlm;", "&#x200F;", "\u200f"])
def test_a_headline_opening_with_a_direction_mark_is_the_title_and_no_paragraph(tmp_path, mark):
    article = (WEB / "rome.html").read_text(encoding="utf-8")
    (tmp_path / "marked.html").write_text(article.replace("<h1>", "<h1>" + mark), encoding="utf-8")
    page = documents(tmp_path / "marked.html")["marked"]
    assert (page.title, page.paragraphs) == ("وزراء خارجية التحالف يجتمعون في روما", documents(WEB / "rome.html")["rome"].paragraphs)


def test_a_web_page_in_the_encoding_it_declares_takes_its_date_and_source_from_the_text_and_folder():
    page = documents(WEB / "cairo.htm")["cairo"]  # windows-1256, no metadata in its markup
    assert (page.title, page.date, page.source) == ("مباحثات في القاهرة حول الأزمة", datetime.date(2024, 4, 2), "web")
    assert len(page.paragraphs) == 2 and "السوداني" in page.paragraphs[0]
    assert not any("محفوظة" in p or "اتصل بنا" in p for p in page.paragraphs)


def test_a_web_pages_title_is_its_headline_and_its_short_lines_and_dateline_anywhere_count():
    # og:title with the site's name, the logo in an <h1>, the headline in an <h2>, the date in a <div>
    page = documents(WEB / "portal.html")["portal"]
    assert (page.title, page.date) == ("افتتاح مستشفى جديد في الجيزة بسعة خمسمائة سرير", datetime.date(2024, 3, 29))
    # Short lines of the article are its own (a lead, a closing question); a <template> is shown nowhere.
    assert page.paragraphs[0] == "خدمة مجانية للأطفال" and page.paragraphs[-1] == "هل يكفي ذلك؟"
    assert len(page.paragraphs) == 4 and not any("قالب" in p for p in page.paragraphs)


def test_a_web_page_laid_out_in_a_table_keeps_its_paragraphs_without_table_markup(tmp_path):
    rows = "".join(f"<tr><td>{text}</td></tr>" for text in (
        "اجتمع وزراء خارجية دول التحالف في روما لبحث الأزمة الإنسانية في المنطقة.",
        "وقال المتحدث الرسمي إن الاجتماع ناقش خطة لإيصال المساعدات إلى المدنيين.",
    ))
    prices = "<tr><td>عيار 24</td><td></td><td>3600 جنيه</td></tr>"
    (tmp_path / "table.html").write_text(f"<html><body><table>{rows}{prices}</table></body></html>", encoding="utf-8")
    assert list(documents(tmp_path / "table.html")["table"].paragraphs) == [
        "اجتمع وزراء خارجية دول التحالف في روما لبحث الأزمة الإنسانية في المنطقة.",
        "وقال المتحدث الرسمي إن الاجتماع ناقش خطة لإيصال المساعدات إلى المدنيين.",
        "عيار 24 | 3600 جنيه",
    ]


def test_a_page_laid_out_in_columns_of_a_table_keeps_the_articles_paragraphs_without_the_menu(tmp_path):
    paragraphs = (
        "أعلنت الهيئة المستقلة للانتخاب في الأردن عن موعد إجراء الانتخابات البرلمانية المقبلة.",
        "وأكد رئيس الهيئة أن الاستعدادات تسير وفق الجدول الزمني المحدد.",
    )
    menu = '<a href="/">الرئيسية</a><br><a href="/a">محليات</a><br><a href="/b">رياضة</a>'
    article = "<h1>الانتخابات البرلمانية في الأردن</h1>" + "".join(f"<p>{p}</p>" for p in paragraphs)
    prices = "<table><tr><td>عيار 24</td><td>3600 جنيه</td></tr><tr><td>عيار 21</td><td>3150 جنيه</td></tr></table>"
    (tmp_path / "layout.html").write_text(
        f"<html><body><table><tr><td>{menu}</td><td>{article}{prices}</td></tr></table></body></html>", encoding="utf-8",
    )
    page = documents(tmp_path / "layout.html")["layout"]
    assert page.title == "الانتخابات البرلمانية في الأردن"
    assert page.paragraphs == (*paragraphs, "عيار 24 | 3600 جنيه", "عيار 21 | 3150 جنيه")


def test_the_index_pages_of_a_saved_crawl_are_named_by_their_folders(tmp_path):
    article = "<html><body><article><p>{}</p></article></body></html>"
    pages = {
        "site.com/ar/news": "اجتمع وزراء خارجية دول التحالف في روما لبحث الأزمة الإنسانية في المنطقة.",
        "site.com/en/news": "وقال المتحدث الرسمي إن الاجتماع ناقش خطة لإيصال المساعدات إلى المدنيين.",
        "site.com/ar/news/page/2": "وأضاف أن الدول المشاركة اتفقت على عقد اجتماع جديد في الشهر المقبل.",
    }
    for folder, text in pages.items():
        (tmp_path / "crawl" / folder).mkdir(parents=True, exist_ok=True)
        (tmp_path / "crawl" / folder / "index.html").write_text(article.format(text), encoding="utf-8")
    (tmp_path / "crawl" / "site.com" / "about.html").write_text(article.format("موقع إخباري يغطي أخبار المنطقة العربية والعالم على مدار الساعة."), encoding="utf-8")
    assert sorted(documents(tmp_path / "crawl")) == sorted([*pages, "site.com/about"])
    assert {page.source for page in documents(tmp_path / "crawl").values()} == {"site.com"}  # the site's folder
    assert skipped(tmp_path / "crawl") == []
    # A folder named as the source, or its index page named directly, gives the folder's name.
    assert list(documents(tmp_path / "crawl" / "site.com" / "en" / "news")) == ["news"]
    assert list(documents(tmp_path / "crawl" / "site.com" / "ar" / "news" / "page" / "2" / "index.html")) == ["2"]


def test_a_tree_of_folders_deeper_than_pythons_recursion_is_walked(tmp_path):
    deepest = tmp_path
    for _ in range(1500):  # one at a time: Path.mkdir(parents=True) recurses too
        deepest = deepest / "d"
        deepest.mkdir()
    try:
        (tmp_path / "top.txt").write_text(PAGE, encoding="utf-8")
        (deepest / "bottom.txt").write_text(PAGE, encoding="utf-8")
        assert [key.rpartition("/")[2] for key in documents(tmp_path)] == ["top", "bottom"]
        assert skipped(tmp_path) == []
    finally:  # pytest's clean-up of old temporary directories recurses as well
        for file in deepest.iterdir():
            file.unlink()
        while deepest != tmp_path:
            deepest.rmdir()
            deepest = deepest.parent


def test_files_of_the_same_name_in_two_sites_folders_are_two_documents(tmp_path):
    texts = {
        "ahram": "اجتمع وزراء خارجية دول التحالف في روما لبحث الأزمة الإنسانية في المنطقة.",
        "youm7": "وقال المتحدث الرسمي إن الاجتماع ناقش خطة لإيصال المساعدات إلى المدنيين.",
    }
    for site, text in texts.items():
        (tmp_path / "corpus" / site).mkdir(parents=True)
        (tmp_path / "corpus" / site / "123.txt").write_text(text + "\n", encoding="utf-8")
    (tmp_path / "corpus" / "124.txt").write_text(texts["ahram"] + "\n", encoding="utf-8")
    found = documents(tmp_path / "corpus")
    assert {key: d.paragraphs for key, d in found.items()} == {
        "124": (texts["ahram"],), "ahram/123": (texts["ahram"],), "youm7/123": (texts["youm7"],),
    }
    assert skipped(tmp_path / "corpus") == []
    # A file named directly is named by its file name.
    assert list(documents(tmp_path / "corpus" / "youm7" / "123.txt")) == ["123"]


def test_a_site_name_from_broken_structured_data_is_written_as_the_title_writes_it(tmp_path):
    # The unescaped quote in the headline breaks the JSON; trafilatura then reads the name without its space.
    structured = '{"@type":"NewsArticle","headline":"بيان "التحالف الدولي","publisher":{"@type":"Organization","name":"اليوم السابع"}}'
    article = "".join(f"<p>{text}</p>" for text in (
        "أعلنت وزارة الصحة اليوم عن افتتاح مستشفى جديد في محافظة الجيزة بسعة خمسمائة سرير لخدمة أهالي المنطقة.",
        "وقال المتحدث الرسمي باسم الوزارة إن المستشفى مجهز بأحدث الأجهزة الطبية ويضم أقساما للطوارئ.",
    ))
    (tmp_path / "page.html").write_text(
        f'<html><head><title>بيان "التحالف الدولي - اليوم السابع</title>'
        f'<script type="application/ld+json">{structured}</script></head><body><article>{article}</article></body></html>',
        encoding="utf-8",
    )
    assert documents(tmp_path / "page.html")["page"].source == "اليوم السابع"


ADDRESS = "https://www.youm7.com/story/2024/3/29/وزراء-خارجية-التحالف-يجتمعون-في-روما/6512345"


@pytest.mark.parametrize(
    "structured",
    [
        {"@context": "https://schema.org", "@type": "NewsArticle", "mainEntityOfPage": ADDRESS},
        {"@context": "https://schema.org", "@type": "NewsArticle", "mainEntityOfPage": {"@type": "WebPage", "@id": ADDRESS}},
        {"@context": "https://schema.org", "@graph": [{"@type": "Organization", "name": "اليوم السابع"},
                                                      {"@type": "NewsArticle", "mainEntityOfPage": {"@id": ADDRESS}}]},
        [{"@type": "WebSite", "url": "https://www.youm7.com/", "mainEntityOfPage": "https://www.youm7.com/"},
         {"@type": "NewsArticle", "mainEntityOfPage": ADDRESS}],
        {"@type": ["NewsArticle"], "mainEntityOfPage": {"@type": "WebPage", "@id": f"{ADDRESS}#webpage"}},
        {"@type": "NewsArticle", "mainEntityOfPage": {"@type": "WebPage", "url": ADDRESS}},
        {"@type": "NewsArticle", "mainEntityOfPage": [{"@type": "WebPage", "@id": ADDRESS}]},
    ],
    ids=["an address", "an @id", "in a graph", "the site's before the article's", "a web page's node id", "a url", "a list"],
)
def test_a_web_page_without_a_canonical_link_has_the_address_its_structured_data_gives(tmp_path, structured):
    canonical = '<link rel="canonical" href="https://news.example/2024/03/29/rome">'
    article = (WEB / "rome.html").read_text(encoding="utf-8")
    script = f'<script type="application/ld+json">{json.dumps(structured, ensure_ascii=False)}</script>'
    (tmp_path / "page.html").write_text(article.replace(canonical, "").replace("</head>", f"{script}</head>"), encoding="utf-8")
    # Written as a canonical link of that address is (its path percent-encoded).
    (tmp_path / "linked.html").write_text(article.replace(canonical, f'<link rel="canonical" href="{ADDRESS}">'), encoding="utf-8")
    assert documents(tmp_path / "page.html")["page"].url == documents(tmp_path / "linked.html")["linked"].url
    assert documents(tmp_path / "page.html")["page"].url.startswith("https://www.youm7.com/story/2024/3/29/%D9%88")
    # A canonical link comes first.
    (tmp_path / "canonical.html").write_text(article.replace("</head>", f"{script}</head>"), encoding="utf-8")
    assert documents(tmp_path / "canonical.html")["canonical"].url == "https://news.example/2024/03/29/rome"


@pytest.mark.parametrize(
    "script",
    [
        '<script type="application/ld+json; charset=utf-8">{json}</script>',
        '<script type="application/ld+json">//<![CDATA[\n{json}\n//]]></script>',
        '<script type="application/ld+json"><!--\n{json}\n--></script>',
        '<script type="application/ld+json"><!--\n{json}\n//--></script>',
        '<script type="application/ld+json"><!--//--><![CDATA[//><!--\n{json}\n//--><!]]></script>',
    ],
    ids=["a type with its charset", "in CDATA", "in a comment", "in a comment ended behind //", "in Drupal's wrapping"],
)
def test_structured_data_is_read_in_the_wrappings_pages_give_it(tmp_path, script):
    structured = json.dumps({"@type": "NewsArticle", "mainEntityOfPage": "https://news.example/2024/03/29/rome-talks"})
    article = (WEB / "rome.html").read_text(encoding="utf-8").replace('<link rel="canonical" href="https://news.example/2024/03/29/rome">', "")
    (tmp_path / "page.html").write_text(article.replace("</head>", script.replace("{json}", structured) + "</head>"), encoding="utf-8")
    assert documents(tmp_path / "page.html")["page"].url == "https://news.example/2024/03/29/rome-talks"


@pytest.mark.parametrize(
    "script",
    ['{"@type": "NewsArticle", "wordCount": 1' + "0" * 5000 + ', "mainEntityOfPage": "https://www.youm7.com/a"}',
     '{"@type": "NewsArticle", "mainEntityOfPage": "https://[youm7.com/a#b"}'],
    ids=["a number of 5,000 digits", "an address that is none"],
)
def test_structured_data_that_gives_no_address_leaves_the_page_without_one(tmp_path, script):
    article = (WEB / "rome.html").read_text(encoding="utf-8").replace('<link rel="canonical" href="https://news.example/2024/03/29/rome">', "")
    (tmp_path / "page.html").write_text(article.replace("</head>", f'<script type="application/ld+json">{script}</script></head>'), encoding="utf-8")
    page = documents(tmp_path / "page.html")["page"]
    assert page.url is None and page.paragraphs == documents(WEB / "rome.html")["rome"].paragraphs


def test_a_web_page_nested_past_256_levels_keeps_its_article(tmp_path):
    article = (WEB / "rome.html").read_text(encoding="utf-8")
    (tmp_path / "fonts.html").write_text(article.replace("<main>", "<main>" + "<font>" * 300), encoding="utf-8")
    assert documents(tmp_path / "fonts.html")["fonts"].paragraphs == documents(WEB / "rome.html")["rome"].paragraphs


OLD_PORTAL_PARAGRAPHS = [
    "افتتح وزير الطاقة اليوم الأحد مشروع الطاقة الشمسية في محافظة معان بقدرة مئتي ميغاواط.",
    "وقال الوزير إن المشروع يسهم في رفع نسبة الطاقة المتجددة في خليط الطاقة الكهربائية.",
    "وأشار إلى أن الحكومة ماضية في تنفيذ استراتيجية قطاع الطاقة التي تهدف إلى تعزيز الاعتماد على المصادر المحلية.",
]


@pytest.mark.parametrize("separator", ["<p>", "<br><br>"])
def test_an_old_portals_paragraphs_in_unclosed_font_tags_stay_paragraphs_the_lead_included(tmp_path, separator):
    body = "".join(f'<font face="Tahoma" size=2>{text}{separator}' for text in OLD_PORTAL_PARAGRAPHS)
    (tmp_path / "old.html").write_text(
        f"<html><head><title>صحيفة الرأي</title></head><body><table><tr><td>{body}</td></tr></table></body></html>", encoding="utf-8",
    )
    assert documents(tmp_path / "old.html")["old"].paragraphs == tuple(OLD_PORTAL_PARAGRAPHS)


ARTICLE = "".join(f"<p>{text}</p>" for text in OLD_PORTAL_PARAGRAPHS)


@pytest.mark.parametrize(
    "after, kept",
    [
        ('<p class="social-share">شارك على فيسبوك<br><br>شارك على تويتر</p>', ()),  # furniture by its class
        ("<table><tr><td>عمان</td><td>أحمد علي<br>محمد حسن</td></tr><tr><td>إربد</td><td>سالم يوسف<br>خالد عمر</td></tr></table>",
         ("عمان | أحمد علي محمد حسن", "إربد | سالم يوسف خالد عمر")),  # a table of data
        ("<p>وقال الوزير في ختام المؤتمر إن الجولة المقبلة ستعقد في العاصمة<br>الأردنية عمان الشهر المقبل.</p>",
         ("وقال الوزير في ختام المؤتمر إن الجولة المقبلة ستعقد في العاصمة", "الأردنية عمان الشهر المقبل.")),
        ("<p>كتب: محمد علي<br>القاهرة - قال وزير الخارجية إن المحادثات ستستأنف الأسبوع المقبل في روما.</p>",
         ("القاهرة - قال وزير الخارجية إن المحادثات ستستأنف الأسبوع المقبل في روما.",)),  # a byline dropped
    ],
    ids=["a classed paragraph with a double break", "a table with breaks in its cells", "a break inside a paragraph", "a byline over the text"],
)
def test_a_modern_pages_line_breaks_are_read_as_before(tmp_path, after, kept):
    (tmp_path / "modern.html").write_text(
        f'<html><body><article><meta itemprop="datePublished" content="2024-03-29"><h1>افتتاح مشروع الطاقة الشمسية في معان</h1>'
        f"{ARTICLE}{after}</article></body></html>", encoding="utf-8",
    )
    page = documents(tmp_path / "modern.html")["modern"]
    assert page.paragraphs == (*OLD_PORTAL_PARAGRAPHS, *kept) and page.date == datetime.date(2024, 3, 29)


REPLY = "سئل الوزير إن كانت المحادثات ستستأنف الأسبوع المقبل، فقال في رده على الصحفيين:"


@pytest.mark.parametrize(
    "reply, read",
    [
        ('"نعم"', f'{REPLY} "نعم"'),
        ("«لا، أبدا».", f"{REPLY} «لا، أبدا»."),
        ("نعم", None),  # no quotation: a fragment, dropped as before
    ],
    ids=["a quoted reply", "a quoted reply of two words", "an unquoted word"],
)
def test_a_short_quotation_after_the_colon_that_introduces_it_joins_its_line(tmp_path, reply, read):
    (tmp_path / "web.html").write_text(
        f"<html><body><article><h1>افتتاح مشروع الطاقة الشمسية في معان</h1>{ARTICLE}<p>{REPLY}<br>{reply}</p></article></body></html>",
        encoding="utf-8",
    )
    headline = "افتتاح مشروع الطاقة الشمسية في معان"
    (tmp_path / "text.txt").write_text(
        "\n\n".join([headline, "الجمعة 29 مارس 2024", REPLY, reply, *OLD_PORTAL_PARAGRAPHS]), encoding="utf-8",
    )
    pages = documents(tmp_path / "web.html", tmp_path / "text.txt")
    assert pages["web"].paragraphs == (*OLD_PORTAL_PARAGRAPHS, read or REPLY)
    assert (pages["text"].title, pages["text"].paragraphs) == (headline, (read or REPLY, *OLD_PORTAL_PARAGRAPHS))



def test_a_question_asked_twice_keeps_both_replies(tmp_path):
    """A repeated line is page furniture, but not a question with another reply under it."""
    question = "وسئل الوزير عن عودة المفاوضين إلى روما، فقال:"
    (tmp_path / "interview.html").write_text(
        f'<html><body><article><h1>افتتاح مشروع الطاقة الشمسية في معان</h1>{ARTICLE}'
        f'<p>{question}<br>"نعم"</p><p>{question}<br>"لا"</p></article></body></html>',
        encoding="utf-8",
    )
    assert documents(tmp_path / "interview.html")["interview"].paragraphs == (*OLD_PORTAL_PARAGRAPHS, f'{question} "نعم"', f'{question} "لا"')


OLD_PORTAL_HEADLINE = "افتتاح مشروع الطاقة الشمسية في معان"


def _old_portal_page(headline, title=f"صحيفة الرأي - {OLD_PORTAL_HEADLINE}", logo=""):
    """An old portal's page in Windows-1256: a menu column, and the article in unclosed ``<font>`` tags."""
    menu = '<a href="/">الرئيسية</a><br><a href="/local">محليات</a><br><a href="/sport">رياضة</a>'
    body = "".join(f'<font face="Tahoma" size=2>{text}<br><br>' for text in OLD_PORTAL_PARAGRAPHS[1:])
    return (
        f'<html><head><meta http-equiv="Content-Type" content="text/html; charset=windows-1256"><title>{title}</title></head>'
        f"<body>{logo}<table width=760><tr><td width=150>{menu}</td><td>{headline}{body}</td></tr></table></body></html>"
    ).encode("cp1256")


@pytest.mark.parametrize(
    "headline",
    [
        f'<font size=4 color="#990000"><b>{OLD_PORTAL_HEADLINE}</b></font><br><br>'
        f'<font face="Tahoma" size=2>{OLD_PORTAL_PARAGRAPHS[0]}<br><br>',
        f'<p align=right><font size=4 color="#990000"><b>{OLD_PORTAL_HEADLINE}</b></font><br>\n'
        f'<font face="Tahoma" size=2>{OLD_PORTAL_PARAGRAPHS[0]}</font></p>',
    ],
    ids=["a paragraph of its own", "a line over the lead"],
)
def test_an_old_portals_bold_headline_in_its_title_is_the_title_and_no_paragraph(tmp_path, headline):
    (tmp_path / "old.htm").write_bytes(_old_portal_page(headline))
    page = documents(tmp_path / "old.htm")["old"]
    assert (page.title, page.paragraphs) == (OLD_PORTAL_HEADLINE, tuple(OLD_PORTAL_PARAGRAPHS))


@pytest.mark.parametrize(
    "title, logo",
    [("صحيفة الرأي - أخبار محلية", ""), (f"صحيفة الرأي - {OLD_PORTAL_HEADLINE}", "<h1>صحيفة الرأي</h1>")],
    ids=["a bold line the title does not hold", "a page with an h1"],
)
def test_a_bold_first_line_is_no_headline_unless_the_page_has_no_h1_and_its_title_holds_it(tmp_path, title, logo):
    headline = f'<font size=4><b>{OLD_PORTAL_HEADLINE}</b></font><br><br><font face="Tahoma" size=2>{OLD_PORTAL_PARAGRAPHS[0]}<br><br>'
    (tmp_path / "old.htm").write_bytes(_old_portal_page(headline, title, logo))
    page = documents(tmp_path / "old.htm")["old"]
    assert (page.title, page.paragraphs) == (title, (OLD_PORTAL_HEADLINE, *OLD_PORTAL_PARAGRAPHS))


def test_unclosed_font_tags_nested_past_the_parsers_depth_lose_no_paragraph(tmp_path):
    texts = [f"{OLD_PORTAL_PARAGRAPHS[0][:-1]} في يومه رقم {n}." for n in range(1500)]
    (tmp_path / "forum.html").write_text(
        "<html><body>" + "".join(f"<font size=2>{text}<p>" for text in texts) + "</body></html>", encoding="utf-8",
    )
    assert documents(tmp_path / "forum.html")["forum"].paragraphs == tuple(texts)
    (tmp_path / "divs.html").write_text(f"<html><body>{'<div>' * 3000}{texts[0]}</body></html>", encoding="utf-8")
    [skip] = skipped(tmp_path / "divs.html")
    assert skip.reason == "markup nested more than 2,048 levels deep: the page would be cut off"


def test_a_web_page_without_an_article_or_of_no_text_is_skipped_and_reported(tmp_path):
    (tmp_path / "empty.html").write_text("<html><body><nav>الرئيسية</nav></body></html>", encoding="utf-8")
    (tmp_path / "home.html").write_text(  # a home page: a menu and the links of headlines
        "<html><body><nav><a>الرئيسية</a> <a>أخبار</a> <a>رياضة</a></nav><div><a href='/1'>عنوان خبر قصير</a>"
        "<a href='/2'>عنوان خبر آخر</a></div><footer>جميع الحقوق محفوظة</footer></body></html>", encoding="utf-8",
    )
    (tmp_path / "missing.html").write_text(
        "<html><head><title>404 - الصفحة غير موجودة | المصري اليوم</title></head><body><main><h1>عذرا، الصفحة التي تبحث عنها غير موجودة</h1>"
        "<p>ربما تم حذف الصفحة أو تغيير عنوانها. <a href='/'>العودة إلى الصفحة الرئيسية</a></p></main></body></html>", encoding="utf-8",
    )
    (tmp_path / "binary.html").write_bytes(bytes(range(256)))
    article = (WEB / "rome.html").read_text(encoding="utf-8")
    (tmp_path / "utf16.html").write_bytes(article.encode("utf-16-le"))  # no byte order mark
    (tmp_path / "marked.html").write_bytes(article.encode("utf-16"))  # with one: read
    not_text = "not a web page: binary data, or UTF-16 without a byte order mark"
    assert sorted((pathlib.Path(r.file).name, r.reason) for r in skipped(tmp_path)) == [
        ("binary.html", not_text), ("empty.html", "no article text found in the page"),
        ("home.html", "no article text found in the page"),
        ("missing.html", "an error page (404 - الصفحة غير موجودة | المصري اليوم), no article"), ("utf16.html", not_text),
    ]
    # Headlines that hold 404 or "not found", and an article of short lines that end sentences, are articles.
    for name, title, body in (
        ("quake", "404 قتيلا في زلزال تركيا - الجزيرة نت", ARTICLE), ("car", "بيجو 404: سيارة الأجرة الأشهر", ARTICLE),
        ("novel", "رواية الصفحة غير موجودة تفوز بالجائزة", ARTICLE), ("flash", "عاجل", "<p>عاجل: استقالة الحكومة الأردنية.</p>"),
    ):
        (tmp_path / f"{name}.html").write_text(f"<html><head><title>{title}</title></head><body><article>{body}</article></body></html>", encoding="utf-8")
        assert documents(tmp_path / f"{name}.html"), name
    assert documents(tmp_path / "marked.html")["marked"].paragraphs == documents(WEB / "rome.html")["rome"].paragraphs


def test_named_file_of_unsupported_type_is_skipped_and_reported(tmp_path):
    (tmp_path / "notes.md").write_text("# notes", encoding="utf-8")
    (record,) = skipped(tmp_path / "notes.md")
    assert record.file == str(tmp_path / "notes.md") and "unsupported file type '.md'" in record.reason


def test_missing_source_raises_source_error_naming_it(tmp_path):
    missing = tmp_path / "nowhere"
    with pytest.raises(SourceError, match="nowhere"):
        iter_records([SEEDS, missing])


def test_duplicate_id_across_files_keeps_the_first(tmp_path):
    (tmp_path / "a.txt").write_text(PAGE, encoding="utf-8")
    (tmp_path / "b.jsonl").write_text('{"id": "z", "text": "نص."}\n{"id": "a", "text": "نسخة."}\n', encoding="utf-8")
    assert documents(tmp_path)["a"].title == "العنوان الرئيسي للخبر اليوم"
    (record,) = skipped(tmp_path)
    assert (record.file, record.line) == (str(tmp_path / "b.jsonl"), 2) and "duplicate document id 'a'" in record.reason
    assert record.reason.endswith(f"first read from {tmp_path / 'a.txt'}")


def test_a_duplicate_id_names_the_line_it_was_first_read_from(tmp_path):
    (tmp_path / "a.jsonl").write_text('{"id": "z", "text": "نص."}\n{"id": "d", "text": "نص آخر."}\n', encoding="utf-8")
    (tmp_path / "b.jsonl").write_text('{"id": "d", "text": "نسخة."}\n', encoding="utf-8")
    (record,) = skipped(tmp_path)
    assert (record.file, record.line) == (str(tmp_path / "b.jsonl"), 1)
    assert record.reason == f"duplicate document id 'd', first read from {tmp_path / 'a.jsonl'}:2"


def test_file_named_and_inside_a_named_directory_is_read_once(tmp_path):
    (tmp_path / "a.txt").write_text(PAGE, encoding="utf-8")
    assert list(iter_records([tmp_path / "a.txt", tmp_path])) == [documents(tmp_path)["a"]]


# Near-duplicates


def test_paragraphs_republished_with_small_edits_are_grouped(seed_groups):
    # 001 republishes 000 after its own opening paragraph: 000#n is 001#(n+1), with small edits.
    for n in range(1, 16):
        first = paragraph_id(PAGE_000, n)
        assert seed_groups[first] == first
        assert seed_groups[paragraph_id(PAGE_001, n + 1)] == first


def test_unrelated_paragraphs_are_not_grouped(seed_groups):
    assert len(seed_groups) == 30
    grouped_pages = {pid.split("#")[0] for pid in seed_groups}
    assert grouped_pages == {PAGE_000, PAGE_001}


def test_short_paragraphs_are_never_grouped():
    short = "أكد الوزراء التزامهم بالتعاون الوثيق."
    assert duplicate_groups([("a#1", short), ("b#1", short)]) == {}


def test_group_id_is_the_first_paragraph_in_input_order():
    text = (
        "وأكد وزراء خارجية دول التحالف الدولي لهزيمة داعش التزامهم بتعزيز التعاون"
        " لضمان عدم قدرة التنظيم على إعادة تشكيل أي جيب إقليمي"
    )
    edited = text.replace("وأكد", "أكد")
    assert duplicate_groups([("z#1", edited), ("a#1", text), ("m#1", text + " اليوم")]) == {
        "z#1": "z#1",
        "a#1": "z#1",
        "m#1": "z#1",
    }


def test_paragraphs_that_differ_in_a_number_or_a_negation_are_not_copies():
    welcome = "القاهرة ترحب بالاتفاق الذي وقعه الطرفان في الدوحة أمس وتدعو إلى تنفيذه فورا ودون شروط مسبقة"
    toll = "ارتفع عدد القتلى في الهجوم على السوق الشعبية في بغداد إلى 20 قتيلا وعشرات الجرحى بحسب مصادر طبية"
    paragraphs = [
        ("welcome#1", welcome),
        ("refusal#1", welcome.replace("ترحب", "لا ترحب").replace("وتدعو", "ولا تدعو")),
        ("copy#1", welcome.replace("أمس", "اليوم")),
        ("first-toll#1", toll),
        ("later-toll#1", toll.replace("20", "145")),
        ("toll-copy#1", toll.replace("بحسب", "وفق").replace("20", "٢٠")),
    ]
    assert duplicate_groups(paragraphs) == {
        "welcome#1": "welcome#1", "copy#1": "welcome#1", "first-toll#1": "first-toll#1", "toll-copy#1": "first-toll#1",
    }


def test_copies_are_grouped_though_paragraphs_with_other_facts_lie_between_them():
    rnd = random.Random(1)
    vocabulary = ["".join(rnd.choice("ابتثجحخدذرزسشصضطظعغفقكلمنهوي") for _ in range(5)) for _ in range(3000)]
    for _ in range(10):
        words = rnd.sample(vocabulary, 600)
        tolls = [20, 145, 150, 145, 150]
        paragraphs = [(f"s{n}", " ".join(words[:300] + [f"وقتل {toll} شخصا"] + words[300:])) for n, toll in enumerate(tolls, 1)]
        assert duplicate_groups(paragraphs) == {"s2": "s2", "s4": "s2", "s3": "s3", "s5": "s3"}


def _synthetic_corpus(paragraphs, copies):
    rnd = random.Random(11)
    vocabulary = ["".join(rnd.choice("ابتثجحخدذرزسشصضطظعغفقكلمنهوي") for _ in range(6)) for _ in range(3000)]
    originals = [" ".join(rnd.choices(vocabulary, k=rnd.randint(40, 70))) for _ in range(paragraphs)]
    corpus = [(f"o{i}#1", text) for i, text in enumerate(originals)]
    for i in range(copies):
        words = originals[i % 50].split()
        words[rnd.randrange(len(words))] = rnd.choice(vocabulary)
        corpus.append((f"c{i}#1", " ".join(words)))
    return corpus


def test_many_copies_of_one_paragraph_form_one_group_each():
    groups = duplicate_groups(_synthetic_corpus(paragraphs=2000, copies=1000))
    assert set(groups.values()) == {f"o{i}#1" for i in range(50)}
    assert all(groups[f"c{i}#1"] == f"o{i % 50}#1" for i in range(1000))
    assert len(groups) == 50 + 1000


def test_groups_are_the_same_in_every_process():
    script = (
        "import json, sys; sys.path.insert(0, sys.argv[1]); import test_ingest as t;"
        "from search_service.ingest.near_duplicates import duplicate_groups;"
        "print(json.dumps(duplicate_groups(t._synthetic_corpus(500, 100) + t.seed_paragraphs()), sort_keys=True))"
    )
    runs = {
        subprocess.run(
            [sys.executable, "-c", script, str(pathlib.Path(__file__).parent)],
            env={**os.environ, "PYTHONHASHSEED": seed},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for seed in ("1", "2")
    }
    assert len(runs) == 1 and len(json.loads(runs.pop())) == 100 + 50 + 30
