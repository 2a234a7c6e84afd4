"""The Whoosh analysis chain shared by indexing and querying.

Filters only rewrite ``token.text``; ``startchar``/``endchar`` keep pointing into the original text,
so highlighting marks the word as it was written (vocalised, with hamzas and tatweel).
"""

import functools
import hashlib
import pathlib
import re

from whoosh.analysis import Filter, RegexTokenizer, StopFilter, Token
from whoosh.analysis.analyzers import CompositeAnalyzer

from search_service.arabic import letters
from search_service.arabic.normalization import WORD_PREFIXES, normalize
from search_service.arabic.stemming import (
    MIN_RESTORED_STEM, STEM_EXCLUSIONS, load_word_list, plural_form, prefix_variant, stem, strip_article, ta_marbuta_form, tanween_variant, without_pronoun,
    waw_variant,
)

STOP_WORDS = load_word_list("stopwords.txt")
QUESTION_WORDS = load_word_list("question_words.txt")
NEGATION_WORDS = load_word_list("negations.txt")
#: و before a preposition and the article (وبالوالدين, وللكافرين): the word is also indexed
#: without them (a letter after و alone may be the word's own: وبكين, ولندن).
_WAW_PREPOSITION_ARTICLE = ("وبال", "ولل", "وفال")
#: The conjunctions written as one letter on the next word (ولا, فلم).
CONJUNCTIONS = ("و", "ف")
#: Words a negation after و or ف also spells: فلم is also film.
_NOT_NEGATIONS = frozenset({"فلم"})


def _package_digest():
    """A digest of this package's code and word lists: whatever changes how text is analysed changes it."""
    digest = hashlib.sha256()
    for path in sorted(pathlib.Path(__file__).parent.iterdir()):
        if path.suffix in (".py", ".txt"):
            digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


#: The version of the analysis an index is built with (recorded with it): an index built with
#: another holds terms the queries of this one may not find.
ANALYSIS_VERSION = _package_digest()

_MARKS = letters.WORD_MARKS
#: A decimal number (178.3, 1,200, ١٧٨٫٣), with the one-letter prefixes a number takes (و١٧٨٫٣,
#: بـ10.5); the vocative يا that Uthmani spelling joins to its noun (يَٰٓأَيُّهَا, يَٰقَوْمِ: a yeh and
#: a small alef opening a word); or a run of word characters and in-word Arabic marks. Python's
#: ``\w`` alone does not match harakat and would split vocalised words apart.
TOKEN_PATTERN = re.compile(
    rf"(?:[{WORD_PREFIXES}][{_MARKS}]*){{0,2}}\d+(?:[.,\u066b\u066c]\d+)+"
    rf"|(?<![\w{_MARKS}])\u064a[{_MARKS.replace(letters.SMALL_ALEF, '')}]*{letters.SMALL_ALEF}[{_MARKS}]*(?=\w)"
    rf"|(?:\w|[{_MARKS}])+"
)


class NormalizeFilter(Filter):
    """Replace each token's text by its normalised form; drop tokens that normalise to nothing. A
    ligature of words (ﷺ) gives a token for each word, at the same offsets; the ``StopFilter``
    after this numbers their positions one after another."""

    def __call__(self, tokens):
        for t in tokens:
            form = normalize(t.text)
            for word in form.split() if " " in form else (form,) if form else ():
                t.text = word
                yield t


#: Words of two letters, besides the stop words (أم كل مع عن), that a pronoun is written onto
#: after the conjunction و (ويده، وعليه، وحقه): their و is none of theirs, where that of وقتها is.
TWO_LETTER_WORDS = frozenset({"اب", "اخ", "يد", "دم", "فم", "سن", "عم", "حق", "عل"})


@functools.lru_cache(maxsize=200_000)
def _stems(word):
    """A word's stem, then the other terms indexed beside it: the stem without a leading one-letter
    preposition (``prefix_variant``), without a final ا of the accusative (``tanween_variant``), a
    negation without its و or ف (ولا → لا; not فلم, film), the stems of the word read as a noun
    ending in ة before a pronoun (``ta_marbuta_form``: وظيفتها → وظيف, as الوظيفة gives), else
    without its pronoun (``without_pronoun``: قلوبهم → قلوب, unless a stop word remains), the
    stems of the plural before a pronoun (``plural_form``: شبكاته → شبكات), the stem after و, a
    preposition and the article (وبالوالدين → والد), and where a leading و taken for the
    conjunction leaves a stem too short, the stem that keeps it (``waw_variant``: وقتها → وقت, as
    الوقت gives)."""
    bare_negation = word[1:] if word not in NEGATION_WORDS and is_negation(word) else None
    terms = [stem(word), prefix_variant(word), tanween_variant(word), bare_negation]
    if word not in STEM_EXCLUSIONS:
        for restored in (ta_marbuta_form(word) or _content_word(without_pronoun(word)), plural_form(word)):
            if restored:
                terms += [t for t in (stem(restored), prefix_variant(restored)) if t and len(t) >= MIN_RESTORED_STEM]
        if word.startswith(_WAW_PREPOSITION_ARTICLE) and len(after_waw := stem(word[1:])) >= MIN_RESTORED_STEM:
            terms.append(after_waw)  # its article comes off with the preposition (no prefix_variant)
        if (
            word.startswith("و") and word.isalpha() and len(terms[0]) < MIN_RESTORED_STEM
            and terms[0] not in STOP_WORDS and terms[0] not in TWO_LETTER_WORDS
            and len(own_waw := waw_variant(word) or "") >= MIN_RESTORED_STEM
        ):
            terms.append(own_waw)  # وقتها is قت + ها read with و as the conjunction: also the word's own و, وقت
    return tuple(dict.fromkeys(t for t in terms if t))


