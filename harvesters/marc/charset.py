"""Character sets: which encoding a record's bytes are in, and a MARC-8 decoder.

The rules (applied per record, to the bytes of all its fields together; see `choose_encoding`):

MARC 21
  1. Only ASCII bytes and no ESC: every candidate agrees; decoded as ASCII, reported as the declared encoding
     ("utf-8" when leader/09 = 'a', else "marc-8"; a MARC-8 record with LC's "&#xXXXX;" references goes
     through the MARC-8 decoder, which turns them into the characters).
  2. leader/09 = 'a' (UTF-8): valid UTF-8 -> "utf-8"; "mostly UTF-8" (valid multi-byte sequences outnumber
     invalid bytes 2 to 1) -> "utf-8" with the invalid bytes as U+FFFD and a warning naming the field and the
     bytes. Otherwise, MARC-8 escapes present or every non-ASCII byte an ANSEL character -> "marc-8"
     (mis-flagged MARC-8), with a warning. Otherwise the legacy guess below; failing that, UTF-8 with U+FFFD.
  3. leader/09 blank (MARC-8): ESC present -> "marc-8". Else, valid UTF-8 with non-ASCII bytes -> "utf-8"
     with a warning: real exports often forget leader/09, and ANSEL text is practically never valid UTF-8 (it
     would need a byte 0xC2-0xF4 followed by bytes 0x80-0xBF, i.e. a spacing ANSEL symbol followed by special
     letters, which does not occur in text). Mostly UTF-8 -> the same, with U+FFFD. Else every non-ASCII byte
     an ANSEL character -> "marc-8". Else the legacy guess; failing that "marc-8", unmappable bytes as U+FFFD
     with a warning.

UNIMARC / CNMARC (100 $a positions 26-29 name the character sets; "50" = ISO 10646, read as UTF-8)
  1. ASCII only -> "utf-8" if 100 says "50", else "ascii".
  2. Valid (or mostly valid) UTF-8 -> "utf-8", whatever 100 says (the code is often stale after a migration).
  3. Else the legacy guess, where the 100 $a code ("79" CP866, "89" CP1251, "99" KOI8-R, RUSMARC practice)
     and the language of cataloguing (100 $a/22-24) break ties. Failing that, UTF-8 with U+FFFD and a
     warning. (ISO 5426/6937 escapes of older European UNIMARC are not decoded.)

The legacy guess decodes the bytes strictly as GB18030, CP1251, CP866 and KOI8-R and keeps the decoding
whose non-ASCII characters are most plausibly one script (Han and CJK punctuation for GB18030, Russian letters
for the Cyrillic code pages), if at least 80 % of them are (90 % and at least 6 characters for MARC 21, which
should not be in a legacy code page at all). GBK text decodes to Han almost completely; Russian in CP1251 is
usually not even valid GB18030 (odd-length byte runs); UTF-8 Arabic that happens to be valid GB18030 is caught
by the mostly-UTF-8 rule first.

Invalid bytes never raise: they become U+FFFD and a warning (`ReadResult.warnings`).
"""
from __future__ import annotations

import codecs
import re
import unicodedata
from dataclasses import dataclass

from pymarc import marc8_mapping

_CODESETS = marc8_mapping.CODESETS
_ODD_MAP = marc8_mapping.ODD_MAP
_EACC = _CODESETS[0x31]
BASIC_LATIN = 0x42
ANSEL = 0x45
EACC = 0x31

_CHARSET_NAMES = {
    0x42: "ASCII", 0x45: "ANSEL", 0x31: "EACC (CJK)", 0x32: "Hebrew", 0x33: "Arabic", 0x34: "extended Arabic",
    0x4E: "Cyrillic", 0x51: "extended Cyrillic", 0x53: "Greek", 0x62: "subscripts", 0x67: "Greek symbols",
    0x70: "superscripts",
}


_NCR = re.compile(r"&#x([0-9A-Fa-f]{1,6});")


def _unescape_ncr(m: re.Match[str]) -> str:
    code = int(m.group(1), 16)
    return chr(code) if code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF else m.group(0)


