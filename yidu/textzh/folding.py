"""Search-normal form of a string: ``fold()``.

Pipeline (non-ASCII input; pure ASCII takes a lower()+whitespace fast path that gives the same
result):

1. NFKC: full-width ASCII and punctuation become half-width (ＡＢＣ１２３ -> ABC123, （ -> (,
   U+3000 -> space), compatibility ideographs and KangXi radicals become unified ideographs.
2. casefold, then NFKC again (casefold can leave decomposed sequences).
3. Latin diacritics removed (é->e, ü->u, ø->o, ß->ss, æ->ae), as are stray combining diacritical
   marks and default-ignorable characters (soft hyphen, zero-width space/joiners, BOM, bidi
   controls, variation selectors incl. CJK ideographic variation sequences); NFKC once more.
4. Whitespace collapsed to single spaces and stripped; a space between two Han ideographs is
   removed ("鲁  迅" -> "鲁迅"): Chinese is written without spaces.
5. Traditional -> simplified with OpenCC ``t2s`` (phrase-aware: 乾隆 stays, 乾燥 -> 干燥), iterated
   to a fixed point (a few OpenCC mappings chain, e.g. 薴 -> 苧 -> 苎), so that fold is idempotent.

Non-Latin scripts keep their letters (Cyrillic, Greek precomposed accents, kana, hangul...);
punctuation is kept (segment() drops it). fold(fold(s)) == fold(s).
"""

from __future__ import annotations

import re
import threading
import unicodedata

from .charclass import HAN_CHAR, HAN_SEARCH, SPACE_BETWEEN_HAN, _collapse, ranges_to_class

_NFKC = "NFKC"
_normalize = unicodedata.normalize

# --- diacritics / ignorables translation table (built at import: ~1 ms) -------------------------

_LATIN_BLOCKS = ((0x00C0, 0x024F), (0x1E00, 0x1EFF), (0x2C60, 0x2C7F), (0xA720, 0xA7FF))
# Latin letters that have no canonical decomposition but a conventional ASCII folding
_LATIN_EXTRA = {
    "ø": "o", "Ø": "o", "đ": "d", "Đ": "d", "ł": "l", "Ł": "l", "ħ": "h", "Ħ": "h",
    "ŧ": "t", "Ŧ": "t", "ı": "i", "æ": "ae", "Æ": "ae", "œ": "oe", "Œ": "oe",
    "þ": "th", "Þ": "th", "ð": "d", "Ð": "d", "ß": "ss", "ẞ": "ss", "ƀ": "b", "ƒ": "f",
    "ɨ": "i", "ʉ": "u", "ȼ": "c", "ɇ": "e", "ɉ": "j", "ɍ": "r", "ɏ": "y", "ƶ": "z",
}
# stray combining diacritics (after NFKC composition nothing Latin is left on them)
_MARK_BLOCKS = ((0x0300, 0x036F), (0x1AB0, 0x1AFF), (0x1DC0, 0x1DFF), (0x20D0, 0x20FF), (0xFE20, 0xFE2F))
# default-ignorable code points
_IGNORABLE_BLOCKS = (
    (0x00AD, 0x00AD), (0x034F, 0x034F), (0x061C, 0x061C), (0x115F, 0x1160), (0x17B4, 0x17B5),
    (0x180B, 0x180F), (0x200B, 0x200F), (0x202A, 0x202E), (0x2060, 0x206F), (0x3164, 0x3164),
    (0xFE00, 0xFE0F), (0xFEFF, 0xFEFF), (0xFFA0, 0xFFA0), (0x1BCA0, 0x1BCA3),
    (0x1D173, 0x1D17A), (0xE0000, 0xE0FFF),
)


def _build_strip_table() -> dict[int, str | None]:
    table: dict[int, str | None] = {}
    for lo, hi in _LATIN_BLOCKS:
        for cp in range(lo, hi + 1):
            d = _normalize("NFD", chr(cp))
            if len(d) > 1 and d[0].isascii() and d[0].isalpha() and all(
                unicodedata.combining(x) for x in d[1:]
            ):
                table[cp] = d[0].lower()
    for k, v in _LATIN_EXTRA.items():
        table[ord(k)] = v
    for lo, hi in _MARK_BLOCKS + _IGNORABLE_BLOCKS:
        for cp in range(lo, hi + 1):
            table[cp] = None
    return table


_STRIP_TABLE = _build_strip_table()
_NEEDS_STRIP = re.compile(f"[{ranges_to_class(_collapse(list(_STRIP_TABLE)))}]")

# --- OpenCC, loaded lazily -----------------------------------------------------------------------

_lock = threading.Lock()
_t2s = None  # bound convert(bytes, len) -> str of an opencc.OpenCC('t2s') instance


def _load() -> None:
    global _t2s
    with _lock:
        if _t2s is not None:
            return
        import opencc  # OpenCC 1.x: 't2s' and 't2s.json' both name the bundled config

        conv = opencc.OpenCC("t2s")
        base = opencc.opencc_clib._OpenCC.convert  # skip the wrapper's Python frame
        probe = "臺灣".encode()
        if base(conv, probe, len(probe)) != "台湾":  # pragma: no cover - broken install
            raise RuntimeError("OpenCC t2s does not convert 臺灣 -> 台湾")

        def convert(text: str, _base=base, _conv=conv) -> str:
            b = text.encode("utf-8")
            return _base(_conv, b, len(b))

        _t2s = convert


def t2s(text: str) -> str:
    """OpenCC traditional -> simplified, iterated to a fixed point (at most 4 passes)."""
    if _t2s is None:
        _load()
    conv = _t2s
    out = conv(text)
    if out != text:
        for _ in range(3):
            again = conv(out)
            if again == out:
                break
            out = again
    return out


def has_cjk(s: str) -> bool:
    """True when s contains a Han ideograph (URO, extensions, compatibility ideographs, 〇, or a
    KangXi radical, which NFKC turns into one). Kana and hangul alone do not count."""
    return HAN_SEARCH.search(s) is not None


def fold(s: str) -> str:
    """Search-normal form of s (see the module docstring). Idempotent."""
    if s.isascii():
        return " ".join(s.lower().split())
    s = _normalize(_NFKC, s).casefold()
    s = _normalize(_NFKC, s)
    if _NEEDS_STRIP.search(s) is not None:
        s = _normalize(_NFKC, s.translate(_STRIP_TABLE))
    s = " ".join(s.split())
    if HAN_CHAR.search(s) is not None:
        if " " in s:
            s = SPACE_BETWEEN_HAN.sub("", s)
        s = t2s(s)
    return s


def warm_up() -> None:
    if _t2s is None:
        _load()
