"""Snippets of the original paragraph: HTML-escaped, with ``<mark>`` around every matched word.

Words are found with the same analyzers as the index, so a match on the stem كتاب marks the whole
written word (وَالكِتَابُ) with its prefixes and diacritics. A phrase's words are marked where they
make the phrase, not wherever they stand.
"""

import bisect
import html
import itertools
import re

from search_service.arabic import form_stems, form_words, letters, normalize
from search_service.arabic.analysis import TOKEN_PATTERN

SNIPPET_CHARS = 240
#: Characters of a paragraph looked through for matched words (Elasticsearch's highlighter stops
#: at ``index.highlight.max_analyzed_offset`` too): a paragraph of megabytes would hold a search
#: for seconds.
MAX_ANALYZED_CHARS = 100_000
ELLIPSIS = "…"
#: Written word forms whose normalised form is remembered (all forgotten when it is full).
FORMS_CACHED = 200_000
#: The text's words and, around them, what lies between them.
_WORDS_AND_GAPS = re.compile(f"({TOKEN_PATTERN.pattern})")


class _NormalizedForms(dict):
    """Written word -> its normalised form, computed on its first lookup (so that
    ``map(forms.__getitem__, words)`` looks up the words already seen without Python code)."""

    def __missing__(self, word):
        form = self[word] = normalize(word)
        return form


_normalized = _NormalizedForms()


def matched_spans(text, stems, exact_forms, phrases=()):
    """Start/end offsets of the words of ``text`` (its first ``MAX_ANALYZED_CHARS``) whose stem or
    exact form was matched, and of the words that make one of the ``phrases`` (``(stems, slop)``
    pairs, as Whoosh's ``Phrase`` has them).

    The analyzers work word by word, so each written word is looked up alone: its normalised form
    (remembered) is its exact form, and ``form_stems`` gives its stems. Stems and exact forms are
    pieces of a word's normalised form, so only the words holding one are looked up: the forms
    are joined by line breaks and each piece is found with ``str.find``. A stem ending in ه may
    come from a ة written ت before a pronoun (وزاره from وزارته), so such a stem is looked for
    without its ه.
    """
    phrase_stems = {stem for words, _ in phrases for stem in words}
    if len(text) > MAX_ANALYZED_CHARS:  # cut at a space, so that no word is looked up in part
        cut = text.rfind(" ", 0, MAX_ANALYZED_CHARS + 1)
        text = text[: cut if cut >= 0 else MAX_ANALYZED_CHARS]
    if not stems and not exact_forms and not phrase_stems:
        return []
    if len(_normalized) > FORMS_CACHED:
        _normalized.clear()
    terms = stems | exact_forms | phrase_stems
    pieces = {term[:-1] if term.endswith("ه") and len(term) > 1 else term for term in terms} - {""}
    parts = _WORDS_AND_GAPS.split(text)  # gap, word, gap, ..., word, gap
    forms = list(map(_normalized.__getitem__, parts[1::2]))
    joined = "\n".join(forms)
    starts = list(itertools.accumulate(map((1).__add__, map(len, forms)), initial=0))  # each form and its line break
    holding = set()
    for piece in pieces:
        found = joined.find(piece)
        while found >= 0:
            number = bisect.bisect_right(starts, found) - 1
            holding.add(number)
            found = joined.find(piece, starts[number + 1])
    if not holding:
        return []
    matched = {n for n in holding if not exact_forms.isdisjoint(form_words(forms[n])) or not stems.isdisjoint(form_stems(forms[n]))}
    if phrases:
        matched |= _phrase_words(forms, holding, phrases)
    offsets = list(itertools.accumulate(map(len, parts), initial=0))
    return [(offsets[2 * number + 1], offsets[2 * number + 2]) for number in sorted(matched)]


