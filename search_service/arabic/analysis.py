"""The Whoosh analysis chain shared by indexing and querying.

Filters only rewrite ``token.text``; ``startchar``/``endchar`` keep pointing into the original text,
so highlighting marks the word as it was written (vocalised, with hamzas and tatweel).
"""

import functools
import re

from whoosh.analysis import Filter, RegexTokenizer, StemFilter, StopFilter

from search_service.arabic import letters
from search_service.arabic.normalization import normalize
from search_service.arabic.stemming import _load_word_list, prefix_variant, stem, strip_article

STOP_WORDS = _load_word_list("stopwords.txt")
QUESTION_WORDS = _load_word_list("question_words.txt")

_MARKS = "".join(letters.WORD_MARKS)
#: A decimal number (178.3, 1,200, ١٧٨٫٣) or a run of word characters and in-word Arabic marks.
#: Python's ``\w`` alone does not match harakat and would split vocalised words apart.
TOKEN_PATTERN = re.compile(rf"\d+(?:[.,\u066b\u066c]\d+)+|(?:\w|[{_MARKS}])+")


class NormalizeFilter(Filter):
    """Replace each token's text by its normalised form; drop tokens that normalise to nothing."""

    def __call__(self, tokens):
        for t in tokens:
            t.text = normalize(t.text)
            if t.text:
                yield t


@functools.lru_cache(maxsize=200_000)
def _stems(word):
    return stem(word), prefix_variant(word)


class ArabicStemFilter(Filter):
    """Light-stem each word. When indexing, a word that may begin with a one-letter preposition or
    ف is also indexed, at the same position, under the stem without it: قوم finds لقوم and بقوم.
    A query word keeps its one stem, so كتاب still looks for كتاب only."""

    def __call__(self, tokens):
        for t in tokens:
            t.text, variant = _stems(t.text)
            yield t
            if variant and t.mode != "query":
                t.text = variant
                yield t


class CharNgramFilter(Filter):
    """Replace each word by its character n-grams, its edges marked: ``كتاب`` → ``_كت كتا تاب اب_``.

    Related forms of a word share most of their n-grams (صابرين and يصبرون share ``صبر``), so
    n-gram matches rank paragraphs in which a light stem does not find the query's word.
    """

    def __init__(self, size=3):
        self.size = size

    def __call__(self, tokens):
        size = self.size
        for t in tokens:
            word = f"_{t.text}_"
            for start in range(max(len(word) - size, 0) + 1):
                t.text = word[start : start + size]
                yield t


def tokenizer():
    """The tokenizer: words with their marks, and decimal numbers, as single tokens."""
    return RegexTokenizer(TOKEN_PATTERN)


def analyzer():
    """Tokenize → normalise → drop stop words → light-stem (the text and title fields).

    >>> [t.text for t in analyzer()("وَالكِتَابُ الجديد")]
    ['كتاب', 'جديد']
    """
    # Stop words are matched after normalisation, so every spelling of a function word is caught.
    return tokenizer() | NormalizeFilter() | StopFilter(stoplist=STOP_WORDS, minsize=1) | ArabicStemFilter()


def exact_analyzer():
    """Tokenize → normalise → drop stop words, without stemming: exact matches and prefix queries."""
    return tokenizer() | NormalizeFilter() | StopFilter(stoplist=STOP_WORDS, minsize=1)


def ngram_analyzer():
    """Tokenize → normalise → drop stop words and articles → character 3-grams (ranking only).

    >>> [t.text for t in ngram_analyzer()("الكتاب")]
    ['_كت', 'كتا', 'تاب', 'اب_']
    """
    return (
        tokenizer()
        | NormalizeFilter()
        | StopFilter(stoplist=STOP_WORDS, minsize=1)
        | StemFilter(stemfn=strip_article)
        | CharNgramFilter(3)
    )


@functools.lru_cache(maxsize=200_000)
def _word_terms(word):
    return tuple(t.text for t in _STEMMING(word))


def index_terms(text):
    """The terms ``analyzer()`` makes of a text, in order; each distinct word is analysed once.

    >>> index_terms("وَالكِتَابُ الجديد")
    ['كتاب', 'جديد']
    """
    return [term for word in TOKEN_PATTERN.findall(text) for term in _word_terms(word)]


def is_question_word(text):
    """Whether a word only frames a question (ما، هل، لماذا، فكيف، اذكر), in any spelling."""
    form = normalize(text)
    return form in QUESTION_WORDS or (form[:1] in ("و", "ف") and form[1:] in QUESTION_WORDS)


_STEMMING = analyzer()


def prefix_forms(text):
    """The index terms a word beginning may start: its normalised form and, without its article.

    Prefix, wildcard and fuzzy queries match these against stemmed terms, so ``التحال*`` finds
    التحالف (term ``تحالف``) and ``وزار*`` finds وزارة (a protected word, kept whole).
    """
    plain = normalize(text)
    return list(dict.fromkeys((plain, strip_article(plain))))
