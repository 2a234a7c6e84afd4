"""Near-duplicate paragraphs: the same paragraph republished with small edits, found at corpus scale.

1. Shingles: a paragraph's words (the analyzer's words, normalised, stop words dropped) are taken
   ``SHINGLE_WORDS`` at a time; each run is one shingle, hashed to 32 bits from blake2b word hashes
   (never Python's ``hash()``, so every process gets the same result). Paragraphs of fewer than
   ``MIN_WORDS`` words as written (between spaces, stop words counted) are left out.
2. MinHash: ``BANDS * ROWS`` seeded multiply-shift hash functions; a paragraph's signature holds
   the least value of each over its shingles. Computed with numpy, a batch of paragraphs at a time.
3. LSH banding: paragraphs whose signatures agree on all ``ROWS`` values of some band are
   candidates. With 32 bands of 3 rows, a pair at Jaccard 0.5 is a candidate with probability 0.986,
   a pair at 0.7 with probability 0.99999.
4. Check: a candidate pair is a near-duplicate when the Jaccard similarity of the real shingle sets
   is at least ``THRESHOLD`` and the two hold the same facts: the same numbers and negations (لا،
   لم، لن، غير ...), as many times each. An update of a toll (20 قتيلا, then 145) or a denial
   (القاهرة لا ترحب) is another paragraph, not a copy to hide behind the first. Union-find joins
   the pairs into groups. In the seeds, the paragraphs one page republishes from another score 0.67
   to 1; two write-ups of the same statement, 0.30 at most.

Within a band's bucket each paragraph is paired with the bucket's first member and with its
predecessor, not with every other member, so a bucket of a thousand copies costs two thousand
checks, not half a million; the groups still come out whole through union-find.
"""

import hashlib

import numpy as np

from search_service.arabic import STOP_WORDS, is_negation, normalize
from search_service.arabic.analysis import TOKEN_PATTERN

SHINGLE_WORDS = 3
MIN_WORDS = 8
THRESHOLD = 0.5
#: Shingles of candidate pairs checked at a time (sorted together), which bounds the working memory.
CHECKED_SHINGLES = 1 << 20
BANDS = 32
ROWS = 3
#: Words (of paragraphs long enough to compare) shingled and signed at a time, which bounds the
#: working memory besides the results.
BATCH_WORDS = 1 << 18
_SEED = 20240329
_UINT64 = np.uint64


def _hash(text):
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "little")


class _Vocabulary(dict):
    """Whitespace-separated token → small id, given once per distinct token.

    A token's words are the analyzer's words (``TOKEN_PATTERN``), normalised, stop words dropped; a
    token left with none (punctuation, a stop word) gets 0. Splitting on whitespace first and finding
    words once per distinct token is what makes reading a large corpus fast.
    ``hashes(ids)`` turns ids into the 64-bit hashes of the tokens' words and of their facts
    (numbers and negations; 0 for none).
    """

    def __init__(self):
        super().__init__()
        self._new = [(0, 0)]
        self._hashes = np.zeros((0, 2), dtype=_UINT64)

    def __missing__(self, token):
        forms = [form for form in map(normalize, TOKEN_PATTERN.findall(token)) if form]
        words = [form for form in forms if form not in STOP_WORDS]
        facts = [form for form in forms if is_negation(form) or any(char.isdigit() for char in form)]
        if words or facts:
            self._new.append((_hash(" ".join(words)) if words else 0, _hash(" ".join(facts)) if facts else 0))
            value = self[token] = len(self._hashes) + len(self._new) - 1
        else:
            value = self[token] = 0
        return value

    def hashes(self, ids):
        """The hashes of the words with these ids (0 for stop words) and of their facts, as two arrays."""
        if self._new:
            self._hashes = np.concatenate((self._hashes, np.array(self._new, dtype=_UINT64)))
            self._new = []
        found = self._hashes[ids]
        return found[:, 0], found[:, 1]


def _mix(values):
    """The splitmix64 finaliser: spreads the bits of uint64 values (wrapping arithmetic)."""
    values = values ^ (values >> _UINT64(30))
    values = values * _UINT64(0xBF58476D1CE4E5B9)
    values = values ^ (values >> _UINT64(27))
    values = values * _UINT64(0x94D049BB133111EB)
    return values ^ (values >> _UINT64(31))


def _offsets(sizes):
    """Each element's position in its row, for rows of ``sizes`` elements laid end to end."""
    return np.arange(sizes.sum()) - np.repeat(np.cumsum(sizes) - sizes, sizes)