def _phrase_words(forms, holding, phrases):
    """The numbers of the words (of their normalised ``forms``) that make one of the ``phrases``:
    each phrase word 1 to ``slop`` positions after the one before it, positions counted as the
    index counts them (each of a word's ``form_words`` takes one). A word makes the phrase when a
    chain of such positions through it runs from the phrase's first word to its last: the
    positions each word can be reached at are kept going forward, those the last word can still
    be reached from going back, so that repeated words cost no more than the positions they hold."""
    positions = list(itertools.accumulate((len(form_words(form)) for form in forms), initial=0))
    stems_at = {positions[n] + i: (n, form_stems(word)) for n in sorted(holding) for i, word in enumerate(form_words(forms[n]))}
    words = set()
    for phrase, slop in phrases:
        # Each phrase word's candidate positions, ascending.
        candidates = [[p for p, (_, stems) in stems_at.items() if stem in stems] for stem in phrase]
        reached = [candidates[0]]
        for following in candidates[1:]:
            reached.append([p for p in following if _any_within(reached[-1], p - slop, p - 1)])
        completing = reached[-1]
        words.update(stems_at[p][0] for p in completing)
        for earlier in reversed(reached[:-1]):
            completing = [p for p in earlier if _any_within(completing, p + 1, p + slop)]
            words.update(stems_at[p][0] for p in completing)
    return words


def _any_within(ordered, low, high):
    """Whether the ascending list ``ordered`` holds a value from ``low`` to ``high``."""
    at = bisect.bisect_left(ordered, low)
    return at < len(ordered) and ordered[at] <= high


def _window(text, spans, size):
    """The stretch of ``text`` of about ``size`` characters holding the most matched words."""
    if len(text) <= size:
        return 0, len(text)
    if not spans:
        start = 0
    else:
        starts = [s for s, _ in spans]
        best = max(range(len(starts)), key=lambda i: bisect.bisect_left(starts, starts[i] + size) - i)
        start = max(0, starts[best] - size // 6)
    end = min(len(text), start + size)
    start = max(0, end - size)
    # Cut at spaces so that no word is split.
    if start > 0:
        space = text.find(" ", start)
        start = space + 1 if 0 <= space < start + size // 4 else start
    if end < len(text):
        space = text.rfind(" ", start, end)
        end = space if space > start + size // 2 else end
    # Where a word is cut all the same (no space near), a letter keeps its marks.
    while 0 < start < len(text) and text[start] in letters.WORD_MARKS:
        start += 1
    while end < len(text) and text[end] in letters.WORD_MARKS:
        end += 1
    return start, end


def marked(text, stems, exact_forms, phrases=()):
    """The whole of ``text`` as HTML: escaped, matched words in ``<mark>``."""
    return snippet(text, stems, exact_forms, phrases, size=len(text))


def snippet(text, stems, exact_forms, phrases=(), size=SNIPPET_CHARS):
    """HTML snippet of ``text``: escaped, matched words in ``<mark>``, ``…`` where it is cut; two
    stretches of half the size where they show more of the query's words than one (``_windows``)."""
    spans = matched_spans(text, stems, exact_forms, phrases)
    windows = _windows(text, spans, size)
    pieces = [ELLIPSIS] if windows[0][0] > 0 else []
    for number, (start, end) in enumerate(windows):
        if number:
            pieces.append(f" {ELLIPSIS} ")
        cursor = start
        for s, e in spans:
            if start <= s and e <= end:
                pieces += [html.escape(text[cursor:s]), "<mark>", html.escape(text[s:e]), "</mark>"]
                cursor = e
        pieces.append(html.escape(text[cursor:end]))
    if windows[-1][1] < len(text):
        pieces.append(ELLIPSIS)
    return "".join(pieces)


def _windows(text, spans, size):
    """The stretches of ``text`` a snippet shows: the densest of ``size`` characters, or two of half
    the size, the densest and the densest of the matched words it leaves out, where these show
    more of the query's different words (a word's stem: a second copy of one word adds none), as
    search engines show fragments of a long paragraph."""
    whole = _window(text, spans, size)
    if len(text) <= size or not spans:
        return [whole]
    words = [(span, (form_stems(_normalized[text[span[0] : span[1]]]) or (text[span[0] : span[1]],))[0]) for span in spans]

    def shown(window):
        return {word for (s, e), word in words if window[0] <= s and e <= window[1]}

    if shown(whole) == {word for _, word in words}:
        return [whole]
    first = _window(text, spans, size // 2)
    rest = [span for span, word in words if word not in shown(first)]
    if not rest:  # the densest half shows them all: a whole stretch around it
        return [_window(text, [(s, e) for s, e in spans if first[0] <= s and e <= first[1]], size)]
    second = _window(text, rest, size // 2)
    if len(shown(first) | shown(second)) <= len(shown(whole)):
        return [whole]
    if second[0] < first[1] and first[0] < second[1]:  # overlapping: one stretch
        return [(min(first[0], second[0]), max(first[1], second[1]))]
    return sorted([first, second])