class Marc8Decoder:
    """MARC-8 to Unicode, one field at a time.

    The caller resets the character sets (`reset()`) before each subfield, as pymarc and MARC4J do: real
    records rely on a subfield delimiter ending a CJK run more often than they carry an escape across one.
    Combining marks, which MARC-8 puts before their base character, are moved after it and the result is
    NFC-normalised. `&#xXXXX;` (LC's notation for characters MARC-8 lacks) becomes the character. Bytes that map
    to nothing become U+FFFD; a byte that does not start a CJK character inside a CJK run is read as ASCII.
    Both are listed in `problems`.
    """

    __slots__ = ("g0", "g1", "problems")

    def __init__(self) -> None:
        self.g0 = BASIC_LATIN
        self.g1 = ANSEL
        self.problems: list[str] = []

    def reset(self) -> None:
        self.g0 = BASIC_LATIN
        self.g1 = ANSEL

    @property
    def in_default_state(self) -> bool:
        return self.g0 == BASIC_LATIN and self.g1 == ANSEL

    def decode(self, data: bytes) -> str:
        if self.g0 == BASIC_LATIN and 0x1B not in data and b"&#x" not in data:
            if data.isascii():
                return data.decode("ascii")
            if self.g1 == ANSEL:  # the common case: ASCII + ANSEL diacritics, no escapes: done in C
                return self._ansel(data)
        return self._decode(data)

    def _ansel(self, data: bytes) -> str:
        text = _ansel_decode(data)
        if "\ufffd" in text:
            for b in sorted({b for b in data if b >= 0x80 and _ANSEL_TABLE[b] == "\ufffd"}):
                self.problems.append(f"byte {b:#04x} is not a character in MARC-8 ANSEL -> U+FFFD")
        return _combine(text) if _ANSEL_COMBINING_RE.search(text) else text

    def _decode(self, data: bytes) -> str:
        out: list[str] = []
        combining: list[str] = []
        i = 0
        n = len(data)
        while i < n:
            b = data[i]
            if b == 0x1B:
                i = self._escape(data, i)
                continue
            ch: str | None
            comb = False
            if self.g0 == EACC and b > 0x20 and b != 0x7F and b < 0x80:
                code = (b << 16) | (data[i + 1] << 8) | data[i + 2] if i + 3 <= n else -1
                hit = _EACC.get(code)
                if hit is not None:
                    ch = chr(hit[0])
                    i += 3
                elif code in _ODD_MAP:
                    ch = chr(_ODD_MAP[code])
                    i += 3
                else:
                    # Not a CJK character: real records drop the escape back to ASCII before punctuation and
                    # spaces; read the byte as ASCII (as MARC4J does).
                    self.problems.append("ASCII inside a CJK (EACC) run without an escape sequence")
                    ch = chr(b)
                    i += 1
            else:
                i += 1
                if b <= 0x20:
                    ch = chr(b)
                else:
                    table = _CODESETS.get(self.g0 if b < 0x80 else self.g1)
                    hit = None
                    if table is not None:
                        hit = table.get(b)
                        if hit is None:
                            hit = table.get(b ^ 0x80)  # a 94-set designated to the other half
                    if hit is None and 0x80 <= b < 0xA0:
                        hit = _CODESETS[ANSEL].get(b)  # NSB/NSE/ZWJ/ZWNJ are valid whatever is in G1
                    if hit is not None:
                        ch = chr(hit[0])
                        comb = bool(hit[1])
                    elif b < 0x7F:
                        # Punctuation or digits missing from a non-Latin G0 set: the record forgot to escape
                        # back to ASCII. Read as ASCII.
                        self.problems.append(f"ASCII {chr(b)!r} inside {_CHARSET_NAMES.get(self.g0, 'another set')} "
                                             f"without an escape sequence")
                        ch = chr(b)
                    else:
                        ch = None
                        charset = _CHARSET_NAMES.get(self.g0 if b < 0x80 else self.g1, "an unknown set")
                        self.problems.append(f"byte {b:#04x} is not a character in MARC-8 {charset} -> U+FFFD")
            if ch is None:
                ch = "\ufffd"
            if comb:
                combining.append(ch)
            else:
                out.append(ch)
                if combining:
                    out.extend(combining)
                    combining.clear()
        if combining:
            out.extend(combining)
        text = "".join(out)
        if "&#x" in text:  # LC's lossless convention: characters without a MARC-8 code as &#xXXXX;
            text = _NCR.sub(_unescape_ncr, text)
        return unicodedata.normalize("NFC", text)

    def _escape(self, data: bytes, i: int) -> int:
        """Apply the escape sequence at data[i] (ESC); return the index after it."""
        n = len(data)
        nxt = data[i + 1] if i + 1 < n else None
        if nxt in (0x28, 0x2C, 0x29, 0x2D):  # ( , -> G0   ) - -> G1
            if i + 2 >= n:
                self.problems.append("escape sequence cut off at the end of the subfield")
                return n
            final = data[i + 2]
            self._designate(final, g1=nxt in (0x29, 0x2D))
            return i + 3
        if nxt == 0x24:  # $ : multibyte set, ESC $ F or ESC $ , F (G0), ESC $ ) F or ESC $ - F (G1)
            j = i + 2
            g1 = False
            if j < n and data[j] in (0x2C, 0x29, 0x2D):
                g1 = data[j] != 0x2C
                j += 1
            if j >= n:
                self.problems.append("escape sequence cut off at the end of the subfield")
                return n
            self._designate(data[j], g1=g1)
            return j + 1
        if nxt in (0x67, 0x62, 0x70):  # technique 2: Greek symbols, subscripts, superscripts
            self.g0 = nxt
            return i + 2
        if nxt == 0x73:  # ESC s: back to ASCII
            self.g0 = BASIC_LATIN
            return i + 2
        shown = data[i:i + 3].hex(" ")
        self.problems.append(f"invalid escape sequence {shown} ignored")
        return i + 1

    def _designate(self, final: int, *, g1: bool) -> None:
        if final == 0x42 or final in _CODESETS:
            if g1:
                self.g1 = final
            else:
                self.g0 = final
        else:
            self.problems.append(f"escape to unknown character set {chr(final)!r}")