def _shingle_sets(terms, lengths):
    """Sorted distinct 32-bit shingle hashes of each paragraph, flat, with each paragraph's count."""
    starts = np.concatenate(([0], np.cumsum(lengths)[:-1]))
    shingles = _mix(terms[: len(terms) - SHINGLE_WORDS + 1])
    for offset in range(1, SHINGLE_WORDS):
        shingles = _mix(shingles ^ terms[offset : len(terms) - SHINGLE_WORDS + 1 + offset])
    shingle_counts = lengths - SHINGLE_WORDS + 1
    owner = np.repeat(np.arange(len(lengths)), shingle_counts)
    position = _offsets(shingle_counts)
    # Sorting (paragraph << 32 | shingle) orders each paragraph's shingles and keeps paragraphs apart.
    keys = np.sort((owner.astype(_UINT64) << _UINT64(32)) | (shingles[starts[owner] + position] >> _UINT64(32)))
    keys = keys[np.concatenate(([True], keys[1:] != keys[:-1]))]
    owner = (keys >> _UINT64(32)).astype(np.int64)
    return keys.astype(np.uint32), np.bincount(owner, minlength=len(lengths))


def _signatures(shingles, counts, multipliers, increments):
    """MinHash signatures (one row per paragraph) of the flat shingle sets."""
    starts = np.concatenate(([0], np.cumsum(counts)[:-1]))
    values = shingles.astype(_UINT64)
    hashed = np.empty_like(values)
    signatures = np.empty((len(counts), len(multipliers)), dtype=np.uint32)
    # One hash function at a time: a contiguous pass each, and memory for one copy of the shingles.
    for column, (multiplier, increment) in enumerate(zip(multipliers, increments)):
        np.multiply(values, multiplier, out=hashed)
        hashed += increment
        hashed >>= _UINT64(32)
        signatures[:, column] = np.minimum.reduceat(hashed, starts)
    return signatures


def _batches(paragraphs):
    """Yield (ids, word hashes, word counts, facts) for batches of the paragraphs long enough to compare.

    Stop words are dropped, so a paragraph's words are its content words, at least ``SHINGLE_WORDS``.
    """
    vocabulary = _Vocabulary()
    ids, words, lengths = [], [], []
    for paragraph_id, text in paragraphs:
        tokens = text.split()
        if len(tokens) >= MIN_WORDS:
            ids.append(paragraph_id)
            words += map(vocabulary.__getitem__, tokens)
            lengths.append(len(tokens))
        if len(words) >= BATCH_WORDS:
            yield _content_words(ids, *vocabulary.hashes(words), lengths)
            ids, words, lengths = [], [], []
    if ids:
        yield _content_words(ids, *vocabulary.hashes(words), lengths)


def _content_words(ids, hashes, fact_hashes, lengths):
    """Drop stop words (hash 0), then the paragraphs left with fewer than ``SHINGLE_WORDS`` words;
    with each paragraph's facts, the sum of its tokens' (the same for the same facts in any order)."""
    facts = np.add.reduceat(fact_hashes, np.cumsum(lengths) - lengths)
    owner = np.repeat(np.arange(len(ids)), lengths)[hashes != 0]
    counts = np.bincount(owner, minlength=len(ids))
    kept = counts >= SHINGLE_WORDS
    return [i for i, keep in zip(ids, kept.tolist()) if keep], hashes[hashes != 0][kept[owner]], counts[kept], facts[kept]


def _band_keys(signatures, facts):
    """One 64-bit key per band and paragraph (a row per band), hashed from the band's ``ROWS`` values
    and the paragraph's facts: only paragraphs with the same facts share a bucket, so a bucket's
    chain of checked pairs is never broken by one that differs in them."""
    keys = np.empty((BANDS, len(signatures)), dtype=_UINT64)
    for band in range(BANDS):
        rows = signatures[:, band * ROWS : (band + 1) * ROWS].astype(_UINT64)
        key = rows[:, 0]
        for row in range(1, ROWS):
            key = _mix(key) ^ rows[:, row]
        keys[band] = _mix(key) ^ facts
    return keys


def _bucket_pairs(keys):
    """Pairs (earlier, later) of paragraphs with equal keys: each with its bucket's first member and its predecessor."""
    order = np.argsort(keys, kind="stable")
    sorted_keys = keys[order]
    same = sorted_keys[1:] == sorted_keys[:-1]
    later = np.flatnonzero(same) + 1
    run_start = np.maximum.accumulate(np.where(np.concatenate(([False], same)), 0, np.arange(len(keys))))
    return np.concatenate((order[run_start[later]], order[later - 1])), np.concatenate((order[later], order[later]))


def _roots(parent):
    """Every element's root in a union-find parent array (numpy, whole array at once)."""
    parent = np.array(parent)
    while True:
        grandparent = parent[parent]
        if np.array_equal(grandparent, parent):
            return parent
        parent = grandparent


