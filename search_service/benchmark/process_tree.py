"""CPU time and memory of a running process and its descendants, read from Linux's ``/proc``."""

import os
import pathlib


def _descendants(pid):
    try:
        children = pathlib.Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return []
    return [int(c) for c in children] + [d for c in children for d in _descendants(int(c))]


def _tree_files(pid, name):
    """The text of ``/proc/<process>/<name>`` for a running process and each of its descendants
    (those that ended meanwhile left out)."""
    for process in [pid, *_descendants(pid)]:
        try:
            yield pathlib.Path(f"/proc/{process}/{name}").read_text()
        except OSError:
            continue


def tree_cpu_seconds(pid):
    """CPU time (user and system) of a running process and its descendants, in seconds."""
    total = 0.0
    for text in _tree_files(pid, "stat"):
        stat = text.rpartition(")")[2].split()
        total += (int(stat[11]) + int(stat[12])) / os.sysconf("SC_CLK_TCK")
    return total


def peak_rss(pid):
    """Peak resident memory of a running process and its descendants: the sum of their Linux
    ``VmHWM`` (an upper bound, as their peaks need not coincide), or None where unavailable."""
    return tree_memory(pid, "VmHWM")


def tree_memory(pid, field):
    """The sum of a memory field of ``/proc/<pid>/status`` over a running process and its
    descendants, in bytes, or None where unavailable."""
    total = None
    for text in _tree_files(pid, "status"):
        for line in text.splitlines():
            if line.startswith(field + ":"):
                total = (total or 0) + int(line.split()[1]) * 1024
    return total
