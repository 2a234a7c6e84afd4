"""search-service export: the OpenSearch index definition and the bulk file, from a real index."""

import json
import subprocess
import sys
import re
import unicodedata

import pytest
from click.testing import CliRunner
from conftest import build_index, full_disk

from search_service.arabic import STEM_EXCLUSIONS, STOP_WORDS, letters, normalize, stem
from search_service.arabic.normalization import NORMALIZATION_TABLE
from search_service.cli import main
from search_service.export import YEH_FOLDED, export_index, index_definition, spelling_filters
from search_service.indexing import LiveIndex

#: Lucene's ArabicNormalizer (the ``arabic_normalization`` filter), from its source: alef forms,
#: dotless yeh and teh marbuta folded; tatweel and the eight harakat removed.
LUCENE_ARABIC_NORMALIZATION = {"\u0622": "ا", "\u0623": "ا", "\u0625": "ا", "\u0649": "ي", "\u0629": "ه"} | {
    chr(c): "" for c in (0x0640, *range(0x064B, 0x0653))
}


@pytest.fixture(scope="module")
def exported(seeds_index, tmp_path_factory):
    output = tmp_path_factory.mktemp("export")
    summary = export_index(seeds_index, output)
    return summary, output


def _bulk_pairs(path):
    lines = path.read_text(encoding="utf-8").splitlines()
    assert len(lines) % 2 == 0
    return [(json.loads(action), json.loads(source)) for action, source in zip(lines[::2], lines[1::2])]


def _stored_paragraphs(index_dir):
    with LiveIndex(index_dir).searcher() as searcher:
        return {fields["id"]: fields for fields in searcher.all_stored_fields()}


def _analysis(definition):
    return definition["settings"]["analysis"]


def _parse_mapping_rule(rule):
    """Read a ``mapping`` char filter rule as OpenSearch does: trim both sides, then unescape."""
    key, value = (side.strip().encode("ascii").decode("unicode_escape") for side in rule.split("=>"))
    return key, value


def test_bulk_file_has_an_action_and_a_source_for_every_paragraph(exported, seeds_index):
    summary, output = exported
    pairs = _bulk_pairs(output / "documents.ndjson")
    stored = _stored_paragraphs(seeds_index)
    assert summary.paragraphs == len(pairs) == len(stored)
    assert [action["index"]["_id"] for action, _ in pairs] == [source["id"] for _, source in pairs]
    assert {action["index"]["_index"] for action, _ in pairs} == {"paragraphs"}
    assert {source["id"] for _, source in pairs} == set(stored)


def test_bulk_sources_carry_the_stored_fields(exported, seeds_index):
    _, output = exported
    stored = _stored_paragraphs(seeds_index)
    mapped = set(index_definition()["mappings"]["properties"])
    for _, source in _bulk_pairs(output / "documents.ndjson"):
        assert set(source) == mapped
        original = stored[source["id"]]
        assert source["text"] == original["text"]
        assert source["document_id"] == original["document_id"]
        assert source["position"] == original["position"]
        assert source["id"] == f"{source['document_id']}#{source['position']}"
        assert source["duplicate_group"] == original["duplicate_group"]
        assert source["date"] == (original["date"] or None)
        assert source["title"] == (original["title"] or None)


def test_bulk_file_keeps_arabic_readable(exported):
    _, output = exported
    text = (output / "documents.ndjson").read_text(encoding="utf-8")
    assert "\\u06" not in text and any("\u0600" <= c <= "\u06ff" for c in text)


def test_index_definition_is_the_json_of_our_analyzer(exported):
    _, output = exported
    assert json.loads((output / "index.json").read_text(encoding="utf-8")) == index_definition()


