"""How each member library catalogues: its cataloguing "flavour" and house style.

A profile is a pure function of the library code (not of the corpus seed), so a library keeps its habits
in every corpus. What varies between libraries is exactly what varies between real catalogues of the same
book: ISBN written with or without hyphens, ISBN-10 kept or converted to ISBN-13, prices recorded or not,
pinyin style, AACR2 or RDA, call-number style, barcodes, locations and local fields. None of it touches the
identity of an edition (ISBN digits, title words, authors, year, edition statement).

Flavour: "cnmarc" libraries write Chinese books in CNMARC and Western books in MARC 21 (mainland practice);
"marc21" libraries write everything in MARC 21, Chinese books with a romanised 245 and 880 fields holding the
original script (Hong Kong, overseas and Western-system practice).
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from yidu.corpus import vocab as V
from yidu.corpus.rng import Rng, key64

SYSTEMS = ("aleph", "interlib", "ilas", "huiwen", "alma", "millennium")


@dataclass(frozen=True)
class LibraryProfile:
    code: str
    flavour: str  # cnmarc | marc21
    size: float  # relative collection size: weights which libraries hold an edition
    system: str  # ILS: decides local fields (035 aleph, 998 interlib, 099 CALIS copy cataloguing ...)
    isbn_hyphens: float  # share of ISBNs written with hyphens
    isbn13_retro: bool  # writes the ISBN-13 of books that print an ISBN-10
    pinyin: str  # CNMARC $A style: "syllable" ("Zhong Guo"), "lower" ("zhong guo"), "none"
    rda: bool  # MARC 21 description: RDA (264, 336-338, "pages") or AACR2 (260, "p.")
    call_style: str  # "seq" (F124/26, 种次号) or "author" (F124/L452, 著者号)
    barcode_prefix: str
    barcode_digits: int
    clc_edition: str  # 690 $v / 084 edition of the CLC: 4 or 5
    form_subdivision: bool  # adds CLC form subdivisions (-43 textbooks, -61 dictionaries)
    record_price: float  # share of records that carry the price
    copy_catalogue: float  # share of records copied from the CALIS union catalogue (099 CAL number)
    marc21_language: str  # MARC 21 040 $b: language of cataloguing
    copies_bias: float  # average extra copies
    barcode_salt: int  # keeps barcodes of different libraries apart


@lru_cache(maxsize=4096)
def profile(code: str, marc21: bool | None = None) -> LibraryProfile:
    """The profile of library `code`; `marc21` forces the flavour (None: decide from the code)."""
    rng = Rng(f"library:{code}")
    if marc21 is None:
        marc21 = code in V.MARC21_FLAVOUR_CODES or key64(f"flavour:{code}") % 16 == 0
    big = code in V.BIG_LIBRARIES
    system = "alma" if marc21 and rng.chance(0.6) else rng.choice(SYSTEMS)
    return LibraryProfile(
        code=code,
        flavour="marc21" if marc21 else "cnmarc",
        size=(3.0 if big else 1.0) * (0.6 + rng.random() * 0.8),
        system=system,
        isbn_hyphens=rng.choice((0.0, 0.05, 0.5, 0.9, 1.0)),
        isbn13_retro=rng.chance(0.3),
        pinyin="none" if marc21 else rng.choice(("syllable",) * 6 + ("lower", "none")),
        rda=rng.chance(0.7) if marc21 else rng.chance(0.4),
        call_style=rng.choice(("seq", "seq", "author")),
        barcode_prefix=rng.choice(("", "A", "C", "0", "1", "3", "B")),
        barcode_digits=rng.choice((7, 8, 9, 10)),
        clc_edition=rng.choice(("4", "5", "5")),
        form_subdivision=rng.chance(0.3),
        record_price=rng.choice((0.0, 0.7, 0.95, 1.0)),
        copy_catalogue=rng.choice((0.0, 0.0, 0.3, 0.6)),
        marc21_language="eng" if marc21 else rng.choice(("chi", "chi", "eng")),
        copies_bias=0.5 + rng.random() * (1.5 if big else 0.8),
        barcode_salt=key64(f"barcodes:{code}") % 1000,
    )


def profiles_for(codes: tuple[str, ...], marc21: tuple[str, ...] | None = None) -> tuple[LibraryProfile, ...]:
    """Profiles of a library list. With `marc21=None` the flavour comes from each code; if that leaves a
    list of 6 or more libraries without any MARC 21 library, the library whose code hashes lowest is
    made one, so that every realistic corpus exercises the 880 path."""
    if marc21 is not None:
        wanted = set(marc21)
        return tuple(profile(c, c in wanted) for c in codes)
    out = [profile(c) for c in codes]
    if len(codes) >= 6 and not any(p.flavour == "marc21" for p in out):
        pick = min(codes, key=lambda c: key64(f"flavour:{c}"))
        out = [profile(c, True) if c == pick else p for c, p in zip(codes, out)]
    return tuple(out)
