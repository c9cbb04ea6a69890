"""Standard identifiers: ISBN, ISSN, DOI.

Catalogue, article and knowledge-base data all carry these in messy forms ("7-5037-2623-7 (pbk.)",
"0028-083x", "info:doi/10.1000/XYZ"); every package normalises through here so that keys agree.
Functions return None for values that cannot be a valid identifier rather than raising: a bad ISBN
in a record is data, not an error.
"""
from __future__ import annotations

import re

_ISBN_CANDIDATE = re.compile(r"(?<![0-9])(97[89][\s-]?)?(?:[0-9][\s-]?){9}[0-9xX](?![0-9])")
_ISSN_CANDIDATE = re.compile(r"(?<![0-9])([0-9]{4})\s*-?\s*([0-9]{3}[0-9xX])(?![0-9])")
_DOI = re.compile(r"10\.[0-9]{4,9}/\S+")
_DOI_PREFIXES = re.compile(r"^(?:info:doi/|doi:\s*|https?://(?:dx\.)?doi\.org/)", re.IGNORECASE)


def _isbn10_check(digits9: str) -> str:
    total = sum((10 - i) * int(d) for i, d in enumerate(digits9))
    check = (11 - total % 11) % 11
    return "X" if check == 10 else str(check)


def _isbn13_check(digits12: str) -> str:
    total = sum(int(d) * (1 if i % 2 == 0 else 3) for i, d in enumerate(digits12))
    return str((10 - total % 10) % 10)


def isbn13(value: str | None) -> str | None:
    """The ISBN-13 (digits only) of the first valid ISBN-10 or ISBN-13 in `value`, else None."""
    if not value:
        return None
    compact = value.replace("-", "")
    if len(compact) in (10, 13) and compact[:9].isdigit():  # the common case: a bare ISBN
        return _isbn13_of(compact.upper())
    for match in _ISBN_CANDIDATE.finditer(value):
        found = _isbn13_of(re.sub(r"[\s-]", "", match.group(0)).upper())
        if found:
            return found
    return None


def _isbn13_of(digits: str) -> str | None:
    if len(digits) == 13 and digits.isdigit() and digits[:3] in ("978", "979"):
        return digits if _isbn13_check(digits[:12]) == digits[12] else None
    if len(digits) == 10 and digits[:9].isdigit() and _isbn10_check(digits[:9]) == digits[9]:
        core = "978" + digits[:9]
        return core + _isbn13_check(core)
    return None


def isbn10(isbn_13: str) -> str | None:
    """The ISBN-10 form of a 978 ISBN-13, for display and for matching old records."""
    if not isbn_13 or len(isbn_13) != 13 or not isbn_13.startswith("978"):
        return None
    core = isbn_13[3:12]
    return core + _isbn10_check(core)


def issn(value: str | None) -> str | None:
    """The hyphenated ISSN ("0028-0836", check digit X upper-case) of the first valid ISSN in `value`."""
    if not value:
        return None
    for match in _ISSN_CANDIDATE.finditer(value):
        digits = (match.group(1) + match.group(2)).upper()
        total = sum((8 - i) * int(d) for i, d in enumerate(digits[:7]))
        check = (11 - total % 11) % 11
        if ("X" if check == 10 else str(check)) == digits[7]:
            return f"{digits[:4]}-{digits[4:]}"
    return None


def doi(value: str | None) -> str | None:
    """A DOI in canonical lower-case form without resolver prefixes ("10.1000/xyz"), else None."""
    if not value:
        return None
    text = _DOI_PREFIXES.sub("", value.strip())
    match = _DOI.search(text)
    if not match:
        return None
    return match.group(0).rstrip(".,;)]}>\"'").lower()