def test_stop_words_and_keywords_are_the_lists_the_service_uses(exported):
    _, output = exported
    filters = _analysis(json.loads((output / "index.json").read_text(encoding="utf-8")))["filter"]
    # As OpenSearch's arabic_normalization reads them: ى folded (على, which ours keeps).
    assert set(filters["arabic_stop"]["stopwords"]) == {word.translate(YEH_FOLDED) for word in STOP_WORDS}
    assert len(filters["arabic_stop"]["stopwords"]) == len(STOP_WORDS)
    assert set(filters["arabic_keywords"]["keywords"]) == STEM_EXCLUSIONS
    assert filters["arabic_keywords"]["type"] == "keyword_marker"
    assert filters["arabic_stemmer"] == {"type": "stemmer", "language": "arabic"}


def test_analyzers_follow_our_chain_and_protect_words_before_stemming():
    analyzers = _analysis(index_definition())["analyzer"]
    assert analyzers["arabic_light"]["tokenizer"] == "standard"
    spelling = list(spelling_filters())
    assert analyzers["arabic_light"]["filter"] == [
        "lowercase", "decimal_digit", "arabic_normalization", *spelling, "arabic_stop",
        "arabic_keywords", "arabic_stem_overrides", "arabic_stemmer",
    ]
    assert analyzers["arabic_exact"]["filter"] == ["lowercase", "decimal_digit", "arabic_normalization", *spelling, "arabic_stop"]
    assert analyzers["arabic_light"]["char_filter"] == analyzers["arabic_exact"]["char_filter"] == ["arabic_folding"]
    searching = analyzers["arabic_light_search"]["filter"]
    assert searching == [*analyzers["arabic_exact"]["filter"], "arabic_synonyms", *analyzers["arabic_light"]["filter"][-3:]]


def test_queries_look_up_our_synonyms_as_a_graph():
    definition = index_definition()
    synonyms = _analysis(definition)["filter"]["arabic_synonyms"]
    assert synonyms["type"] == "synonym_graph"
    assert "فبراير, شباط, فيفري" in synonyms["synonyms"] and "يناير, كانون الثاني, جانفي, ينير" in synonyms["synonyms"]
    properties = definition["mappings"]["properties"]
    assert properties["text"]["search_analyzer"] == properties["title"]["search_analyzer"] == "arabic_light_search"


@pytest.mark.parametrize("written", ["الأميركية", "أوربا", "الثلثاء", "سورية", "وبسورية", "السورية", "سوريالية"])
def test_spelling_filters_give_our_spelling_of_each_variant(written):
    filters = _analysis(index_definition())["filter"]
    assert all(filters[name]["type"] == "pattern_replace" for name in spelling_filters())
    token = written.translate(NORMALIZATION_TABLE)  # as arabic_normalization leaves it, before the filters
    for name in spelling_filters():  # Java's $1 is Python's \1
        token = re.sub(filters[name]["pattern"], filters[name]["replacement"].replace("$1", r"\1"), token)
    assert token == normalize(written)


def test_fields_are_mapped_with_the_arabic_analyzers():
    properties = index_definition()["mappings"]["properties"]
    assert properties["text"]["analyzer"] == "arabic_light"
    assert properties["text"]["fields"]["exact"]["analyzer"] == "arabic_exact"
    assert properties["title"]["analyzer"] == "arabic_light"
    assert properties["date"]["type"] == "date"
    assert properties["position"]["type"] == "integer"
    assert {properties[name]["type"] for name in ("id", "document_id", "source", "duplicate_group", "url")} == {"keyword"}


def _folding():
    rules = _analysis(index_definition())["char_filter"]["arabic_folding"]["mappings"]
    return dict(_parse_mapping_rule(rule) for rule in rules)


