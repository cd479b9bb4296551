"""Keep control characters from the input off the terminal and out of the text reports.

A snapshot is typed by people and exported by programs, and any text of it (a file,
sheet or column name, a value) can reach a message on stderr, the report on stdout or
a Markdown, HTML or CSV report that someone later ``cat``\\s. Control characters there
act instead of showing: ``\\x1b[2J`` clears the screen, ``\\x1b]0;...\\x07`` retitles
the window, a bare CR or a backspace overwrites what was printed before it (a refusal
could be made to read "OK"), and the C1 controls (``\\x9b`` is a one-byte CSI) do the
same on terminals that honour them. Every such character is shown as its escape
(``\\x1b``), so nothing is lost and nothing acts. "Control character" is Unicode's
category Cc: C0 (U+0000 to U+001F), DEL (U+007F) and C1 (U+0080 to U+009F).

JSON escapes C0 itself but writes DEL and C1 raw; :func:`escape_json_controls` writes
them as ``\\u007f`` escapes, the same data in valid JSON.
"""

from __future__ import annotations

import re
from functools import lru_cache

__all__ = ["CONTROLS", "escape_controls", "escape_json_controls", "escape_json_text_controls", "has_controls"]

CONTROLS = "".join(map(chr, [*range(0x20), *range(0x7F, 0xA0)]))  # Unicode category Cc

_ESCAPES = {ch: f"\\x{ord(ch):02x}" for ch in CONTROLS}
_JSON_RAW = re.compile(r"[\x7f-\x9f]")  # the controls JSON writers leave raw
_JSON_DEL = b"\x7f"
_JSON_C1 = re.compile(rb"\xc2[\x80-\x9f]")  # U+0080 to U+009F in UTF-8 (0xC2 only ever leads a character)
_JSON_RAW_BYTES = re.compile(rb"\x7f|\xc2[\x80-\x9f]")


@lru_cache(maxsize=16)
def _pattern(keep: str) -> re.Pattern[str]:
    kept = set(keep)
    return re.compile("[" + "".join(f"\\x{ord(c):02x}" for c in CONTROLS if c not in kept) + "]")


def _escape(match: re.Match[str]) -> str:
    return _ESCAPES[match.group()]


def has_controls(text: str, keep: str = "") -> bool:
    """Whether ``text`` holds a control character other than those in ``keep``."""
    return _pattern(keep).search(text) is not None


def escape_controls(text: str, keep: str = "") -> str:
    """``text`` with every control character (except those in ``keep``, e.g. ``"\\n"``) as ``\\xNN``.

    Text without one is returned as it is (the same object), so the common case costs one scan.
    """
    pattern = _pattern(keep)
    if pattern.search(text) is None:
        return text
    return pattern.sub(_escape, text)


def _json_escape(match: re.Match[str]) -> str:
    return f"\\u{ord(match.group()):04x}"


def _json_escape_bytes(match: re.Match[bytes]) -> bytes:
    raw = match.group()
    return b"\\u%04x" % (0x7F if raw == _JSON_DEL else raw[1])


def escape_json_text_controls(text: str) -> str:
    """JSON text with DEL and the C1 controls written as ``\\u`` escapes; unchanged (same object) without them.

    Only valid on JSON text, where such a character can only stand inside a string.
    """
    if _JSON_RAW.search(text) is None:
        return text
    return _JSON_RAW.sub(_json_escape, text)


def escape_json_controls(data: bytes) -> bytes:
    """UTF-8 JSON with DEL and the C1 controls written as ``\\u`` escapes; unchanged (same object) without them."""
    if _JSON_DEL not in data and _JSON_C1.search(data) is None:
        return data
    return _JSON_RAW_BYTES.sub(_json_escape_bytes, data)
