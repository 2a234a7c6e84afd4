"""Boolean queries find what set algebra over their words says, on generated queries.

The paragraphs each hold a known set of eight words among filler words, so the paragraphs a word
finds are known, and so are those of any combination of +, -, brackets, AND, OR and NOT, in
English and in Arabic (و أو ليس).
"""

import random

import pytest

from conftest import SEEDS, found, index_records

WORDS = ["داعش", "مصر", "العراق", "سوريا", "التحالف", "الوزراء", "موزمبيق", "بلينكن"]
PARAGRAPHS = 300
QUERIES = 150


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    """``(live index, {paragraph id: the WORDS it holds})``."""
    rng = random.Random(3)
    seed_text = (SEEDS / "001_93b21bcfa360256c.txt").read_text(encoding="utf-8")
    # Filler that shares no stem with WORDS (عراق is in العراقية, سوري in السورية ...).
    filler = sorted({w for w in seed_text.split() if w.isalpha() and len(w) > 3}
                    - {w for w in seed_text.split() if any(part in w for part in ("داعش", "مصر", "عراق", "سوري", "تحالف", "وزراء", "موزمبيق", "بلينكن"))})
    records, words_of = [], {}
    for number in range(PARAGRAPHS):
        chosen = [word for word in WORDS if rng.random() < 0.3]
        records.append({"id": f"d{number}", "text": " ".join([*rng.sample(filler, 12), *chosen, f"رقم{number}"])})
        words_of[f"d{number}#1"] = set(chosen)
    return index_records(tmp_path_factory.mktemp("boolean"), records), words_of


def plus_minus_query(rng, having, every, depth=0):
    """A query of words with +, - (or NOT) and bracketed groups, and the paragraphs it should find:
    a group finds its + words' paragraphs if it has any, else its other parts', without its - words'."""
    required, optional, excluded, parts = [], [], [], []
    for _ in range(rng.randint(1, 4)):
        kind = rng.choice(["optional", "optional", "required", "excluded"] + (["group"] if depth < 2 else []))
        if kind == "group":
            text, paragraphs = plus_minus_query(rng, having, every, depth + 1)
            if text:
                parts.append(f"({text})")
                optional.append(paragraphs)
            continue
        word = rng.choice(WORDS)
        # An exclusion is written - or NOT or ليس (a + after NOT does not undo it): each takes away
        # from the rest of its brackets.
        excluding = rng.choice(["-", "NOT ", "ليس ", "NOT +"])
        parts.append({"optional": "", "required": "+", "excluded": excluding}[kind] + word)
        {"optional": optional, "required": required, "excluded": excluded}[kind].append(having[word])
    if depth and not (required or optional):
        return None, None  # a bracketed group of exclusions alone takes away from the group around it
    paragraphs = set.intersection(*required) if required else set().union(*optional) if optional else set(every)
    return " ".join(parts), paragraphs.difference(*excluded)


def operator_query(rng, having, depth=0):
    """A query of words joined by one operator in each bracketed group, with NOT words after them
    (between them too where the operator is OR: ``a NOT b OR c``), and the paragraphs it should find."""
    operator = rng.choice(["AND", "و", "OR", "أو", ""])
    parts, sets = [], []
    for _ in range(rng.randint(1, 3)):
        if depth < 2 and rng.random() < 0.3:
            text, paragraphs = operator_query(rng, having, depth + 1)
            parts.append(f"({text})")
        else:
            text = rng.choice(WORDS)
            parts.append(text)
            paragraphs = having[text]
        sets.append(paragraphs)
    paragraphs = set.intersection(*sets) if operator in ("AND", "و") else set().union(*sets)
    for word in rng.sample(WORDS, rng.choice([0, 0, 1, 2])):
        after = rng.randrange(len(parts)) if operator in ("OR", "أو", "") else len(parts) - 1
        parts[after] += f" {rng.choice(['NOT', 'ليس'])} {word}"
        paragraphs = paragraphs - having[word]
    text = f" {operator} ".join(parts) if operator else " ".join(parts)
    return text, paragraphs


def test_each_word_finds_the_paragraphs_that_hold_it(corpus):
    live, words_of = corpus
    for word in WORDS:
        assert found(live, word) == {p for p, words in words_of.items() if word in words}


@pytest.mark.parametrize("generate", ["plus_minus", "operators"])
def test_generated_boolean_queries_find_what_set_algebra_says(corpus, generate):
    live, words_of = corpus
    having = {word: {p for p, words in words_of.items() if word in words} for word in WORDS}
    rng = random.Random(generate)
    for _ in range(QUERIES):
        if generate == "plus_minus":
            text = None
            while not text:  # its groups may all have been left out
                text, expected = plus_minus_query(rng, having, set(words_of))
        else:
            text, expected = operator_query(rng, having)
        assert found(live, text) == expected, text


@pytest.mark.parametrize("operator", ["AND", "و", "OR", "أو"])
def test_a_not_word_before_an_operator_is_taken_away_from_the_whole_group(corpus, operator):
    live, words_of = corpus
    text = f"داعش NOT سوريا {operator} العراق"
    assert found(live, text) and not any("سوريا" in words_of[p] for p in found(live, text))


def test_an_arabic_operator_may_follow_a_sign_and_a_bracket(corpus):
    live, _ = corpus
    assert found(live, "داعش +(ليس سوريا)") == found(live, "داعش +(NOT سوريا)") == found(live, "داعش -سوريا")


def test_a_plus_after_not_does_not_undo_it(corpus):
    live, _ = corpus
    assert found(live, "داعش NOT +سوريا") == found(live, "داعش ليس +سوريا") == found(live, "داعش -سوريا")
    assert found(live, "داعش NOT +(سوريا العراق)") == found(live, "داعش -سوريا -العراق")
