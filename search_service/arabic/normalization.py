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
  أميركا → أمريكا, الثلثاء → الثلاثاء) → one spelling
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


#: ``{variant: spelling}``, both with their letters folded, from ``spelling_variants.txt``.
SPELLING_VARIANTS = dict(map(_fold_letters, line.split()) for line in word_list_lines("spelling_variants.txt"))
_VARIANT_PATTERN = re.compile("|".join(map(re.escape, sorted(SPELLING_VARIANTS, key=len, reverse=True))))


def normalize(text):
    """Fold spelling variants of Arabic text to one form (no stemming).

    >>> normalize("أَحْمَدُ"), normalize("الأميركية")
    ('احمد', 'الامريكيه')
    """
    return _VARIANT_PATTERN.sub(lambda found: SPELLING_VARIANTS[found.group()], _fold_letters(text))


def strip_marks(text):
    """Remove diacritics, tatweel and invisible marks but keep the letters as spelled (hamzas, ة, ى).

    >>> strip_marks("وَأُبْلِغَ")
    'وأبلغ'
    """
    return text.translate(_MARKS)
