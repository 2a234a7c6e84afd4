"""The segment writer writes the index Whoosh's own writer writes, with and without temporary files."""

import pytest
from whoosh import index as whoosh_index

from search_service.arabic import analyzer
from search_service.indexing import schema as index_schema
from search_service.indexing.segments import SegmentWriter
from search_service.indexing.writing import _whoosh_documents, documents
from search_service.ingest.sources import iter_records

from conftest import SEEDS


def _seed_paragraphs():
    for document in documents(iter_records([SEEDS]), []):
        yield from _whoosh_documents(document, {}, analyzer())


def _write(directory, writer_for):
    directory.mkdir()
    ix = whoosh_index.create_in(str(directory), index_schema.build_schema())
    with writer_for(ix, directory) as writer:
        for paragraph in _seed_paragraphs():
            writer.add_document(**paragraph)
    return ix


def _contents(ix):
    """Every term's postings (document, weight, value) and every document's field lengths."""
    with ix.reader() as reader:
        postings = {
            (fieldname, text): [(m.id(), m.weight(), m.value()) for m in _steps(reader.postings(fieldname, text))]
            for fieldname, text in reader.all_terms()
        }
        lengths = [
            [reader.doc_field_length(d, name) for name in (index_schema.TEXT, index_schema.TEXT_EXACT, index_schema.TITLE)]
            for d in range(reader.doc_count_all())
        ]
        stored = list(reader.all_stored_fields())
    return postings, lengths, stored


def _steps(matcher):
    while matcher.is_active():
        yield matcher
        matcher.next()


@pytest.mark.parametrize("limitmb", [64, 0.05], ids=["in memory", "through temporary files"])
def test_segment_writer_writes_what_whoosh_writes(tmp_path, limitmb):
    expected = _contents(_write(tmp_path / "whoosh", lambda ix, _: ix.writer()))
    written = _contents(_write(tmp_path / "ours", lambda ix, directory: SegmentWriter(ix, directory, limitmb)))
    assert written == expected
    assert len(expected[0]) > 1000
    assert not list((tmp_path / "ours").glob("tmp*"))