# ASCII + ANSEL in one str.translate table (bytes read as latin-1 first); as in the slow path, C0 controls pass
# through and bytes 0x80-0xFF that are not ANSEL characters (NSB/NSE/ZWJ/ZWNJ are) become U+FFFD.
_ANSEL_TABLE = {b: chr(b) for b in range(0x80)}
for _b in range(0x80, 0x100):
    _hit = _CODESETS[ANSEL].get(_b)
    _ANSEL_TABLE[_b] = chr(_hit[0]) if _hit else "\ufffd"
_ANSEL_CHARMAP = "".join(_ANSEL_TABLE[b] for b in range(0x100))  # for codecs.charmap_decode: one C loop


def _ansel_decode(data: bytes) -> str:
    return codecs.charmap_decode(data, "strict", _ANSEL_CHARMAP)[0]
_ANSEL_COMBINING = "".join(sorted({chr(u) for u, comb in _CODESETS[ANSEL].values() if comb}))
_ANSEL_COMBINING_RE = re.compile(f"[{re.escape(_ANSEL_COMBINING)}]")

_COMBINING_RUN = re.compile(f"[{re.escape(_ANSEL_COMBINING)}]+")


def _combine(text: str, stops: str = "") -> str:
    """Move each run of (ANSEL) combining marks after the character that follows it, and compose (NFC).

    Marks before one of `stops` (the field and subfield delimiters, when `text` is a whole record) or at the
    end stay where they are (composed with the character before them), as in `Marc8Decoder`. Only the rewritten sequences are normalised: nothing else in ASCII +
    ANSEL text changes under NFC.
    """
    out: list[str] = []
    last = 0
    n = len(text)
    nfc = unicodedata.normalize
    for m in _COMBINING_RUN.finditer(text):
        i, j = m.span()
        if j < n and text[j] not in stops:
            out.append(text[last:i])
            out.append(nfc("NFC", text[j] + text[i:j]))
            last = j + 1
        elif i > last and text[i - 1] not in stops and not (stops and i >= 2 and text[i - 2] == "\x1f"):
            # marks with nothing after them: they stay, composed with what precedes them (unless that is a
            # delimiter or a subfield code)
            out.append(text[last:i - 1])
            out.append(nfc("NFC", text[i - 1:j]))
            last = j
        elif out and i == last:  # ... which was itself just rewritten
            out[-1] = nfc("NFC", out[-1] + text[i:j])
            last = j
        else:  # marks alone
            out.append(text[last:i])
            out.append(nfc("NFC", text[i:j]))
            last = j
    out.append(text[last:])
    return "".join(out)
