"""Arabic text analysis: normalisation, light stemming, and the Whoosh analyzers built on them."""

from search_service.arabic.analysis import (
    ANALYSIS_VERSION,
    NGRAM_SIZE,
    STOP_WORDS,
    WORD_QUERY_MODE,
    analyzer,
    exact_analyzer,
    form_query_stems,
    form_stems,
    form_words,
    index_terms,
    is_negation,
    is_question_word,
    ngram_text,
    prefix_forms,
    query_terms,
    tokenizer,
    word_ngrams,
)
from search_service.arabic.normalization import normalize
from search_service.arabic.stemming import STEM_EXCLUSIONS, stem

__all__ = [
    "ANALYSIS_VERSION",
    "NGRAM_SIZE",
    "STEM_EXCLUSIONS",
    "STOP_WORDS",
    "WORD_QUERY_MODE",
    "analyzer",
    "exact_analyzer",
    "form_query_stems",
    "form_stems",
    "form_words",
    "index_terms",
    "is_negation",
    "is_question_word",
    "ngram_text",
    "normalize",
    "prefix_forms",
    "query_terms",
    "stem",
    "tokenizer",
    "word_ngrams",
]
