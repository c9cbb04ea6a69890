"""ISBN and ISSN construction with valid check digits, and the printed (hyphenated) forms.

The generator knows each ISBN's structure (group, registrant, publication element) because it builds
them from real registrant prefixes, so hyphenation needs no range table.
"""
from __future__ import annotations


def isbn10_check(digits9: str) -> str:
    total = running = 0
    for c in digits9.encode("ascii"):  # sum of prefix sums == sum((9 - i) * d); plus the digit sum -> weights 10..2
        running += c - 48
        total += running
    check = (11 - (total + running) % 11) % 11
    return "X" if check == 10 else str(check)


def isbn13_check(digits12: str) -> str:
    b = digits12.encode("ascii")
    total = sum(b[0::2]) + 3 * sum(b[1::2]) - 48 * 24
    return str((10 - total % 10) % 10)


def issn_check(digits7: str) -> str:
    total = sum((8 - i) * int(d) for i, d in enumerate(digits7))
    check = (11 - total % 11) % 11
    return "X" if check == 10 else str(check)


class Isbn:
    """One book number: `group-registrant-publication` plus check digits in both forms."""

    __slots__ = ("group", "registrant", "publication", "prefix", "body", "check10", "check13")

    def __init__(self, group: str, registrant: str, publication: str, prefix: str = "978"):
        self.group, self.registrant, self.publication, self.prefix = group, registrant, publication, prefix
        self.body = body = group + registrant + publication
        if len(body) != 9 or not body.isdigit():
            raise ValueError("an ISBN body has 9 digits")
        self.check10 = isbn10_check(body)
        self.check13 = isbn13_check(prefix + body)

    @property
    def isbn10(self) -> str:
        return self.body + self.check10

    @property
    def isbn13(self) -> str:
        return self.prefix + self.body + self.check13

    @property
    def isbn10_hyphenated(self) -> str:
        return f"{self.group}-{self.registrant}-{self.publication}-{self.check10}"

    @property
    def isbn13_hyphenated(self) -> str:
        return f"{self.prefix}-{self.group}-{self.registrant}-{self.publication}-{self.check13}"


def isbn10_valid(value: str) -> bool:
    v = value.replace("-", "").upper()
    return len(v) == 10 and v[:9].isdigit() and isbn10_check(v[:9]) == v[9]


def isbn13_valid(value: str) -> bool:
    v = value.replace("-", "")
    return len(v) == 13 and v.isdigit() and isbn13_check(v[:12]) == v[12]


def to_isbn13(value: str) -> str | None:
    """Digits-only ISBN-13 of a valid ISBN-10 or ISBN-13 (hyphens allowed), else None."""
    v = value.replace("-", "").upper()
    if len(v) == 13 and isbn13_valid(v):
        return v
    if len(v) == 10 and isbn10_valid(v):
        core = "978" + v[:9]
        return core + isbn13_check(core)
    return None


def make_issn(digits7: str) -> str:
    return f"{digits7[:4]}-{digits7[4:]}{issn_check(digits7)}"