def _content_word(word):
    """``word``, or None if it is a stop word, after و or ف too, its final ي read as ى too
    (وعليهم is و + على + هم, not علي)."""
    if word is None or _listed(word, STOP_WORDS) or _listed(word[:-1] + "ى", STOP_WORDS):
        return None
    return word


@functools.lru_cache(maxsize=200_000)
def _query_stems(word):
    """``_stems``, then the stems with a leading و read the other way (``waw_variant``), of the
    word and of its ``ta_marbuta_form``: what a query's word looks up."""
    forms = (word, ta_marbuta_form(word))
    return tuple(dict.fromkeys(_stems(word) + tuple(filter(None, (waw_variant(f) for f in forms if f)))))


#: The analysis mode of a query's words, which look up their prefix variants as the index holds
#: them; Whoosh's ``"query"`` mode, which phrases are analysed in, gives one term per word.
WORD_QUERY_MODE = "query words"


class ArabicStemFilter(Filter):
    """Light-stem each word, and give the other terms of ``_stems`` at the same position: indexed,
    so that قوم finds لقوم and بقوم, and looked up by a query's words (``WORD_QUERY_MODE``, with
    ``_query_stems``), so that لسويسرا finds سويسرا and وصول finds الوصول. In Whoosh's ``"query"``
    mode (phrases, whose terms follow each other) a word keeps its one stem."""

    def __call__(self, tokens):
        for t in tokens:
            stemmed, *variants = (_query_stems if t.mode == WORD_QUERY_MODE else _stems)(t.text)
            t.text = stemmed
            yield t
            if t.mode != "query":
                for variant in variants:
                    t.text = variant
                    yield t


#: Pieces of text (between whitespace) whose terms an indexing analyzer remembers.
PIECES_REMEMBERED = 100_000


class IndexingAnalyzer(CompositeAnalyzer):
    """An analysis chain that, when indexing, analyses each piece of text between whitespace once
    and remembers its terms: a corpus repeats the same words, and Whoosh would run every filter
    on every token. The tokens are the chain's own, same terms at the same positions (tokens
    never hold whitespace). Queries and highlighting (character offsets) run the chain itself.
    """

    def __call__(self, value, no_morph=False, **kwargs):
        if no_morph or kwargs.get("mode") != "index" or kwargs.keys() - {"mode", "positions", "boosts"}:
            return super().__call__(value, no_morph=no_morph, **kwargs)
        return self._index_tokens(value)

    def __getstate__(self):
        return {"items": self.items}  # the remembered pieces stay out of the pickled schema

    def _piece(self, piece):
        """``(tokens before the first term, ((term, position after the first term's), ...))``;
        a piece without terms has all its tokens before the first."""
        terms = [(t.text, t.pos) for t in super().__call__(piece, positions=True, mode="index")]
        if not terms:
            return sum(1 for _ in self.items[0](piece)), ()
        first = terms[0][1]
        return first, tuple((text, pos - first) for text, pos in terms)

    def _remembered(self):
        if "_pieces" not in self.__dict__:
            self._pieces = functools.lru_cache(maxsize=PIECES_REMEMBERED)(self._piece)
        return self._pieces

    def terms(self, value):
        """The texts of the tokens the chain indexes for ``value``, in order."""
        pieces = self._remembered()
        return [term for piece in value.split() for term, _ in pieces(piece)[1]]

    def _index_tokens(self, value):
        pieces = self._remembered()
        # Whoosh's StopFilter numbers kept tokens on from the first one's position.
        token = Token(positions=True, boosts=True, mode="index")
        leading, kept = 0, 0
        for piece in value.split():
            before, terms = pieces(piece)
            if not kept:
                leading += before
            for text, position in terms:
                token.text, token.pos = text, leading + kept + position
                yield token
            if terms:
                kept += terms[-1][1] + 1


def tokenizer():
    """The tokenizer: words with their marks, and decimal numbers, as single tokens."""
    return RegexTokenizer(TOKEN_PATTERN)


