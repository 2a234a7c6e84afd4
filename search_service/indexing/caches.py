"""Values computed once and kept per process, looked up from every thread: the last keys' values
(``KeptPerKey``), values up to a size in bytes (``SizeBounded``), or values remembered until there
are too many (``Remembered``). They sit in the lowest layer that keeps values per process, so that
the store's segments and the search layer above it share them."""

import collections
import threading


class KeptPerKey:
    """Values computed once per key, the last ``kept`` keys' values kept (thread-safe)."""

    def __init__(self, kept):
        self.kept = kept
        self.values = collections.OrderedDict()
        self.lock = threading.Lock()

    def get(self, key, compute):
        """The value kept under ``key``, computed by ``compute()`` when it is not."""
        with self.lock:
            found = self.values.get(key)
            if found is None:
                found = self.values[key] = compute()
                while len(self.values) > self.kept:
                    self.values.popitem(last=False)
            return found


class SizeBounded:
    """Values kept up to ``limit`` in all of their ``size_of(value)`` (bytes), the least recently
    used dropped first; a value larger than ``largest`` is not kept (thread-safe)."""

    def __init__(self, limit, size_of, largest=None):
        self.limit, self.size_of = limit, size_of
        self.largest = limit if largest is None else largest
        self.values = collections.OrderedDict()  # key -> (value, its size)
        self.used = 0
        self.lock = threading.Lock()

    def get(self, key):
        """The value kept under ``key``, or None."""
        with self.lock:
            found = self.values.get(key)
            if found is None:
                return None
            self.values.move_to_end(key)
            return found[0]

    def keep(self, key, value):
        """Keep ``value`` under ``key`` if it fits, dropping the least recently used past the limit."""
        size = self.size_of(value)
        with self.lock:
            if key in self.values or size > self.largest:
                return
            self.values[key] = value, size
            self.used += size
            while self.used > self.limit:
                _, (_, dropped) = self.values.popitem(last=False)
                self.used -= dropped


class Remembered:
    """Values computed once per key and remembered, all forgotten at once when ``size`` are
    (cheaper than an LRU on a hot path; thread-safe, as a value computed twice is the same)."""

    def __init__(self, size):
        self.size = size
        self.values = {}

    def get(self, key, compute, *args):
        """The value remembered under ``key``, or ``compute(*args)`` remembered."""
        found = self.values.get(key)
        if found is None:
            if len(self.values) >= self.size:
                self.values.clear()
            found = self.values[key] = compute(*args)
        return found

    def get_many(self, keys, compute):
        """The values remembered under ``keys``, in order; those not remembered are computed by
        one call of ``compute(missing keys)``, which returns their values in order."""
        found = {key: self.values.get(key) for key in keys}
        missing = [key for key, value in found.items() if value is None]
        if missing:
            computed = dict(zip(missing, compute(missing)))
            if len(self.values) + len(computed) > self.size:
                self.values.clear()
            self.values.update(computed)
            found.update(computed)
        return [found[key] for key in keys]
