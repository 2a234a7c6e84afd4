"""Light stemming of one normalised Arabic word, after Lucene's ``ArabicStemmer`` (light10 family).

- At most one prefix is removed, the first that matches in ``PREFIXES``; after an article, a
  ال that begins the word itself goes too, as it does from the word alone (الالتزام, التزام → تزام).
- Then each suffix in ``SUFFIXES`` is removed, in table order, if the word ends with it.
- A prefix or suffix is removed only if at least ``MIN_STEM`` letters remain; the conjunction و
  only from words of four letters or more (وجد, ورد, وصل keep their first letter).
- A word may also begin with the preposition ب or ل or the conjunction ف (بقوم، لقوم، فقال), which
  light10 leaves alone because so many words begin with those letters (بيت، لون، فكر):
  ``prefix_variant`` gives the stem without it, which the index adds beside the word's own stem.
- A و at the start of a word (after any article) is read as the conjunction or as the word's first
  letter; the stem keeps one reading (وصول → صول, الوصول → وصول), and ``waw_variant`` gives the
  other, which a query's words look up too, so that وصول and الوصول find each other.
- A noun ending in ة writes it ت before a pronoun (وظيفتها، حكومتهم), which the rules above leave
  as another stem; ``ta_marbuta_form`` writes such a word back with ة, and the index adds its stem.
- A pronoun that ``SUFFIXES`` leave (هم هن كم كن هما كما نا: قلوبهم، ديننا) is taken off by
  ``without_pronoun``, and one after the plural's ات (شبكاته) by ``plural_form``; the index adds
  the stems of the words they give beside the word's own.
- A word ending in ا may hold the alef of the accusative's tanween (هجوماً، تهديدا، قائما; also the
  alef of a dual verb, قالا): ``tanween_variant`` gives the stem without it, which the index adds
  beside the word's own, where ``MIN_TANWEEN_STEM`` letters remain (more after ي: سوريا is no
  سوري, but افتراضيا is افتراضي).
- A number loses the one-letter prefixes before it (و15، بـ10، ول2021 → 15، 10، 2021) and the
  letter of its era after it (622م، 1440هـ → 622، 1440).
- Words in ``STEM_EXCLUSIONS`` (names and words that lose a root letter, such as وزير or لبنان) are
  kept whole, before and after the prefix is removed, so والوزير and وزير give the same term.
"""

import re

from search_service.arabic.letters import PRONOUNS
from search_service.arabic.normalization import WORD_PREFIXES, normalize, word_list_lines

PREFIXES = ("ال", "وال", "بال", "كال", "فال", "لل", "و")
#: The article forms: the prefixes that may go from a partial word typed as a prefix query.
ARTICLES = PREFIXES[:-1]
#: Lucene's light10 suffixes (ية and ة meet only words given to ``stem`` unnormalised).
SUFFIXES = ("ها", "ان", "ات", "ون", "ين", "يه", "ية", "ه", "ة", "ي")

#: One-letter prefixes that ``prefix_variant`` removes (prepositions ب ل, conjunction ف). Not ك
#: (like): it rarely is one, and far more words begin with it (كامل is no ك + أمل, كافة no ك + آف).
ONE_LETTER_PREFIXES = ("ب", "ل", "ف")
#: The letters of the Gregorian and Hijri eras written after a year (622م, 1440هـ), normalised.
ERA_LETTERS = "مه"
#: A number with the conjunctions and prepositions written onto it (و15، بـ10، ول2021), or the
#: letter of its era after it.
_DRESSED_NUMBER = re.compile(rf"[{WORD_PREFIXES}]{{0,2}}(\d[\d.,]*)[{ERA_LETTERS}]?")
#: Pronouns written onto a word that ``SUFFIXES`` leave on it (ه and ها are among them); not ك
#: and كن, which end far more words than they are written onto (مشترك, مساكن).
ATTACHED_PRONOUNS = tuple(p for p in PRONOUNS if p not in SUFFIXES and p not in ("ك", "كن"))
#: Letters a stem keeps at least.
MIN_STEM = 2
#: Letters a stem of a word's ``ta_marbuta_form`` keeps at least to be indexed (بيتهم is بيت + هم: بي is no stem).
MIN_RESTORED_STEM = 3
#: Letters a stem of ``tanween_variant`` keeps at least, and after ي (a nisba adjective, not a country).
MIN_TANWEEN_STEM = 3
MIN_TANWEEN_STEM_AFTER_YEH = 5
#: Endings whose ا is no tanween: the pronouns ها نا هما كما, and the silent alef of قالوا.
_NOT_TANWEEN = tuple(p for p in PRONOUNS if p.endswith("ا")) + ("وا",)
#: The one-letter prefix و, and a one-letter prefix of ``prefix_variant``, need a word of at least this length.
MIN_WAW_WORD = 4


def load_word_list(name):
    """The normalised words of one of this package's word lists (``stopwords.txt``, ...)."""
    return frozenset(map(normalize, word_list_lines(name)))


STEM_EXCLUSIONS = load_word_list("stem_exclusions.txt")


def _strip_prefix(word):
    for prefix in PREFIXES:
        if not word.startswith(prefix):
            continue
        if prefix == "و":
            if len(word) >= MIN_WAW_WORD:
                return word[1:]
        elif len(word) >= len(prefix) + MIN_STEM:
            return _without_own_al(word[len(prefix):])
        return word
    return word


