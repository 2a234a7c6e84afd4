"""Metadata a web page states in its own text: datelines, its portal's name, its address.

- A dateline is a short line that is mostly a date or a time: ``الجمعة 29 مارس 2024``,
  ``28 يونيو 2021 – 18 ذو القعدة 1442``, ``07:23 PM``, ``نشر في 2024/03/29``. Its Gregorian date
  is the page's date; a Hijri date alone (``الجمعة 19 رمضان 1445 هـ``) is converted to one by
  hijridate (Umm al-Qura calendar). A date inside a sentence is never taken (``في 18 شباط`` in a
  paragraph is an event, not the publication date), nor one before 1900 or after tomorrow
  (``is_publication_date``): the line is a dateline all the same.
- Month names in their Egyptian, Levantine and Maghrebi forms, Arabic-Indic digits too.
- The portal names itself in its follow notice: ``تابع بوابة روزا اليوسف علي جوجل نيوز``.
"""

import datetime
import itertools
import re

import hijridate

from search_service.arabic import normalize
from search_service.arabic.normalization import alternatives
from search_service.ingest.boilerplate import ends_sentence

MONTHS = {
    1: ("يناير", "كانون الثاني", "جانفي", "ينير"),
    2: ("فبراير", "شباط", "فيفري"),
    3: ("مارس", "آذار"),
    4: ("أبريل", "نيسان", "أفريل"),
    5: ("مايو", "أيار", "ماي"),
    6: ("يونيو", "يونية", "حزيران", "جوان"),
    7: ("يوليو", "يولية", "تموز", "جويلية", "يوليوز"),
    8: ("أغسطس", "آب", "أوت", "غشت"),
    9: ("سبتمبر", "أيلول", "شتنبر"),
    10: ("أكتوبر", "تشرين الأول"),
    11: ("نوفمبر", "تشرين الثاني", "نونبر"),
    12: ("ديسمبر", "كانون الأول", "دجنبر"),
}
HIJRI_MONTHS = {
    1: ("محرم",), 2: ("صفر",), 3: ("ربيع الأول",), 4: ("ربيع الآخر", "ربيع الثاني"),
    5: ("جمادى الأولى",), 6: ("جمادى الآخرة", "جمادى الثانية"), 7: ("رجب",), 8: ("شعبان",), 9: ("رمضان",),
    10: ("شوال",), 11: ("ذو القعدة", "ذي القعدة"), 12: ("ذو الحجة", "ذي الحجة"),
}
WEEKDAYS = ("الأحد", "الاثنين", "الإثنين", "الثلاثاء", "الثلثاء", "الأربعاء", "الخميس", "الجمعة", "السبت")
#: Words a dateline may carry besides the date itself.
DATELINE_WORDS = (
    "نشر", "نشرت", "في", "بتاريخ", "تاريخ", "النشر", "آخر", "اخر", "تحديث", "الموافق", "يوم", "اليوم",
    "الساعة", "بتوقيت", "م", "هـ", "ص", "مساء", "صباحا", "am", "pm", "gmt", "utc",
)
#: A dateline has at most this many words, and at most ``DATELINE_OTHER_WORDS`` that are not about the date
#: (a place: ``القاهرة - الجمعة 29 مارس 2024``).
DATELINE_MAX_WORDS = 14
DATELINE_OTHER_WORDS = 2
#: No publication date is older (a year 1442 written as a Gregorian one is a Hijri year).
FIRST_YEAR = 1900
#: The Hijri years of the Umm al-Qura calendar's table (1924 to 2077).
HIJRI_YEARS = range(1343, 1501)
#: A date written in digits, year first, as JSONL records and the API's date filters write it.
NUMERIC_DATE = r"\d{4}-\d{1,2}-\d{1,2}"
_NUMERIC_DATE = re.compile(NUMERIC_DATE)


def _alternatives(names):
    """A regex alternation of normalised names, longest first, spaces matching any whitespace."""
    return alternatives(map(normalize, names), any_space=True)


