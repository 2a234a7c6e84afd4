"""Orthographic normalisation of Arabic text: a few rules of words, one translation table, one call.

Rules (a superset of Lucene's ``ArabicNormalizer``):

- first, the Qur'an's Uthmani spelling → the common one: the small alef above a letter (U+0670)
  is an alef (ٱلْكِتَٰبُ → الكتاب, ٱلصَّلَوٰةَ → الصلاة, its waw a seat), but not in the words the
  common spelling writes without one (هٰذا، ذٰلك، لٰكن، الرحمٰن، إلٰه) nor on ى (عَلَىٰ); آ written
  ءا is آ (ءَامَنُوا۟ → آمنوا); and decomposed letters (ي + U+0654) are composed (ئ)
- آ أ إ ٱ → ا;  ى → ي, but in the preposition على, so that the name علي (Ali) is a word of its own
  and على a stop word;  ة → ه;  ؤ ئ → ء (hamza seats are spelled both ways: مسؤول/مسئول → مسءول)
- harakat, the remaining small alefs, combining madda/hamza, Quranic marks, tatweel, ZWNJ/ZWJ,
  word joiners, soft hyphens, direction marks and lone surrogates are removed
- presentation forms and lam-alef ligatures → their base letters, ligatures of words → the words
  (ﷺ → صلي الله عليه وسلم, ﷲ → الله); Persian and Urdu letters → their
  Arabic twins (ی ے → ي, ک ڪ → ك, ہ ھ ۀ ۃ → ه); the loanword letters پ → ب and ڤ ڥ → ف
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
    table |= {ord(letters.TEH_MARBUTA): letters.HEH}  # ى → ي comes after the table, but in على (``_fold_letters``)
    table |= _MARKS
    table |= {ord(c): v for c, v in (letters.PERSIAN_LETTERS | letters.LOANWORD_LETTERS).items()}
    table |= {ord(c): v for c, v in (letters.ARABIC_INDIC_DIGITS | letters.NUMBER_SEPARATORS).items()}
    return table


def _presentation_table(base):
    """Map each presentation form to its compatibility letters, themselves normalised: a ligature
    of words to the words between spaces (ﷺ → " صلى الله عليه وسلم ", apart from a word written
    against it); not a mark's isolated form (a space and the mark)."""
    table = {}
    for code in letters.PRESENTATION_FORMS:
        plain = unicodedata.normalize("NFKC", chr(code))
        if plain != chr(code) and not plain.startswith(" "):
            plain = plain.translate(base)
            table[code] = f" {plain} " if " " in plain else plain
    return table


#: The one-letter prefixes a word may carry (conjunctions and prepositions), at most two: before a
#: whole-word variant, the preposition على or a number.
WORD_PREFIXES = "وفبلك"

_BASE = _base_table()
NORMALIZATION_TABLE = str.maketrans(_BASE | _presentation_table(_BASE))
#: The ligatures that stand for several words (ﷺ, ﷻ), each with its words.
WORD_LIGATURES = {chr(code): words.strip() for code, words in NORMALIZATION_TABLE.items() if " " in (words or "").strip()}

#: Marks removed before the Uthmani rules, which read the letters and the small alef alone; the
#: small high yeh stands for a yeh the common spelling writes (إبرٰهـۧم → إبراهيم).
_UTHMANI_MARKS = {code: None for code in _MARKS if code != ord(letters.SMALL_ALEF)} | {ord(letters.SMALL_HIGH_YEH): letters.YEH}
#: Combining marks that a composed letter holds (U+0653-U+0655: madda, hamza above and below).
_COMPOSING = re.compile("[\u0653-\u0655]")
_MARK = f"[{letters.WORD_MARKS}]"
#: What an Uthmani rule starts from: the small alef, the small high yeh, a composing mark, ءا.
_UTHMANI = re.compile(f"[{letters.SMALL_ALEF}{letters.SMALL_HIGH_YEH}\u0653-\u0655]|{letters.HAMZA}{_MARK}*{letters.ALEF}")