def test_char_filter_and_built_in_filters_fold_every_character_we_fold():
    mapping = _folding()
    differences = {}
    for code in NORMALIZATION_TABLE:
        char = chr(code)
        if unicodedata.category(char) == "Cs":
            continue  # lone surrogates never reach OpenSearch as text
        if char in (letters.SMALL_ALEF, letters.SMALL_HIGH_YEH):
            continue  # Uthmani letters, read by rules of whole words that the export leaves out
        folded = "".join(LUCENE_ARABIC_NORMALIZATION.get(c, c) for c in mapping.get(char, char))
        folded = "".join(str(unicodedata.decimal(c, c)) for c in folded)  # decimal_digit
        if folded.split() != normalize(char).split():
            differences[f"U+{code:04X}"] = (folded, normalize(char))
    assert differences == {}


def test_a_spelling_variant_of_two_words_is_mapped_before_the_tokenizer():
    assert _folding()["عبدال"] == "عبد ال"
    assert not any(" " in f["replacement"] for f in _analysis(index_definition())["filter"].values() if f["type"] == "pattern_replace")


def test_invisible_characters_are_deleted_inside_words_as_in_our_tokenizer():
    mapping = _folding()
    assert mapping["\u200f"] == mapping["\u200d"] == mapping["\u2060"] == ""
    assert mapping["\u200c"] == " "  # the zero-width non-joiner separates words


def test_stem_overrides_give_our_stems_where_lucene_differs():
    rules = _analysis(index_definition())["filter"]["arabic_stem_overrides"]["rules"]
    overrides = {}
    for rule in rules:
        forms, target = rule.split(" => ")
        overrides |= {form: target for form in forms.split(", ")}
    assert all(stem(form) == target for form, target in overrides.items())
    assert overrides["الوزاره"] == "وزاره"  # an exclusion behind an article: Lucene would give وزار
    assert overrides["والد"] == "والد"  # Lucene would strip و and give الد
    assert not set(overrides) & (STEM_EXCLUSIONS | STOP_WORDS)


def test_readme_gives_the_two_curl_commands(exported):
    _, output = exported
    readme = (output / "README.txt").read_text(encoding="utf-8")
    assert 'curl -X PUT "http://localhost:9200/paragraphs"' in readme and "--data-binary @index.json" in readme
    assert 'curl -X POST "http://localhost:9200/_bulk"' in readme and "--data-binary @documents.ndjson" in readme
    assert "application/x-ndjson" in readme


def test_export_command_writes_the_three_files(tmp_path):
    index_dir = build_index(tmp_path / "index")
    result = CliRunner().invoke(main, ["export", "--output", str(tmp_path / "out"), "--index", str(index_dir)])
    assert result.exit_code == 0, result.output
    assert "paragraphs" in result.output
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["README.txt", "documents.ndjson", "index.json"]


def test_export_command_without_an_index_is_a_one_line_error(tmp_path):
    result = CliRunner().invoke(main, ["export", "--output", str(tmp_path / "out"), "--index", str(tmp_path / "none")])
    assert result.exit_code == 1
    assert result.output.count("\n") == 1
    assert "search-service reindex" in result.output
    assert not (tmp_path / "out").exists()


def test_export_command_to_an_unwritable_place_is_a_one_line_error(seeds_index, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    result = CliRunner().invoke(main, ["export", "--output", str(blocker / "out"), "--index", str(seeds_index)])
    assert result.exit_code == 1
    assert result.output.count("\n") == 1 and "cannot write" in result.output


def test_an_export_that_fails_midway_leaves_the_previous_one_as_it_was(seeds_index, tmp_path):
    out = tmp_path / "out"
    assert CliRunner().invoke(main, ["export", "--output", str(out), "--index", str(seeds_index)]).exit_code == 0
    before = {path.name: path.read_bytes() for path in out.iterdir()}
    failed = subprocess.run(
        [sys.executable, "-m", "search_service", "export", "--output", str(out), "--index", str(seeds_index)],
        capture_output=True, text=True, preexec_fn=full_disk(20_000), check=False,
    )
    assert failed.returncode == 1 and "cannot write the export" in failed.stderr and "Traceback" not in failed.stderr
    assert {path.name: path.read_bytes() for path in out.iterdir()} == before