_CODE_NOT_ASCII = re.compile(rb"\x1f[\x80-\xff]")


def ansel_texts(body: bytes, count: int) -> list[str] | None:
    """The field texts of a whole MARC-8 record in one go, when it uses no escape sequences (ASCII + ANSEL).

    Same result as decoding subfield by subfield with `Marc8Decoder` (combining marks never move across a
    subfield or field boundary). None when the fast way does not apply: escapes, &#x references, bytes that
    are not ANSEL characters or non-ASCII subfield codes - the caller then decodes field by field, which also
    says where the problems are.
    """
    if 0x1B in body or b"&#x" in body or _CODE_NOT_ASCII.search(body):
        return None
    text = _ansel_decode(body)
    if "\ufffd" in text:
        return None
    if _ANSEL_COMBINING_RE.search(text):
        text = _combine(text, "\x1e\x1f")
    texts = text.split("\x1e")
    return texts if len(texts) >= count else None


# Every byte that can appear in MARC-8 text without an escape sequence: ASCII plus the ANSEL (G1) repertoire.
_ANSEL_BYTES = bytes(range(0x80)) + bytes(sorted(k for k in _CODESETS[ANSEL] if k >= 0x80))


def ansel_plausible(data: bytes) -> bool:
    """True when every byte is ASCII or an ANSEL character (MARC-8 without escapes)."""
    return not data.translate(None, _ANSEL_BYTES)


def mostly_utf8(data: bytes) -> bool:
    """Not valid UTF-8, but valid multi-byte sequences outnumber the invalid bytes at least 2 to 1.

    Text in a legacy code page (MARC-8, GBK, CP1251) practically never forms valid UTF-8 sequences, so this
    says: UTF-8 with a few corrupt bytes, to be read as UTF-8 with U+FFFD in their place.
    """
    text = data.decode("utf-8", "replace")
    bad = text.count("\ufffd")
    good = len(_NON_ASCII.findall(text)) - bad
    return good >= 2 * bad and good > 0


def is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


_NON_ASCII = re.compile(r"[^\x00-\x7f]")
_HAN = re.compile(r"[\u2000-\u206f\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef\u00b7]")
_RUSSIAN = re.compile(r"[\u0410-\u044f\u0401\u0451\u00ab\u00bb\u2013\u2014\u2116]")

# (Python codec, name reported, plausibility pattern)
_LEGACY = (
    ("gb18030", "gb18030", _HAN),
    ("cp1251", "cp1251", _RUSSIAN),
    ("cp866", "cp866", _RUSSIAN),
    ("koi8_r", "koi8-r", _RUSSIAN),
)
_LEGACY_THRESHOLD = 0.8
# MARC 21 records are expected in MARC-8 or UTF-8: a legacy code page needs more evidence there.
MARC21_LEGACY_MIN_CHARS = 6
MARC21_LEGACY_THRESHOLD = 0.9
_UNIMARC_CS_HINTS = {"79": "cp866", "89": "cp1251", "99": "koi8-r"}
_CYRILLIC_LANGS = {"rus", "ukr", "bel", "bul", "srp", "mac", "kaz", "kir", "tat", "bak", "chv", "mon", "tgk"}


def _script_score(text: str, pattern: re.Pattern[str]) -> float:
    non_ascii = len(_NON_ASCII.findall(text))
    if not non_ascii:
        return 0.0
    return len(pattern.findall(text)) / non_ascii


def legacy_guess(data: bytes, *, prefer: str | None = None, cyrillic_hint: bool = False,
                 min_chars: int = 2, threshold: float = _LEGACY_THRESHOLD) -> str | None:
    """The legacy code page `data` is most plausibly in, or None. `prefer` wins when it is plausible.

    A decoding counts when at least `threshold` of its (at least `min_chars`) non-ASCII characters belong to
    the script expected for that code page.
    """
    scored: list[tuple[float, int, str]] = []
    for rank, (codec, name, pattern) in enumerate(_LEGACY):
        try:
            text = data.decode(codec)
        except UnicodeDecodeError:
            continue
        if len(_NON_ASCII.findall(text)) < min_chars:
            continue
        score = _script_score(text, pattern)
        if score < threshold:
            continue
        if name == prefer:
            return name
        bonus = 0.05 if cyrillic_hint and pattern is _RUSSIAN else 0.0
        scored.append((score + bonus, -rank, name))
    if not scored:
        return None
    return max(scored)[2]


