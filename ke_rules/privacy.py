"""Personal identity numbers never reach an output.

A Norwegian fødselsnummer, D-number or H-number is 11 digits, optionally written
with a space after the sixth. Outputs mask every such run of 11 digits, whether or
not its check digits are valid: a mistyped number is still someone's number, and a
masked harmless value costs less than a leaked identity.
"""

from __future__ import annotations

import re

__all__ = ["mask_identity_numbers", "looks_like_identity_number"]

_PNR = re.compile(r"(?<!\d)(\d{6}) ?(\d{5})(?!\d)")
_MASK = "***********"


def mask_identity_numbers(text: str) -> str:
    """Replace every 11-digit run (optionally 6+space+5) with asterisks."""
    if len(text) < 11:
        return text
    return _PNR.sub(_MASK, text)


def looks_like_identity_number(text: str) -> bool:
    return bool(_PNR.search(text))