_MONTH_NUMBERS = {normalize(name): number for number, names in MONTHS.items() for name in names}
_MONTH = rf"(?:{_alternatives(_MONTH_NUMBERS)})(?![^\W\d_])"
# 29 مارس 2024, 29 آذار/مارس 2024, 29 من مارس، 2024
_MONTH_NAMED_DATE = re.compile(
    rf"(?<!\d)(?P<day>\d{{1,2}})\s*(?:من\s+)?(?P<month>{_MONTH})(?:\s*[/(-]\s*{_MONTH}\s*\)?)?"
    rf"\s*[,،]?\s*(?P<year>\d{{4}})(?!\d)"
)
_GREGORIAN_DATES = (
    _MONTH_NAMED_DATE,
    re.compile(r"(?<!\d)(?P<year>\d{4})[-/.](?P<month>\d{1,2})[-/.](?P<day>\d{1,2})(?!\d)"),
    re.compile(r"(?<!\d)(?P<day>\d{1,2})[-/.](?P<month>\d{1,2})[-/.](?P<year>\d{4})(?!\d)"),
)
_HIJRI_MONTH_NUMBERS = {normalize(name): number for number, names in HIJRI_MONTHS.items() for name in names}
_HIJRI_DATE = re.compile(
    rf"(?<!\d)(?P<day>\d{{1,2}})\s*(?P<month>{_alternatives(_HIJRI_MONTH_NUMBERS)})\s*(?P<year>\d{{4}})(?!\d)"
)
_TIME = re.compile(r"(?<!\d)\d{1,2}:\d{2}(?::\d{2})?(?!\d)")
_NOT_DATE_WORDS = frozenset(normalize(word) for word in WEEKDAYS + DATELINE_WORDS)
_WORD = re.compile(r"[^\W\d_]+")

_NETWORKS = (
    r"جوجل\s+نيوز|غوغل\s+نيوز|google\s+news|فيسبوك|فيس\s+بوك|facebook|تويتر|twitter|يوتيوب|youtube"
    r"|تليجرام|تيليجرام|تلغرام|telegram|إنستجرام|انستجرام|انستغرام|instagram|واتساب|whatsapp"
)
_ON = r"(?:على|علي|عبر|في)"
#: Where on a network a notice says to follow: an app, a page, a channel, an account (ours, its),
#: maybe the official one.
_CHANNEL = r"(?:(?:تطبيق|حساب)(?:نا|ه|ها)?|(?:صفح|قنا)(?:[ةه]|ت(?:نا|ه|ها)))(?:\s+الرسمي[ةه]?)?"
#: "Follow <portal> on <network>", possibly broken over two lines, the network maybe named as its
#: app, page, channel or account ("تابعونا عبر صفحتنا على فيسبوك", "تابع ... عبر تطبيق جوجل نيوز").
FOLLOW_NOTICE = re.compile(
    rf"^تابع(?:وا|ونا)?(?:[ \t]+(?P<name>[^\n]{{2,60}}?))??\s+(?:(?:{_ON}\s+)?{_CHANNEL}\s+)?{_ON}"
    rf"\s+(?:{_CHANNEL}\s+)?(?:{_NETWORKS})[ \t]*$",
    re.IGNORECASE | re.MULTILINE,
)
#: What a follow notice says instead of the portal's name: the news ("تابع أحدث الأخبار", "تابعوا آخر
#: أخبار مصر", which names a topic, not the portal).
_NEWS_OF = re.compile(r"^(?:أحدث|آخر|اخر|أهم|اهم|كل|جميع)\s+(?:أخبار|اخبار|الأخبار|الاخبار)(?:\s|$)")
URL_LINE = re.compile(r"^(?:[^\s:]+(?:\s+[^\s:]+)?\s*:\s*)?(?P<url>https?://\S+)$", re.IGNORECASE)


def find_date(line):
    """The first publication date (``is_publication_date``) written in ``line``, Gregorian, else
    Hijri as a Gregorian date (Umm al-Qura calendar), or None."""
    return next(filter(is_publication_date, _dates(line, _GREGORIAN_DATES)), None)


def month_named_date(line):
    """The first publication date ``line`` writes with its month's name (``12 مارس 2024``),
    Gregorian, else Hijri as a Gregorian date; else its first valid date of that kind, which is no
    publication date; None for one written in digits alone, whose order may be day-month or
    month-day."""
    dates = list(_dates(line, (_MONTH_NAMED_DATE,)))
    return next(filter(is_publication_date, dates), dates[0] if dates else None)