#: Words the common spelling writes without an alef where the Uthmani one writes it small (هٰذا),
#: after the one-letter prefixes or the oath's ت, an article or ل, and before a pronoun, the
#: accusative's ا or a dual or plural ending (لِإِلَٰهِكُمْ, ٱلرَّحْمَٰنِ, إِلَٰهًا, تَٱللَّٰهِ).
ALEF_OMITTED = (
    "له", "اللهم", "إله", "رحمن", "لكن", "هذا", "هذه", "هذان", "هذين", "هكذا", "هؤلاء", "ذلك", "ذلكم", "ذلكما", "أولئك", "أولئكم",
)
_ALEF_OMITTED_WORD = re.compile(
    f"[{WORD_PREFIXES}ت]{{0,2}}(?:ال|ل)?(?:{'|'.join(w.translate(NORMALIZATION_TABLE) for w in ALEF_OMITTED)})"
    f"(?:{'|'.join(letters.PRONOUNS)}|ي|ا|ان|ين)?"
)
#: A word holding the small alef, from its first letter.
_SMALL_ALEF_WORD = re.compile(
    f"(?<![^\\W\\d_{letters.SMALL_ALEF}])[^\\W\\d_]*{letters.SMALL_ALEF}(?:[^\\W\\d_]|{letters.SMALL_ALEF})*"
)
#: A waw carrying the small alef before ة: the alef's seat (صلوٰة → صلاة).
_WAW_SEAT = re.compile(f"و{letters.SMALL_ALEF}(?=ة)")
#: A hamza before an alef opening a word (after prefixes and an article: ءامنوا, وبٱلءاخرة): آ.
_HAMZA_ALEF_OPENING = re.compile(f"(?<![^\\W\\d_])([{WORD_PREFIXES}]{{0,2}}(?:[اٱ]ل)?){letters.HAMZA}(?=ا[^\\W\\d_])")
#: Inside a word (القرءان) only in text with Uthmani signs (ٱ, the small alef, Quranic marks), not
#: after an alef: the common spelling writes جزءان, سوءات, إجراءات.
_HAMZA_ALEF_INSIDE = re.compile(f"(?<![اآأإٱ]){letters.HAMZA}(?=ا[^\\W\\d_])")
_UTHMANI_SIGNS = re.compile(f"[\u0671{letters.SMALL_ALEF}\u06d6-\u06ed]")
#: The preposition على as a whole word (after one-letter prefixes: وعلى), its letters folded, or any
#: other ى: ى → ي but in على.
_ALA_OR_ALEF_MAKSURA = re.compile(
    f"(?=[{WORD_PREFIXES}ع])(?<![^\\W\\d_])[{WORD_PREFIXES}]{{0,2}}عل{letters.ALEF_MAKSURA}(?![^\\W\\d_])|{letters.ALEF_MAKSURA}"
)


def word_list_lines(name, package=__package__):
    """The entries of a word list of this package (or of ``package``): its lines without ``#``
    comments, stripped, non-empty."""
    text = resources.files(package).joinpath(name).read_text(encoding="utf-8")
    return [entry for line in text.splitlines() if (entry := line.partition("#")[0].strip())]


def _fold_letters(text):
    if _UTHMANI.search(text):
        text = _uthmani_to_common(text)
    text = text.translate(NORMALIZATION_TABLE)
    if letters.ALEF_MAKSURA in text:
        text = _ALA_OR_ALEF_MAKSURA.sub(_yeh_but_in_ala, text)
    return text.lower()


def _yeh_but_in_ala(found):
    return letters.YEH if found.end() - found.start() == 1 else found.group()


def _uthmani_to_common(text):
    """Text with its marks removed but the small alef, in the common spelling (see the module's rules)."""
    if _COMPOSING.search(text):
        text = unicodedata.normalize("NFC", text)
    uthmani = _UTHMANI_SIGNS.search(text)
    text = text.translate(_UTHMANI_MARKS)
    if letters.SMALL_ALEF in text:
        text = _SMALL_ALEF_WORD.sub(_small_alefs, _WAW_SEAT.sub("ا", text))
    if uthmani:
        return _HAMZA_ALEF_INSIDE.sub("", text)
    return _HAMZA_ALEF_OPENING.sub(r"\1", text)


def _small_alefs(found):
    word = found.group()
    if _ALEF_OMITTED_WORD.fullmatch(word.translate(NORMALIZATION_TABLE)):
        return word.replace(letters.SMALL_ALEF, "")
    return word.replace(letters.ALEF_MAKSURA + letters.SMALL_ALEF, letters.ALEF_MAKSURA).replace(letters.SMALL_ALEF, letters.ALEF)


#: Marks a variant of ``spelling_variants.txt`` that is a whole word (after one-letter prefixes).
WHOLE_WORD = "="


def _read_variants():
    """``({variant: spelling} found anywhere, {variant: spelling} as whole words})``, letters folded."""
    anywhere, whole = {}, {}
    for line in word_list_lines("spelling_variants.txt"):
        variant, spelling = map(_fold_letters, line.split(maxsplit=1))
        if variant.startswith(WHOLE_WORD):
            whole[variant.removeprefix(WHOLE_WORD)] = spelling
        else:
            anywhere[variant] = spelling
    return anywhere, whole


SPELLING_VARIANTS, WHOLE_WORD_VARIANTS = _read_variants()


def alternatives(words, any_space=False):
    """A regex alternation of ``words``, longest first (a word is not matched by its beginning
    alone); with ``any_space``, a space in a word matches any run of whitespace."""
    escaped = [re.escape(word) for word in sorted(set(words), key=lambda word: (-len(word), word))]
    return "|".join(word.replace(r"\ ", r"\s+") for word in escaped) if any_space else "|".join(escaped)


_VARIANT_PATTERN = re.compile(
    rf"(?<![^\W\d_])(?P<prefix>[{WORD_PREFIXES}]{{0,2}})(?P<whole>{alternatives(WHOLE_WORD_VARIANTS)})(?![^\W\d_])"
    rf"|{alternatives(SPELLING_VARIANTS)}"
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
