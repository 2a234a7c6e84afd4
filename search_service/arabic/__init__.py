"""Arabic text analysis: normalisation, light stemming, and the Whoosh analyzers built on them."""

from search_service.arabic.analysis import STOP_WORDS, analyzer, exact_analyzer, prefix_forms, tokenizer
from search_service.arabic.normalization import normalize
from search_service.arabic.stemming import STEM_EXCLUSIONS, stem

__all__ = ["STEM_EXCLUSIONS", "STOP_WORDS", "analyzer", "exact_analyzer", "normalize", "prefix_forms", "stem", "tokenizer"]