def _dates(line, gregorian_patterns):
    """The valid dates ``line`` writes, in the order a date of it is taken: its Gregorian ones
    (``gregorian_patterns``) in the order written, then its Hijri ones as Gregorian dates."""
    plain = normalize(line)
    found = sorted((match.start(), match) for pattern in gregorian_patterns for match in pattern.finditer(plain))
    gregorian, hijri = (_date(match) for _, match in found), map(_hijri_date, _HIJRI_DATE.finditer(plain))
    return filter(None, itertools.chain(gregorian, hijri))


def _hijri_date(match):
    return gregorian_of_hijri(int(match["year"]), _HIJRI_MONTH_NUMBERS[re.sub(r"\s+", " ", match["month"])], int(match["day"]))


def numeric_date(text):
    """The date ``text`` writes ``YYYY-MM-DD`` in digits (``NUMERIC_DATE``): Hijri (Umm al-Qura)
    where the year is one of ``HIJRI_YEARS`` (no publication date is Gregorian then: 1445-09-19 is
    2024-03-29), Gregorian otherwise; None for other text or a day the calendar does not have."""
    if not _NUMERIC_DATE.fullmatch(text):
        return None
    year, month, day = map(int, text.split("-"))
    if year in HIJRI_YEARS:
        return gregorian_of_hijri(year, month, day)
    try:
        return datetime.date(year, month, day)
    except ValueError:
        return None


def gregorian_of_hijri(year, month, day):
    """The Gregorian date of a Hijri one (Umm al-Qura calendar, years ``HIJRI_YEARS``), or None for
    a day the calendar does not have."""
    try:
        return hijridate.Hijri(year, month, day).to_gregorian()
    except (ValueError, OverflowError):  # no such day, or a year outside the calendar's table
        return None


#: Why a date is no publication date (``is_publication_date``), as reports give it.
NO_PUBLICATION_DATE = f"no publication date is before {FIRST_YEAR} or after tomorrow"


def is_publication_date(date):
    """Whether ``date`` can be a publication date: from ``FIRST_YEAR`` to tomorrow (the machine's
    today may be a day behind the writer's, in another time zone). A later or older one is a typo
    or a placeholder (``2999-01-01``, ``0001-01-01``), which sorting by date puts before or after
    every real one."""
    return date.year >= FIRST_YEAR and date <= datetime.date.today() + datetime.timedelta(days=1)


def _date(match):
    """The Gregorian date a match writes, or None for a day the calendar does not have."""
    month = match["month"]
    number = int(month) if month.isdigit() else _MONTH_NUMBERS[re.sub(r"\s+", " ", month)]
    try:
        return datetime.date(int(match["year"]), number, int(match["day"]))
    except ValueError:
        return None


def is_dateline(line):
    """Whether ``line`` is a dateline: a date or time with hardly any other words around it, and
    not a sentence about something else (``وقع الزلزال يوم 6 فبراير 2023.`` is one)."""
    if len(line.split()) > DATELINE_MAX_WORDS:
        return False
    rest, dated = normalize(line), False
    for pattern in (*_GREGORIAN_DATES, _HIJRI_DATE, _TIME):
        rest, count = pattern.subn(" ", rest)
        dated = dated or count > 0
    other_words = [word for word in _WORD.findall(rest) if word not in _NOT_DATE_WORDS]
    return dated and len(other_words) <= DATELINE_OTHER_WORDS and not (other_words and ends_sentence(line))


def follow_notices(lines):
    """The portal's name from a follow notice in ``lines``, and the indices of the lines it covers."""
    text = "\n".join(lines)
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line) + 1)
    name, covered = None, set()
    for match in FOLLOW_NOTICE.finditer(text):
        named = (match["name"] or "").strip()
        name = name or (None if _NEWS_OF.match(named) else named) or None
        covered |= {i for i, start in enumerate(starts[:-1]) if match.start() < starts[i + 1] and start < match.end()}
    return name, covered


def url_of(line):
    """The address on a line that is only an address (optionally labelled), or None."""
    match = URL_LINE.match(line)
    return match["url"] if match else None
