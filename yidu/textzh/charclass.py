"""Character classes shared by the text-analysis modules.

Everything here is a pure constant or a cheap, deterministic function of the ``unicodedata``
tables of the running Python, so the index side and the query side always agree.
"""

from __future__ import annotations

import re
import unicodedata

# Han ideographs: URO, extensions A..J (by code point, so newer blocks are covered even if this
# Python's Unicode database predates them), the compatibility blocks, and U+3007 IDEOGRAPHIC
# NUMBER ZERO (used in years: 一九九〇).
HAN_RANGES: tuple[tuple[int, int], ...] = (
    (0x3007, 0x3007),
    (0x3400, 0x4DBF),  # Ext A
    (0x4E00, 0x9FFF),  # URO
    (0xF900, 0xFAFF),  # compatibility ideographs (NFKC maps nearly all of them to the URO)
    (0x20000, 0x2A6DF),  # Ext B
    (0x2A700, 0x2EE5F),  # Ext C, D, E, F, I
    (0x2F800, 0x2FA1F),  # compatibility supplement
    (0x30000, 0x3347F),  # Ext G, H, J
)


def ranges_to_class(ranges) -> str:
    """Body of a regex character class (without brackets) for (lo, hi) code point ranges."""
    parts = []
    for lo, hi in ranges:
        a = re.escape(chr(lo))
        parts.append(a if lo == hi else f"{a}-{re.escape(chr(hi))}")
    return "".join(parts)


HAN_CLASS = ranges_to_class(HAN_RANGES)
# KangXi radicals (U+2F00..U+2FDF) become ideographs under NFKC, so they count for has_cjk().
HAN_SEARCH = re.compile(f"[{HAN_CLASS}\u2f00-\u2fdf\u2e9f\u2ef3]")
HAN_CHAR = re.compile(f"[{HAN_CLASS}]")
# one space between two ideographs (fold() has already collapsed whitespace to single spaces)
SPACE_BETWEEN_HAN = re.compile(f"(?<=[{HAN_CLASS}]) (?=[{HAN_CLASS}])")


def _collapse(cps: list[int]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for cp in sorted(cps):
        if out and out[-1][1] == cp - 1:
            out[-1] = (out[-1][0], cp)
        else:
            out.append((cp, cp))
    return out


def word_char_ranges() -> dict[str, list[tuple[int, int]]]:
    """Ranges of non-Han word characters, keyed "alnum_bmp", "alnum_smp" (letters and digits of
    any script) and "word_bmp", "word_smp" (those plus combining marks: Python's ``\\w`` would
    cut Thai, Devanagari or Tibetan words apart at their marks). Scans the Unicode database of
    planes 0-1: ~70 ms, call lazily."""
    found: dict[str, list[int]] = {k: [] for k in ("alnum_bmp", "alnum_smp", "word_bmp", "word_smp")}
    cat = unicodedata.category
    han = HAN_CHAR.match
    for cp in range(0x20000):
        c = chr(cp)
        plane = "bmp" if cp < 0x10000 else "smp"
        if c.isalnum():
            if han(c) is None:
                found["alnum_" + plane].append(cp)
                found["word_" + plane].append(cp)
        elif cat(c)[0] == "M":
            found["word_" + plane].append(cp)
    return {k: _collapse(v) for k, v in found.items()}


def token_regex() -> re.Pattern[str]:
    """One pass over folded text; findall() yields (han_run, "") or ("", word) pairs.

    A word starts with a letter or digit (any script but Han), goes on with letters, digits and
    combining marks, may join such runs with single dots (3.14, e.coli, u.s.a) and keeps a
    trailing + or # (c++, c#). Everything else separates and is dropped: spaces, punctuation,
    symbols, lone marks, '_', '-', '/', '&', "'". Han runs go to the segmenter.
    """
    r = {k: ranges_to_class(v) for k, v in word_char_ranges().items()}
    # an SMP class is only tried on SMP characters: a long range list is slow to fail on
    smp = "(?=[\\U00010000-\\U0001ffff])"
    a = f"(?:[{r['alnum_bmp']}]|{smp}[{r['alnum_smp']}])"
    w = f"(?:[{r['word_bmp']}]|{smp}[{r['word_smp']}])"
    return re.compile(f"([{HAN_CLASS}]+)|({a}{w}*(?:\\.{a}{w}*)*[+#]*)")
