"""Orthographic normalisation of Arabic text: one translation table, one call.

Rules (a superset of Lucene's ``ArabicNormalizer``):

- آ أ إ ٱ → ا;  ى → ي;  ة → ه;  ؤ ئ → ء (hamza seats are spelled both ways: مسؤول/مسئول → مسءول)
- harakat, superscript alef, combining madda/hamza, Quranic marks, tatweel, ZWNJ/ZWJ, word
  joiners, soft hyphens, direction marks and lone surrogates are removed
- presentation forms and lam-alef ligatures → their base letters; Persian ی ک → ي ك; the
  loanword letters پ → ب and ڤ ڥ → ف
- Arabic-Indic and extended digits → ASCII digits, the Arabic decimal and thousands separators
  ٫ ٬ → . ,; Latin letters → lower case
- then the spellings of one word that letters alone cannot fold (``spelling_variants.txt``:
  أميركا → أمريكا, الثلثاء → الثلاثاء, and as a whole word سورية → سوريا) → one spelling
"""

import re
import unicodedata
from importlib import resources

from search_service.arabic import letters


_MARKS = {ord(c): None for c in letters.HARAKAT + letters.EXTRA_MARKS + letters.INVISIBLE + letters.SURROGATES}


def _base_table():
    table = {ord(c): letters.ALEF for c in letters.ALEF_FORMS}
    table |= {ord(c): letters.HAMZA for c in letters.HAMZA_SEATS}
    table |= {ord("\u0649"): letters.YEH, ord("\u0629"): letters.HEH}
    table |= _MARKS
    table |= {ord(c): v for c, v in (letters.PERSIAN_LETTERS | letters.LOANWORD_LETTERS).items()}
    table |= {ord(c): v for c, v in (letters.ARABIC_INDIC_DIGITS | letters.NUMBER_SEPARATORS).items()}
    return table


def _presentation_table(base):
    """Map each presentation form to its compatibility letters, themselves normalised."""
    table = {}
    for code in letters.PRESENTATION_FORMS:
        plain = unicodedata.normalize("NFKC", chr(code))
        if plain != chr(code) and " " not in plain:
            table[code] = plain.translate(base)
    return table


_BASE = _base_table()
NORMALIZATION_TABLE = str.maketrans(_BASE | _presentation_table(_BASE))


def word_list_lines(name, package=__package__):
    """The entries of a word list of this package (or of ``package``): its lines without ``#``
    comments, stripped, non-empty."""
    text = resources.files(package).joinpath(name).read_text(encoding="utf-8")
    return [entry for line in text.splitlines() if (entry := line.partition("#")[0].strip())]


def _fold_letters(text):
    return text.translate(NORMALIZATION_TABLE).lower()


#: Marks a variant of ``spelling_variants.txt`` that is a whole word (after one-letter prefixes).
WHOLE_WORD = "="
#: The one-letter prefixes a whole-word variant may carry (conjunctions and prepositions), at most two.
WORD_PREFIXES = "وفبلك"


def _read_variants():
    """``({variant: spelling} found anywhere, {variant: spelling} as whole words})``, letters folded."""
    anywhere, whole = {}, {}
    for line in word_list_lines("spelling_variants.txt"):
        variant, spelling = map(_fold_letters, line.split())
        if variant.startswith(WHOLE_WORD):
            whole[variant.removeprefix(WHOLE_WORD)] = spelling
        else:
            anywhere[variant] = spelling
    return anywhere, whole


SPELLING_VARIANTS, WHOLE_WORD_VARIANTS = _read_variants()


def _alternatives(words):
    return "|".join(map(re.escape, sorted(words, key=len, reverse=True)))


_VARIANT_PATTERN = re.compile(
    rf"(?<![^\W\d_])(?P<prefix>[{WORD_PREFIXES}]{{0,2}})(?P<whole>{_alternatives(WHOLE_WORD_VARIANTS)})(?![^\W\d_])"
    rf"|{_alternatives(SPELLING_VARIANTS)}"
)


def _spelled(found):
    if found.group("whole"):
        return found.group("prefix") + WHOLE_WORD_VARIANTS[found.group("whole")]
    return SPELLING_VARIANTS[found.group()]


def normalize(text):
    """Fold spelling variants of Arabic text to one form (no stemming).

    >>> normalize("أَحْمَدُ"), normalize("الأميركية"), normalize("وسورية السورية")
    ('احمد', 'الامريكيه', 'وسوريا السوريه')
    """
    return _VARIANT_PATTERN.sub(_spelled, _fold_letters(text))


def strip_marks(text):
    """Remove diacritics, tatweel and invisible marks but keep the letters as spelled (hamzas, ة, ى).

    >>> strip_marks("وَأُبْلِغَ")
    'وأبلغ'
    """
    return text.translate(_MARKS)
