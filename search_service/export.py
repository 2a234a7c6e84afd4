"""Export the live index for OpenSearch or Elasticsearch.

``export_index`` writes three files: ``index.json`` (settings and mappings, with an Arabic analyzer
built from OpenSearch's own components to match ours), ``documents.ndjson`` (every paragraph in the
bulk API format, read from the index's stored fields one at a time) and ``README.txt`` (how to load
them). The analyzer is derived from our tables, so it cannot drift from them:

- a ``mapping`` char filter for what ``arabic_normalization`` leaves out of our normalisation
  (ٱ, hamza seats, Persian letters, presentation forms, Quranic marks, invisible characters);
- ``standard`` tokenizer → ``lowercase`` → ``decimal_digit`` → ``arabic_normalization`` → a
  ``pattern_replace`` per spelling variant → ``stop`` (our stop list) → ``keyword_marker`` (our
  stem exclusions) → ``stemmer_override`` → Arabic stemmer;
- for queries, the same chain with a ``synonym_graph`` filter of our synonym sets after the stop
  words (``synonyms.txt``: the months' names), as Elasticsearch advises for synonyms of several
  words. OpenSearch scores a synonym as the word itself; we weight it a little below.

Two rules of ours read whole words and are not mirrored: the Qur'an's Uthmani spelling (its small
alef and small high yeh are deleted there, so ٱلْكِتَٰبُ is not الكتاب) and the preposition على,
whose ى OpenSearch folds before the stop words, so the name علي is a stop word there too.

``stemmer_override`` covers the two places where Lucene's stemmer and ours part: an exclusion
reached by removing a prefix (الوزارة → وزاره, not وزار) and a four-letter word starting with وال,
which Lucene cuts to its و (والد → الد) where we keep it whole.
"""

import contextlib
import dataclasses
import json
import pathlib

from search_service.arabic import STEM_EXCLUSIONS, STOP_WORDS, letters, normalize, stem
from search_service.arabic.normalization import NORMALIZATION_TABLE, SPELLING_VARIANTS, WHOLE_WORD_VARIANTS, WORD_PREFIXES
from search_service.arabic.stemming import PREFIXES, strip_article
from search_service.indexing import LiveIndex
from search_service.indexing import schema as index_schema
from search_service.search.synonyms import SYNONYMS

INDEX_NAME = "paragraphs"
INDEX_FILE = "index.json"
DOCUMENTS_FILE = "documents.ndjson"
README_FILE = "README.txt"

#: What Lucene's ArabicNormalizer (``arabic_normalization``) already does: آ أ إ → ا, ى → ي, ة → ه,
#: and the harakat and tatweel removed.
ARABIC_NORMALIZATION_COVERS = frozenset(
    letters.ALEF_FORMS[:3] + (letters.ALEF_MAKSURA, letters.TEH_MARBUTA, letters.TATWEEL) + letters.HARAKAT
)

#: ى as ``arabic_normalization`` folds it before the stop words: على kept with its ى by ours.
YEH_FOLDED = str.maketrans(letters.ALEF_MAKSURA, letters.YEH)

#: The Arabic alphabet, hamza to yeh (U+0621-U+063A, U+0641-U+064A).
ARABIC_LETTERS = (*range(0x0621, 0x063B), *range(0x0641, 0x064B))

#: Metadata fields stored as "" when a document has none; exported as null (a date field rejects "").
_OPTIONAL = (index_schema.TITLE, index_schema.DATE, index_schema.SOURCE)
#: The fields of an exported paragraph (``text_exact`` is the ``text.exact`` subfield there).
EXPORTED_FIELDS = (
    index_schema.ID, index_schema.DOCUMENT_ID, index_schema.POSITION, index_schema.TEXT, index_schema.TITLE, index_schema.DATE,
    index_schema.SOURCE, index_schema.URL, index_schema.DUPLICATE_GROUP,
)


class ExportError(Exception):
    """The export could not be written; the message is one line for users."""


@dataclasses.dataclass
class ExportSummary:
    """What an export wrote."""

    generation: str
    paragraphs: int
    output_dir: pathlib.Path


def _escape(text):
    return "".join(f"\\u{ord(c):04x}" for c in text)