def _without_own_al(rest):
    """What is left of a word after its article, without a leading ال of the word itself, as the
    word without the article loses it (التزام → تزام): the article must not change the stem, so
    that الالتزام and التزام, الآلاف and آلاف meet."""
    if rest.startswith("ال") and len(rest) >= len("ال") + MIN_STEM and rest not in STEM_EXCLUSIONS:
        return rest[len("ال"):]
    return rest


def strip_article(word):
    """Remove a leading article (ال وال بال كال فال لل) from a normalised word or word beginning."""
    for article in ARTICLES:
        if word.startswith(article) and len(word) >= len(article) + MIN_STEM:
            return word[len(article):]
    return word


def _strip_suffixes(word):
    for suffix in SUFFIXES:
        if word.endswith(suffix) and len(word) >= len(suffix) + MIN_STEM:
            word = word[: -len(suffix)]
    return word


def stem(word):
    """Reduce a normalised word to its light stem.

    >>> stem("والكتاب")
    'كتاب'
    """
    if word in STEM_EXCLUSIONS:
        return word
    if number := _DRESSED_NUMBER.fullmatch(word):
        return number[1]
    word = _strip_prefix(word)
    if word in STEM_EXCLUSIONS:
        return word
    return _strip_suffixes(word)


def prefix_variant(word):
    """The stem of a normalised word without a leading ب ل or ف, or None when that does not apply.

    It applies to words of ``MIN_WAW_WORD`` letters or more that are not protected and do not begin
    with an article (whose prefix ``stem`` already removes).

    >>> prefix_variant("لقومه"), prefix_variant("قوم"), prefix_variant("بالقوم")
    ('قوم', None, None)
    """
    if (
        word[:1] not in ONE_LETTER_PREFIXES
        or len(word) < MIN_WAW_WORD
        or word in STEM_EXCLUSIONS
        or word.startswith(ARTICLES)
    ):
        return None
    variant = stem(word[1:])
    return variant if variant != stem(word) else None


def tanween_variant(word):
    """The stem of a normalised word ending in ا without that ا (the accusative's tanween), or None
    when too little is left, the word is protected or its ا is another's: a pronoun's (حياتها,
    بيتنا) or the silent alef after a plural verb's و (قالوا).

    >>> tanween_variant("هجوما"), tanween_variant("افتراضيا"), tanween_variant("سوريا"), tanween_variant("جدا")
    ('هجوم', 'افتراض', None, None)
    """
    if not word.endswith("ا") or word.endswith(_NOT_TANWEEN):
        return None
    own = stem(word)
    if own in STEM_EXCLUSIONS:
        return None
    rest = word[:-1]
    variant = stem(rest)
    least = MIN_TANWEEN_STEM_AFTER_YEH if rest.endswith("ي") else MIN_TANWEEN_STEM
    return variant if len(variant) >= least and variant != own else None


def waw_variant(word):
    """The stem of a normalised word with a و at its start (after any article) read the other way:
    as the word's first letter where ``stem`` removes it as the conjunction, and as the conjunction
    where ``stem`` keeps it. None when that gives the same stem.

    >>> waw_variant("وصول"), waw_variant("الوصول"), waw_variant("وزير"), waw_variant("كتاب")
    ('وصول', 'صول', None, None)
    """
    if word in STEM_EXCLUSIONS:
        return None
    rest = strip_article(word)
    variant = _strip_suffixes(word) if rest == word else stem(rest)
    return variant if variant != stem(word) else None


def without_pronoun(word):
    """A normalised word without an attached pronoun that ``SUFFIXES`` leave (هم هن كم كن هما كما
    نا: قلوبهم، أموالكم، ديننا); None for a word without one.

    The article and one letter are no word a pronoun attaches to: المهم is the article and مهم,
    not ألم and هم.

    >>> without_pronoun("قلوبهم"), without_pronoun("قلوب"), without_pronoun("المهم")
    ('قلوب', None, None)
    """
    for pronoun in ATTACHED_PRONOUNS:
        if word.endswith(pronoun) and len(word) > len(pronoun):
            rest = word[: -len(pronoun)]
            return None if rest.startswith("ال") and len(rest) <= 3 else rest
    return None


def plural_form(word):
    """A normalised word ending in ات and a pronoun, without the pronoun: the plural it may be
    (شبكاته → شبكات; ``SUFFIXES`` take ه off and leave ات); None for a word without such an ending.

    >>> plural_form("شبكاته"), plural_form("شبكات")
    ('شبكات', None)
    """
    for pronoun in PRONOUNS:
        if word.endswith("ات" + pronoun) and len(word) > len(pronoun) + 2:
            return word[: -len(pronoun)]
    return None


def ta_marbuta_form(word):
    """A normalised word ending in ت and a pronoun, written as the noun ending in ة it may be
    (حكومتهم → حكومه); None for a word without such an ending.

    >>> ta_marbuta_form("حكومتهم"), ta_marbuta_form("حكومه")
    ('حكومه', None)
    """
    for pronoun in PRONOUNS:
        if word.endswith("ت" + pronoun) and len(word) > len(pronoun) + 1:
            return word[: -len(pronoun) - 1] + "ه"
    return None
