"""Arabic letters and marks, named once (from pyarabic) and grouped for the normalisation rules."""

from pyarabic import araby

ALEF = araby.ALEF
YEH = araby.YEH
HEH = araby.HEH
HAMZA = araby.HAMZA
ALEF_MAKSURA = araby.ALEF_MAKSURA
TEH_MARBUTA = araby.TEH_MARBUTA
TATWEEL = araby.TATWEEL
#: The superscript (dagger) alef of Uthmani spelling, written above the letter before it.
SMALL_ALEF = araby.MINI_ALEF
#: The small high yeh of Uthmani spelling (U+06E7), for a yeh the common spelling writes.
SMALL_HIGH_YEH = "\u06e7"

#: The pronouns written onto a word's end, longest first (حكومتهم، إلهكم); a noun ending in ة
#: spells it ت before them (حكومة → حكومتهم، وظيفة → وظيفتها).
PRONOUNS = ("هما", "هم", "هن", "ها", "كما", "كم", "كن", "نا", "ه", "ك")

#: Alef with madda, hamza above/below and wasla are written for a plain alef.
ALEF_FORMS = (araby.ALEF_MADDA, araby.ALEF_HAMZA_ABOVE, araby.ALEF_HAMZA_BELOW, araby.ALEF_WASLA)

#: Hamza on a waw or yeh seat: writers mix مسؤول/مسئول and شؤون/شئون, so both seats fold to a bare hamza.
HAMZA_SEATS = (araby.WAW_HAMZA, araby.YEH_HAMZA)

#: Fathatan .. sukun (U+064B-U+0652), the harakat Lucene strips.
HARAKAT = araby.TASHKEEL

#: Marks Lucene misses: madda/hamza above/below (U+0653-U+0655), the rest of the combining block,
#: superscript alef (U+0670), the honorific and Quranic signs above words (U+0610-U+061A), the
#: Quranic annotation signs (U+06D6-U+06ED) and the marks of Arabic Extended-A (U+08D3-U+08FF:
#: the open tanween of the King Fahd Complex's Uthmani text). The end of an ayah (۝, before its
#: number), the rub el hizb (۞) and the place of sajdah (۩) stand between words, not on them.
EXTRA_MARKS = (
    tuple(chr(c) for c in range(0x0653, 0x0660))
    + (SMALL_ALEF,)
    + tuple(chr(c) for c in range(0x0610, 0x061B))
    + tuple(chr(c) for c in range(0x06D6, 0x06EE) if c not in (0x06DD, 0x06DE, 0x06E9))
    + tuple(chr(c) for c in range(0x08D3, 0x0900) if c != 0x08E2)
)

#: The zero-width non-joiner.
ZWNJ = "\u200c"

#: Characters that change how a word is drawn but not which word it is. The zero-width space
#: (U+200B) is not one of them: it separates words, as a space does.
INVISIBLE = (
    TATWEEL,
    ZWNJ, "\u200d", "\u200e", "\u200f",  # ZWJ, LRM, RLM
    "\u061c", "\ufeff", "\u00ad", "\u2060",  # Arabic letter mark, BOM, soft hyphen, word joiner
)

#: Lone UTF-16 surrogates (from JSON escapes such as "\ud800"): not characters, and not encodable.
SURROGATES = tuple(chr(c) for c in range(0xD800, 0xE000))

#: Persian and Urdu letters that Arabic text borrows for their Arabic twins: ی (drawn as ى at a
#: word's end, and folded as ى is: علی is the preposition), ے (yeh), ک ڪ (kaf), گ (gaf, for the g
#: that others write ك: الإنگليزية، الإنكليزية), ہ ھ ە (heh), and ۀ ۂ ۃ, a heh or teh marbuta
#: ending a word (folded as ة is).
PERSIAN_LETTERS = {
    "\u06cc": ALEF_MAKSURA, "\u06d2": YEH, "\u06a9": araby.KAF, "\u06aa": araby.KAF, "\u06af": araby.KAF,
    "\u06c1": HEH, "\u06be": HEH, "\u06d5": HEH, "\u06c0": HEH, "\u06c2": HEH, "\u06c3": HEH,
}

#: Letters for sounds Arabic lacks, which loanwords are spelled with or without: پ (p) for ب, and
#: ڤ ڥ (v) for ف (پاراسيتامول/باراسيتامول, ڤيتامين/فيتامين).
LOANWORD_LETTERS = {"\u067e": araby.BEH, "\u06a4": araby.FEH, "\u06a5": araby.FEH}

#: The Arabic decimal and thousands separators (١٧٨٫٣, ١٬٢٠٠), as numbers are written with digits.
NUMBER_SEPARATORS = {"\u066b": ".", "\u066c": ","}

#: Arabic-Indic (U+0660-U+0669) and extended Persian (U+06F0-U+06F9) digits.
ARABIC_INDIC_DIGITS = {chr(0x0660 + d): str(d) for d in range(10)} | {chr(0x06F0 + d): str(d) for d in range(10)}

#: Presentation forms (contextual shapes and ligatures such as lam-alef).
PRESENTATION_FORMS = tuple(range(0xFB50, 0xFDFE)) + tuple(range(0xFE70, 0xFEFD))

#: Characters inside a word besides Unicode word characters: every mark above and every invisible
#: character (a word joiner or a direction mark inside a word leaves it one word) but the zero-width
#: non-joiner, which stands for the space between two words written against each other
#: (للربع‌الأول), as Lucene's Persian analysis reads it.
WORD_MARKS = "".join(HARAKAT + EXTRA_MARKS + tuple(c for c in INVISIBLE if c != ZWNJ))