def char_mappings():
    """``mapping`` char filter rules for our normalisation table minus what OpenSearch's filters do.

    Digits are left to ``decimal_digit``; lone surrogates cannot occur in OpenSearch's text. A
    removed character is deleted: our tokenizer keeps each inside the word it is in, but the
    zero-width non-joiner, which separates words there and is a space here. Characters
    are written as ``\\uXXXX`` escapes, which the filter reads, so invisible marks stay visible in
    the file.
    """
    rules = []
    for code, value in sorted(NORMALIZATION_TABLE.items()):
        char = chr(code)
        if char in ARABIC_NORMALIZATION_COVERS or char in letters.SURROGATES or (value or "").isdecimal():
            continue
        rules.append(f"{_escape(char)} => {_escape(' ' if char == letters.ZWNJ else value or '')}")
    # A spelling variant of two words (عبدالله → عبد الله) must be two tokens: mapped before the tokenizer.
    rules += [f"{_escape(variant)} => {_escape(spelling)}" for variant, spelling in SPELLING_VARIANTS.items() if " " in spelling]
    return rules


def stem_overrides():
    """``stemmer_override`` rules (``form, form => stem``) where Lucene's stemmer would differ from ours."""
    # An article before a word that already has one is not Arabic (الالسودان): only و may precede it.
    prefixed = {prefix + word for prefix in PREFIXES for word in STEM_EXCLUSIONS if prefix == "و" or strip_article(word) == word}
    forms = {form for form in prefixed if stem(form) in STEM_EXCLUSIONS}
    forms |= {normalize("وال" + chr(code)) for code in ARABIC_LETTERS}
    targets = {}
    for form in sorted(forms - STEM_EXCLUSIONS - STOP_WORDS):
        targets.setdefault(stem(form), []).append(form)
    return [f"{', '.join(sources)} => {target}" for target, sources in sorted(targets.items())]


def spelling_filters():
    """A ``pattern_replace`` token filter for each of our spelling variants, by filter name; a
    whole-word variant matches the whole token, after at most two one-letter prefixes."""
    rules = [(variant, spelling) for variant, spelling in SPELLING_VARIANTS.items() if " " not in spelling] + [
        (f"^([{WORD_PREFIXES}]{{0,2}}){variant}$", f"$1{spelling}") for variant, spelling in WHOLE_WORD_VARIANTS.items()
    ]
    return {
        f"arabic_spelling_{number}": {"type": "pattern_replace", "pattern": pattern, "replacement": replacement}
        for number, (pattern, replacement) in enumerate(rules, start=1)
    }


def synonym_rules():
    """``synonym_graph`` rules (``name, name, ...``): our synonym sets, each once."""
    return [", ".join(names) for names in dict.fromkeys(SYNONYMS.values())]


def index_definition():
    """The body of ``PUT /paragraphs``: analysis settings and field mappings."""
    char_filter = ["arabic_folding"]
    spelling = spelling_filters()
    exact_filters = ["lowercase", "decimal_digit", "arabic_normalization", *spelling, "arabic_stop"]
    # Keyword marking and overrides must come before the stemmer, which skips keywords.
    stemming = ["arabic_keywords", "arabic_stem_overrides", "arabic_stemmer"]
    return {
        "settings": {
            "analysis": {
                "char_filter": {"arabic_folding": {"type": "mapping", "mappings": char_mappings()}},
                "filter": spelling | {
                    # Our stop list is normalised, so it is matched after normalisation.
                    "arabic_stop": {"type": "stop", "stopwords": sorted({w.translate(YEH_FOLDED) for w in STOP_WORDS})},
                    "arabic_keywords": {"type": "keyword_marker", "keywords": sorted(STEM_EXCLUSIONS)},
                    "arabic_stem_overrides": {"type": "stemmer_override", "rules": stem_overrides()},
                    "arabic_stemmer": {"type": "stemmer", "language": "arabic"},
                    "arabic_synonyms": {"type": "synonym_graph", "synonyms": synonym_rules()},
                },
                "analyzer": {
                    "arabic_light": {"type": "custom", "char_filter": char_filter, "tokenizer": "standard", "filter": exact_filters + stemming},
                    "arabic_light_search": {
                        "type": "custom", "char_filter": char_filter, "tokenizer": "standard",
                        "filter": exact_filters + ["arabic_synonyms"] + stemming,
                    },
                    "arabic_exact": {"type": "custom", "char_filter": char_filter, "tokenizer": "standard", "filter": exact_filters},
                },
            }
        },
        "mappings": {
            "dynamic": "strict",
            "properties": {
                index_schema.ID: {"type": "keyword"},
                index_schema.DOCUMENT_ID: {"type": "keyword"},
                index_schema.POSITION: {"type": "integer"},
                index_schema.TEXT: {
                    "type": "text", "analyzer": "arabic_light", "search_analyzer": "arabic_light_search",
                    "fields": {"exact": {"type": "text", "analyzer": "arabic_exact"}},
                },
                index_schema.TITLE: {"type": "text", "analyzer": "arabic_light", "search_analyzer": "arabic_light_search"},
                index_schema.DATE: {"type": "date", "format": "strict_date"},
                index_schema.SOURCE: {"type": "keyword"},
                index_schema.URL: {"type": "keyword", "index": False},
                index_schema.DUPLICATE_GROUP: {"type": "keyword"},
            },
        },
    }


