"""Did you mean: each word of a query that finds nothing replaced by the closest word of the index.

A word finds nothing when neither its written form nor any stem it looks up is indexed; a number
and a word of fewer than ``MIN_LETTERS`` letters are never replaced. The closest word is one edit
away with the same first letter after any article if there is one (Elasticsearch's term suggester keeps a prefix of
one letter and corrects words of four letters or more), else, for a word of at least
``TWO_EDITS_FROM`` letters, two edits away with the same first two letters after any article
(Elasticsearch's ``AUTO`` fuzziness allows two edits from six letters); among equally close words
the most frequent wins. Distances are computed by rapidfuzz over the exact-form vocabulary, which is read once per
index generation: Whoosh's own suggester computes them in Python, seconds for one word of a large
vocabulary.
"""

import collections
import math
import time

from rapidfuzz import process
from rapidfuzz.distance import DamerauLevenshtein

from search_service.arabic import STOP_WORDS, exact_analyzer, form_query_stems, normalize
from search_service.arabic.normalization import strip_marks
from search_service.arabic.stemming import ONE_LETTER_PREFIXES, STEM_EXCLUSIONS, strip_article
from search_service.indexing import schema as index_schema
from search_service.indexing.caches import KeptPerKey
from search_service.search.caches import GENERATIONS_KEPT, index_key
from search_service.search.index_arrays import term_postings, vocabulary
from search_service.search.query import wanted_words, with_words_replaced
from search_service.search.synonyms import is_name_word

#: Words shorter than this are never corrected (too many words are one edit away: حلب from حسب).
MIN_LETTERS = 4
#: Letters from which a word may be corrected by two edits.
TWO_EDITS_FROM = 6
#: Letters a two-edit correction keeps from the start of the word.
KEPT_PREFIX = 2
#: Unknown words a query may have to be corrected: one with more is no typo (each costs a pass
#: over the vocabulary).
MAX_CORRECTED_WORDS = 5


#: Letters a word may be written with as a prefix, those the index takes off a word (و, and ب ل ف
#: of ``prefix_variant``): the index may hold a word only with one, and a user may type one before
#: a misspelt word.
PREFIX_LETTERS = ("و", *ONE_LETTER_PREFIXES)

_unprefixed = KeptPerKey(GENERATIONS_KEPT)


def _unprefixed_vocabulary(searcher):
    """``(words, frequencies, written)`` of the exact-form words that begin with a prefix letter,
    without it (وبلجيكا gives بلجيكا), ``written[word]`` the most frequent of the words it came from;
    computed once per index generation."""

    def compute():
        counts, written = collections.Counter(), {}
        for word, frequency in zip(*vocabulary(searcher, index_schema.TEXT_EXACT)):
            rest = word[1:]
            if word[:1] in PREFIX_LETTERS and len(rest) >= MIN_LETTERS:
                counts[rest] += frequency
                if frequency > written.get(rest, ("", 0))[1]:
                    written[rest] = (word, frequency)
        words = sorted(counts)
        return words, [counts[word] for word in words], {word: written[word][0] for word in words}

    return _unprefixed.get(index_key(searcher), compute)


def _closest(form, words, frequencies):
    """``(edits, -frequency, word)`` of the closest of ``words`` to ``form``, or None."""
    edits = 2 if len(form) >= TWO_EDITS_FROM else 1
    found = process.extract(form, words, scorer=DamerauLevenshtein.distance, score_cutoff=edits, limit=None)
    begins = strip_article(form)[:KEPT_PREFIX]

    def same_beginning(word, distance):  # one letter after any article for one edit, two for two
        kept = 1 if distance == 1 else KEPT_PREFIX
        return strip_article(word)[:kept] == begins[:kept]

    candidates = [(distance, -frequencies[index], word) for word, distance, index in found if same_beginning(word, distance)]
    return min(candidates, default=None)


