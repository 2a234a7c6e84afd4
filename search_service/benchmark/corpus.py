"""The benchmark corpus and its queries: the corpus generated with a seeded generator from the
sentences of the evaluation corpora and the seeds (or a given corpus counted), and the queries
timed: evaluation questions and short queries drawn from the corpus's sentences."""

import datetime
import json
import pathlib
import random
import re
import time

from search_service.arabic import STOP_WORDS, normalize
from search_service.benchmark.report import Corpus
from search_service.ingest.documents import SENTENCE_END, Document
from search_service.ingest.sources import iter_records

SEED = 20240329
#: Words a generated paragraph has at least, and a target drawn up to this many.
PARAGRAPH_WORDS = (20, 94)
#: Paragraphs per generated document.
DOCUMENT_PARAGRAPHS = (1, 6)
#: Share of generated paragraphs that republish an earlier paragraph (near-duplicates).
REPUBLISHED = 0.02
SOURCES = tuple(f"source-{n:02d}" for n in range(1, 13))
FIRST_DATE = datetime.date(2010, 1, 1)
DATE_SPAN_DAYS = 15 * 365
#: Share of the timed queries that are evaluation questions (the rest are short queries).
QUESTION_SHARE = 0.75

_WORD = re.compile(r"\w+")


def _sentences_of(paragraph):
    return [s.strip() for s in SENTENCE_END.split(paragraph) if len(_WORD.findall(s)) >= 2]


def corpus_sentences(sources):
    """The distinct sentences of the paragraphs in ``sources`` (files or directories), in reading order."""
    sentences = {}
    for record in iter_records([s for s in sources if pathlib.Path(s).exists()]):
        if isinstance(record, Document):
            for paragraph in record.paragraphs:
                sentences.update(dict.fromkeys(_sentences_of(paragraph)))
    return list(sentences)


def evaluation_corpora(eval_dir):
    """The corpora of the evaluation sets under ``eval_dir`` (none when it does not exist)."""
    return sorted(pathlib.Path(eval_dir).glob("*/corpus.jsonl")) if eval_dir else []


def sentence_sources(eval_dir, seeds_dir):
    """The files sentences are drawn from: the evaluation corpora (when present) and the seeds."""
    return [*evaluation_corpora(eval_dir), pathlib.Path(seeds_dir)]


def _paragraph(rng, sentences):
    target = rng.randint(*PARAGRAPH_WORDS)
    chosen, words = [], 0
    # Two sentences at least, so that a paragraph is not one sentence repeated all over the corpus.
    while words < target or len(chosen) < 2:
        sentence = rng.choice(sentences)
        chosen.append(sentence)
        words += len(sentence.split())
    return " ".join(chosen)


def _republished(rng, paragraph):
    """An earlier paragraph as another outlet republishes it: one word left out."""
    words = paragraph.split()
    del words[rng.randrange(len(words))]
    return " ".join(words)


def generate_corpus(path, paragraphs, sentences, seed=SEED, progress=None):
    """Write a deterministic JSONL corpus of ``paragraphs`` paragraphs built from ``sentences``."""
    if not sentences:
        raise ValueError("no sentences to build a corpus from")
    started = time.perf_counter()
    rng = random.Random(seed)
    path = pathlib.Path(path)
    written, documents, recent = 0, 0, []
    with open(path, "w", encoding="utf-8") as file:
        while written < paragraphs:
            count = min(rng.randint(*DOCUMENT_PARAGRAPHS), paragraphs - written)
            texts = []
            for _ in range(count):
                if recent and rng.random() < REPUBLISHED:
                    texts.append(_republished(rng, rng.choice(recent)))
                else:
                    texts.append(_paragraph(rng, sentences))
            recent = (recent + texts)[-1000:]
            documents += 1
            record = {
                "id": f"bench-{documents:07d}",
                "title": " ".join(rng.choice(sentences).split()[: rng.randint(3, 8)]).strip(".،,:؟?!"),
                "source": rng.choices(SOURCES, weights=[1 / rank for rank in range(1, len(SOURCES) + 1)])[0],
                "date": (FIRST_DATE + datetime.timedelta(days=rng.randrange(DATE_SPAN_DAYS))).isoformat(),
                "text": "\n".join(texts),
            }
            file.write(json.dumps(record, ensure_ascii=False) + "\n")
            written += count
            if progress and documents % 500 == 0:
                progress("generating corpus", written, paragraphs)
    if progress:
        progress("generating corpus", written, paragraphs)
    return Corpus(path, documents, written, path.stat().st_size, time.perf_counter() - started)


def describe_corpus(path):
    """Count the documents and paragraphs of an existing corpus file or directory."""
    started = time.perf_counter()
    documents = paragraphs = 0
    for record in iter_records([path]):
        if isinstance(record, Document):
            documents += 1
            paragraphs += len(record.paragraphs)
    path = pathlib.Path(path)
    size = path.stat().st_size if path.is_file() else sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
    return Corpus(path, documents, paragraphs, size, time.perf_counter() - started)


def benchmark_queries(count, questions, sentences, seed=SEED):
    """``count`` queries: a seeded sample of ``questions`` (up to 3/4) and short queries from ``sentences``.

    Returns a list of ``(kind, text)`` with kind ``"question"`` or ``"short"``, shuffled.
    """
    rng = random.Random(seed)
    asked = rng.sample(questions, min(len(questions), round(count * QUESTION_SHARE)))
    queries = [("question", q) for q in asked]
    while len(queries) < count:
        words = _WORD.findall(rng.choice(sentences))
        length = rng.randint(1, 3)
        if len(words) < length:
            continue
        start = rng.randrange(len(words) - length + 1)
        picked = words[start : start + length]
        if all(normalize(w) in STOP_WORDS or len(w) < 2 for w in picked):
            continue
        queries.append(("short", " ".join(picked)))
    rng.shuffle(queries)
    return queries


def read_questions(eval_dir):
    """The questions of every ``queries.tsv`` under ``eval_dir`` (none when it does not exist)."""
    questions = []
    for path in sorted(pathlib.Path(eval_dir).glob("*/queries.tsv")) if eval_dir else []:
        for line in path.read_text(encoding="utf-8").splitlines():
            _, _, text = line.partition("\t")
            if text.strip():
                questions.append(text.strip())
    return questions