def paragraph_sources(index):
    """Each paragraph of a Whoosh index as an OpenSearch document, read one at a time."""
    with index.reader() as reader:
        for _, stored in reader.iter_docs():
            source = {name: stored.get(name) for name in EXPORTED_FIELDS}
            for name in _OPTIONAL:
                source[name] = source[name] or None
            yield source


def _readme(generation, paragraphs):
    return f"""\
Paragraphs of search-service index {generation}, exported for OpenSearch or Elasticsearch
({paragraphs} paragraphs). Run these from this directory (add -u USER:PASSWORD and https for a
secured cluster).

1. Create the index with the Arabic analyzers and the field mappings:

   curl -X PUT "http://localhost:9200/{INDEX_NAME}" -H "Content-Type: application/json" --data-binary @{INDEX_FILE}

2. Load the paragraphs (the reply should say "errors":false):

   curl -X POST "http://localhost:9200/_bulk" -H "Content-Type: application/x-ndjson" --data-binary @{DOCUMENTS_FILE}

A request is limited to 100 MB by default (http.max_content_length). For a larger file, split it
on an even number of lines, which keeps each action with its document, and post every part:

   split -l 20000 {DOCUMENTS_FILE} part- && for f in part-*; do curl -X POST "http://localhost:9200/_bulk" -H "Content-Type: application/x-ndjson" --data-binary @$f; done
"""


def export_index(index_dir, output_dir):
    """Write index.json, documents.ndjson and README.txt for the live index of ``index_dir``.

    The files are written beside their places and moved into them once all are complete: an export
    that fails (a full disk) leaves the previous one as it was. Raises ``IndexNotFound`` when
    there is no index and ``ExportError`` when the files cannot be written.
    """
    live = LiveIndex(index_dir)
    generation, index = live.generation(), live.index()
    output_dir = pathlib.Path(output_dir)
    partial = {name: output_dir / f".{name}.partial" for name in (INDEX_FILE, DOCUMENTS_FILE, README_FILE)}
    paragraphs = 0
    try:
        output_dir.mkdir(parents=True, exist_ok=True)
        definition = json.dumps(index_definition(), ensure_ascii=False, indent=2)
        partial[INDEX_FILE].write_text(definition + "\n", encoding="utf-8")
        with open(partial[DOCUMENTS_FILE], "w", encoding="utf-8") as documents:
            for source in paragraph_sources(index):
                action = {"index": {"_index": INDEX_NAME, "_id": source[index_schema.ID]}}
                documents.write(json.dumps(action, ensure_ascii=False) + "\n")
                documents.write(json.dumps(source, ensure_ascii=False) + "\n")
                paragraphs += 1
        partial[README_FILE].write_text(_readme(generation, paragraphs), encoding="utf-8")
        for name, written in partial.items():
            written.replace(output_dir / name)
    except OSError as error:
        for written in partial.values():
            with contextlib.suppress(OSError):  # not written, or its folder could not be made
                written.unlink()
        raise ExportError(f"cannot write the export to {output_dir}: {error.strerror or error}") from None
    return ExportSummary(generation, paragraphs, output_dir)
