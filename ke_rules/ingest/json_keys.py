"""How many keys the objects of a JSON text hold, counted in its bytes: proof of no duplicate key.

orjson, which reads a snapshot, keeps the last value of a key given twice in one object
and says nothing, so one of the user's values would be lost unseen. The objects orjson
built hold one entry per distinct key; the text holds one key per key written. When the
two counts are equal, no object repeats a key. Counting keys in the text costs about
0.2 s per 100 MB (numpy over the bytes), where parsing it a second time with the
standard library's ``json`` to watch every object's keys costs 1.5 s; that slower
check runs only when the counts differ, to name the key.
"""

from __future__ import annotations

import re

import numpy as np

__all__ = ["count_keys"]

_QUOTE, _BACKSLASH, _COLON = ord('"'), ord("\\"), ord(":")
_IS_SPACE = np.zeros(256, dtype=bool)  # JSON's whitespace, by byte
_IS_SPACE[[ord(" "), ord("\t"), ord("\n"), ord("\r")]] = True
_SPACES = re.compile(rb"[ \t\n\r]*")
_WINDOW = 1 << 24  # bytes looked at together: bounds the position arrays at about 50 MB
_VECTOR_STEPS = 16  # whitespace runs longer than this (a rare layout) are skipped one by one


def count_keys(text: bytes | bytearray | memoryview) -> int:
    """The number of keys written in ``text``, which must be valid JSON (parsed by orjson or json).

    In valid JSON every quote that is not escaped (preceded by an odd run of
    backslashes) opens or closes a string, in turn; a string is a key exactly when the
    next byte that is not whitespace is a colon. A key written twice in one object is
    counted twice. On text that is no valid JSON the number means nothing.
    """
    buf = np.frombuffer(text, dtype=np.uint8)
    n = len(buf)
    keys = 0
    inside = 0  # 1 when a window starts inside a string (an odd number of quotes so far)
    for start in range(0, n, _WINDOW):
        quotes = np.flatnonzero(buf[start:start + _WINDOW] == _QUOTE)
        if not len(quotes):
            continue
        quotes += start
        quotes = _unescaped(buf, quotes)
        closing = quotes[1 - inside::2]
        inside = (inside + len(quotes)) % 2
        keys += _followed_by_colon(text, buf, closing + 1)
    return keys


def _unescaped(buf: np.ndarray, quotes: np.ndarray) -> np.ndarray:
    """The quotes that delimit strings: those not preceded by an odd run of backslashes.

    Only quotes right after a backslash are looked at one by one; a run of backslashes
    ends at the previous quote or other byte, so the runs are walked once in all.
    """
    after_backslash = np.flatnonzero(buf[np.maximum(quotes - 1, 0)] == _BACKSLASH)
    if not len(after_backslash):
        return quotes
    escaped = []
    for i in after_backslash.tolist():
        pos = int(quotes[i]) - 1
        run = 0
        while pos >= 0 and buf[pos] == _BACKSLASH:
            run += 1
            pos -= 1
        if run % 2:
            escaped.append(i)
    return np.delete(quotes, escaped) if escaped else quotes


def _followed_by_colon(text: bytes | bytearray | memoryview, buf: np.ndarray, after: np.ndarray) -> int:
    """How many of the positions ``after`` (each just past a string) reach a colon past any whitespace.

    Whitespace is skipped a byte at a time for all positions at once (a line break and
    an indent after the last value of an object), and by a regex for the few positions
    still in whitespace after that, so that a long run costs one scan, not one step per byte.
    """
    n = len(buf)
    after = after[after < n]
    nxt = buf[after]
    colons = int(np.count_nonzero(nxt == _COLON))
    spaced = after[_IS_SPACE[nxt]]  # "key" : value, or a value before a line break
    for _ in range(_VECTOR_STEPS):
        if not len(spaced):
            return colons
        spaced = spaced + 1
        spaced = spaced[spaced < n]
        nxt = buf[spaced]
        colons += int(np.count_nonzero(nxt == _COLON))
        spaced = spaced[_IS_SPACE[nxt]]
    for pos in spaced.tolist():
        end = _SPACES.match(text, pos).end()  # type: ignore[union-attr]  # matches the empty text too
        colons += end < n and buf[end] == _COLON
    return colons