PYTHON_CODECS = {"utf-8": "utf-8", "ascii": "ascii", "gb18030": "gb18030", "cp1251": "cp1251",
                 "cp866": "cp866", "koi8-r": "koi8_r"}


@dataclass(frozen=True, slots=True)
class Choice:
    """How to decode a record: `encoding` is reported; `codec` is the Python codec or "marc-8"."""

    encoding: str
    codec: str
    warning: str | None = None


def choose_encoding(leader: str, body: bytes, flavour: str, unimarc_100a: str | None = None) -> Choice:
    """Decide how to decode `body` (all field bytes of one record). See the module docstring for the rules."""
    if flavour == "cnmarc":
        return _unimarc_encoding(body, unimarc_100a)
    return _marc21_encoding(leader[9] if len(leader) > 9 else " ", body)


def _marc21_encoding(coding: str, body: bytes) -> Choice:
    has_esc = 0x1B in body
    if body.isascii() and not has_esc:
        if coding == "a":
            return Choice("utf-8", "ascii")
        return Choice("marc-8", "marc-8" if b"&#x" in body else "ascii")
    if coding == "a":
        if is_utf8(body) or mostly_utf8(body):
            return Choice("utf-8", "utf-8")  # per-field warnings name any invalid bytes
        if has_esc or ansel_plausible(body):
            return Choice("marc-8", "marc-8", "leader/09 is 'a' (UTF-8) but the data is not UTF-8; it reads as MARC-8")
        guess = legacy_guess(body, min_chars=MARC21_LEGACY_MIN_CHARS, threshold=MARC21_LEGACY_THRESHOLD)
        if guess:
            return Choice(guess, PYTHON_CODECS[guess],
                          f"leader/09 is 'a' but the data is not UTF-8; decoded as {guess} by content")
        return Choice("utf-8", "utf-8")  # per-field warnings name the invalid bytes
    claimed = f"leader/09 is {coding!r} (MARC-8) but"
    if has_esc:
        return Choice("marc-8", "marc-8")
    if is_utf8(body):
        return Choice("utf-8", "utf-8", f"{claimed} the data is valid UTF-8 with non-ASCII characters; read as UTF-8")
    if mostly_utf8(body):
        return Choice("utf-8", "utf-8", f"{claimed} the data is UTF-8 (with some invalid bytes); read as UTF-8")
    if ansel_plausible(body):
        return Choice("marc-8", "marc-8")
    guess = legacy_guess(body, min_chars=MARC21_LEGACY_MIN_CHARS, threshold=MARC21_LEGACY_THRESHOLD)
    if guess:
        return Choice(guess, PYTHON_CODECS[guess], f"{claimed} the bytes are not MARC-8; decoded as {guess} by content")
    return Choice("marc-8", "marc-8")  # unmappable bytes are reported per field


def _unimarc_encoding(body: bytes, unimarc_100a: str | None) -> Choice:
    cs = unimarc_100a[26:30] if unimarc_100a and len(unimarc_100a) >= 28 else ""
    if body.isascii() and 0x1B not in body:
        return Choice("utf-8" if cs[:2] == "50" else "ascii", "ascii")
    if is_utf8(body) or mostly_utf8(body):
        return Choice("utf-8", "utf-8")
    prefer = _UNIMARC_CS_HINTS.get(cs[2:4].strip()) or _UNIMARC_CS_HINTS.get(cs[:2])
    lang = unimarc_100a[22:25] if unimarc_100a and len(unimarc_100a) >= 25 else ""
    guess = legacy_guess(body, prefer=prefer, cyrillic_hint=lang in _CYRILLIC_LANGS)
    if guess:
        declared = f"100 $a/26-29 is {cs!r}" if cs else "no 100 $a character set code"
        note = None if guess == prefer else f"not UTF-8 ({declared}); decoded as {guess} by content"
        return Choice(guess, PYTHON_CODECS[guess], note)
    return Choice("utf-8", "utf-8", "not valid UTF-8 and no legacy code page fits: invalid bytes replaced")