def _correction(searcher, form):
    """The closest indexed word to a normalised word, as a paragraph spells it: among the index's
    words, or among its words written with a prefix, without it (بلجكا → بلجيكا, which the index
    holds as وبلجيكا); else, for a word with a prefix or an article, the prefix and the correction of
    the rest (بداعس → بداعش, الموزمبيك → الموزمبيق); None when there is none."""
    words, frequencies = vocabulary(searcher, index_schema.TEXT_EXACT)
    unprefixed, unprefixed_frequencies, written = _unprefixed_vocabulary(searcher)
    found = _closest(form, words, frequencies)
    found_unprefixed = _closest(form, unprefixed, unprefixed_frequencies)
    if found_unprefixed and (found is None or found_unprefixed < found):
        return _spelled(searcher, written[found_unprefixed[2]])[1:]
    if found:
        return _with_typed_article(form, _spelled(searcher, found[2]))
    rest = strip_article(form)
    if rest == form and form[:1] in PREFIX_LETTERS:
        rest = form[1:]
    corrected = _correction(searcher, rest) if rest != form and len(rest) >= MIN_LETTERS else None
    return form[: len(form) - len(rest)] + corrected if corrected else None


def _with_typed_article(form, word):
    """``word`` with the article ``form`` is typed with in place of its own (بالتحالق → بالتحالف,
    not التحالف); as it is where ``form`` has none."""
    typed = form[: len(form) - len(strip_article(form))]
    return typed + strip_article(word) if typed else word


def _spelled(searcher, form):
    """An indexed (normalised) word as a paragraph spells it, hamzas and ة kept, diacritics dropped
    (the word itself where the spelling without them reads as another)."""
    docnums, _ = term_postings(searcher, index_schema.TEXT_EXACT, form)
    if len(docnums):
        text = searcher.stored_fields(int(docnums[0]))[index_schema.TEXT]
        for token in exact_analyzer()(text, chars=True):
            if token.text == form:
                spelled = strip_marks(text[token.startchar : token.endchar])
                # Uthmani spelling reads otherwise without its marks (ٱلْكِتَٰبُ is no ٱلكتب).
                return spelled if normalize(spelled) == form else form
    return form


def _found(reader, form):
    """Whether a query's (normalised) word finds a paragraph: as written, or by a term it looks up
    in the text or in a title."""
    return bool(reader.frequency(index_schema.TEXT_EXACT, form)) or any(
        reader.frequency(fieldname, t) for t in form_query_stems(form) for fieldname in (index_schema.TEXT, index_schema.LEAD_TITLE)
    )


def suggestion(searcher, text, deadline=math.inf):
    """The query with the unknown words it asks for replaced by the closest indexed words, its
    operators, fields and filters kept; None if no word is replaced, if more than
    ``MAX_CORRECTED_WORDS`` words are unknown (no typo: another language, or noise), or if the
    ``time.monotonic()`` ``deadline`` passes first. The words of a name the service knows
    (``كانون الثاني``, ``synonyms.txt``) are left as they are."""
    reader = searcher.reader()
    unknown = {}
    for word in wanted_words(text):
        if word not in unknown and not is_name_word(word):
            forms = normalize(word).split()  # a word written for two (عبدالرحمان) is corrected word by word
            to_correct = [_unknown(reader, form) for form in forms]
            if any(to_correct):
                unknown[word] = forms, to_correct
    if len(unknown) > MAX_CORRECTED_WORDS:
        return None
    corrections = {}
    for word, (forms, to_correct) in unknown.items():
        if time.monotonic() > deadline:
            return None
        corrected = [_correction(searcher, form) if wrong else None for form, wrong in zip(forms, to_correct)]
        if any(corrected):
            corrections[word] = " ".join(found or form for found, form in zip(corrected, forms))
    return with_words_replaced(text, corrections) if corrections else None


def _unknown(reader, form):
    """Whether a normalised word is one to correct: it finds nothing, and it is no stop word, no
    word the stemmer keeps whole (لبنان, not لبناء), no short word and no number (as meant)."""
    known = form in STOP_WORDS or form in STEM_EXCLUSIONS
    return len(form) >= MIN_LETTERS and not known and not any(c.isdigit() for c in form) and not _found(reader, form)