def analyzer():
    """Tokenize → normalise → drop stop words → light-stem (the text and title fields).

    >>> [t.text for t in analyzer()("وَالكِتَابُ الجديد")]
    ['كتاب', 'جديد']
    """
    # Stop words are matched after normalisation, so every spelling of a function word is caught.
    return IndexingAnalyzer(tokenizer(), NormalizeFilter(), StopFilter(stoplist=STOP_WORDS, minsize=1), ArabicStemFilter())


def exact_analyzer():
    """Tokenize → normalise → drop stop words, without stemming: exact matches and prefix queries."""
    return IndexingAnalyzer(tokenizer(), NormalizeFilter(), StopFilter(stoplist=STOP_WORDS, minsize=1))


#: Letters in a character n-gram.
NGRAM_SIZE = 3


@functools.lru_cache(maxsize=200_000)
def ngram_form(word):
    """A written word as its n-grams are taken: normalised, without its article, edges marked
    (``الكتاب`` → ``_كتاب_``); None for a stop word. A ligature of words gives its words so,
    a space between them (``ﷺ`` → ``_صلي_ _الله_ _وسلم_``)."""
    return " ".join(f"_{strip_article(w)}_" for w in form_words(normalize(word))) or None


def word_ngrams(word):
    """The character 3-grams of a written word's ``ngram_form``; none for a stop word. Related forms
    share most of them (يصبرون and الصبر share ``صبر``).

    >>> word_ngrams("الكتاب")
    ('_كت', 'كتا', 'تاب', 'اب_')
    """
    edged = ngram_form(word) or ""
    return tuple(
        part[start : start + NGRAM_SIZE] for part in edged.split() for start in range(max(len(part) - NGRAM_SIZE, 0) + 1)
    )


def ngram_text(text):
    """A text as the ``ngram_form`` of each word followed by a space (``_كتاب_ _جديد_ ``).

    An n-gram never holds a space, so ``str.count`` finds it as often as the words have it (an
    n-gram overlapping itself, ``اسا`` in ``اساسا``, once), and the words have
    ``len(s) - 3 * s.count(" ")`` n-grams in all.
    """
    return "".join(f"{form} " for form in map(ngram_form, TOKEN_PATTERN.findall(text)) if form)


def index_terms(text):
    """The terms ``analyzer()`` indexes for a text, in order.

    >>> index_terms("وَالكِتَابُ الجديد")
    ['كتاب', 'جديد']
    """
    return _STEMMING.terms(text)


def form_words(form):
    """The words of a written word already normalised that take a position in the index: none for
    a stop word, the word itself, or a ligature's words (ﷺ) but its stop words.

    >>> form_words("في"), form_words(" صلي الله عليه وسلم ")
    ((), ('صلي', 'الله', 'وسلم'))
    """
    if " " in form:
        return tuple(word for word in form.split() if word not in STOP_WORDS)
    return () if not form or form in STOP_WORDS else (form,)


def form_stems(form):
    """The terms ``analyzer()`` indexes for one word already normalised (its stem and the
    variants beside it, for each of its ``form_words``), without running the chain: what a
    written word gives. ``exact_analyzer()`` indexes the ``form_words``.

    >>> form_stems("لقومه"), form_stems("في")
    (('لقوم', 'قوم'), ())
    """
    return tuple(dict.fromkeys(term for word in form_words(form) for term in _stems(word)))


def form_query_stems(form):
    """The terms a query's word, already normalised, looks up in the stemmed fields (``form_stems``
    and the stems with a leading و read the other way).

    >>> form_query_stems("وصول")
    ('صول', 'وصول')
    """
    return tuple(dict.fromkeys(term for word in form_words(form) for term in _query_stems(word)))


def query_terms(text):
    """The terms ``analyzer()`` looks up for a query's text, in order: one per word, without the
    prefix variants the index adds beside them.

    >>> query_terms("لقومه الكتاب")
    ['لقوم', 'كتاب']
    """
    return [token.text for token in _STEMMING(text, mode="query")]


def _listed(form, words):
    """Whether a normalised word is one of ``words``, alone or after و or ف."""
    return form in words or (form[:1] in CONJUNCTIONS and form[1:] in words)


def is_question_word(form):
    """Whether a normalised word only frames a question (ما، هل، لماذا، فكيف، اذكر)."""
    return _listed(form, QUESTION_WORDS)


def is_negation(form):
    """Whether a normalised word negates what follows (لا، لم، لن، ليس، غير، ولا; not فلم, film).

    >>> is_negation("ولم"), is_negation("لكن"), is_negation("فلم")
    (True, False, False)
    """
    return form not in _NOT_NEGATIONS and _listed(form, NEGATION_WORDS)


_STEMMING = analyzer()


def prefix_forms(text):
    """The index terms a word beginning may start: its normalised form and, if it has one, its form
    without its article.

    Prefix, wildcard and fuzzy queries match these against stemmed terms, so ``التحال*`` finds
    التحالف (term ``تحالف``) and ``وزار*`` finds وزارة (a protected word, kept whole).
    """
    plain = normalize(text)
    return list(dict.fromkeys((plain, strip_article(plain))))