def _joined(parts, axis=0):
    """The arrays in ``parts`` concatenated; ``parts`` is emptied to free them."""
    joined = np.concatenate(parts, axis=axis)
    parts.clear()
    return joined


def duplicate_groups(paragraphs):
    """Map each paragraph that has a near-duplicate to its group's id (the group's first paragraph id).

    ``paragraphs`` yields ``(paragraph id, original text)`` in corpus order; paragraphs without a
    near-duplicate are not in the result. The result is the same on every run.
    """
    rng = np.random.default_rng(_SEED)
    multipliers = rng.integers(1, 2**63, size=BANDS * ROWS, dtype=np.int64).astype(_UINT64) * _UINT64(2) + _UINT64(1)
    increments = rng.integers(0, 2**63, size=BANDS * ROWS, dtype=np.int64).astype(_UINT64)
    ids, shingle_parts, count_parts, key_parts, fact_parts = [], [], [], [], []
    for batch_ids, words, lengths, facts in _batches(paragraphs):
        shingles, counts = _shingle_sets(words, lengths)
        ids += batch_ids
        shingle_parts.append(shingles)
        count_parts.append(counts)
        key_parts.append(_band_keys(_signatures(shingles, counts, multipliers, increments), facts))
        fact_parts.append(facts)
    if not ids:
        return {}
    # Joined one at a time, each freeing its parts, so only one array is ever held twice.
    roots = _confirmed_groups(_joined(key_parts, axis=1), _joined(shingle_parts), _joined(count_parts), _joined(fact_parts))
    sizes = np.bincount(roots)
    return {ids[i]: ids[root] for i, root in enumerate(roots) if sizes[root] > 1}


def _confirmed_groups(band_keys, shingles, counts, facts):
    """Each paragraph's group root (its group's first paragraph): candidate pairs with the same
    ``facts`` and similar enough, joined.

    Band by band, pairs already in one group are dropped, and the others checked, with numpy, so a
    group of a hundred thousand copies costs about one check per copy, not one per copy and band.
    """
    starts = np.concatenate(([0], np.cumsum(counts)))
    parent = np.arange(len(counts))
    for keys in band_keys:
        earlier, later = _bucket_pairs(keys)
        parent = _roots(parent)
        apart = (parent[earlier] != parent[later]) & (facts[earlier] == facts[later])
        earlier, later = earlier[apart], later[apart]
        similar = _similar(shingles, starts, earlier, later)
        parent = _joined_groups(parent, earlier[similar], later[similar])
    return _roots(parent).tolist()


def _joined_groups(parent, earlier, later):
    """``parent`` (union-find, each root its group's least member) with each pair's groups joined."""
    parent = parent.tolist()

    def find(i):
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, j in zip(earlier.tolist(), later.tolist()):
        root_i, root_j = find(i), find(j)
        parent[max(root_i, root_j)] = min(root_i, root_j)
    return np.array(parent)


def _ragged(starts, rows):
    """The positions of the ``rows``' elements in a flat array whose row ``r`` is ``starts[r]:starts[r + 1]``."""
    sizes = starts[rows + 1] - starts[rows]
    return np.repeat(starts[rows], sizes) + _offsets(sizes), sizes


def _similar(shingles, starts, earlier, later):
    """Whether each pair of paragraphs has a Jaccard similarity of at least ``THRESHOLD``, checked
    about ``CHECKED_SHINGLES`` shingles at a time."""
    sizes = starts[earlier + 1] - starts[earlier] + starts[later + 1] - starts[later]
    ends = np.cumsum(sizes)
    similar = np.zeros(len(earlier), dtype=bool)
    first = 0
    while first < len(earlier):
        last = max(int(np.searchsorted(ends, ends[first] - sizes[first] + CHECKED_SHINGLES, side="right")), first + 1)
        similar[first:last] = _similar_pairs(shingles, starts, earlier[first:last], later[first:last])
        first = last
    return similar


def _similar_pairs(shingles, starts, earlier, later):
    """``_similar`` for a few pairs at once: the shingles of both, keyed by pair, sorted together;
    each key found twice is a shingle they share (each set holds a shingle once)."""
    keys, sizes = [], []
    for rows in (earlier, later):
        positions, row_sizes = _ragged(starts, rows)
        owner = np.repeat(np.arange(len(rows), dtype=_UINT64), row_sizes)
        keys.append((owner << _UINT64(32)) | shingles[positions].astype(_UINT64))
        sizes.append(row_sizes)
    keys = np.sort(np.concatenate(keys))
    shared = keys[1:][keys[1:] == keys[:-1]] >> _UINT64(32)
    common = np.bincount(shared.astype(np.int64), minlength=len(earlier))
    return common >= THRESHOLD * (sizes[0] + sizes[1] - common)
