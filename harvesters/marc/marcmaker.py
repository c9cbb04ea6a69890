r"""Line-based MARC text: MARCMaker (.mrk, .mrk8) and MicroLIF (.lif).

MARCMaker (Library of Congress MARCMaker/MARCBreaker, MarcEdit):
    =LDR  00714cam a2200205 a 4500
    =008  020805s2002\\\\nyu\\\\\\\\j\\\\\\000\1\eng\\
    =245  10$aSummerland /$cMichael Chabon.
  one line per field, a blank line between records; `\\` stands for a blank in the leader, control fields and
  indicators; `$` starts a subfield; `{dollar}`, `{bsol}`, `{lcub}`, `{rcub}` and the MARC-8 character mnemonics
  (`{acute}e`, `{aelig}`, ...; combining marks precede their base letter as in MARC-8) are translated, as is
  `{U+XXXX}`; unknown `{...}` sequences are kept literally with a warning. .mrk files are ASCII with mnemonics
  (reported as "marc-8"); .mrk8 files carry UTF-8 text (reported as "utf-8"). A record that is not valid UTF-8 is
  decoded as MARC-8.

MicroLIF (the older micro-computer interchange format):
    LDR00180nam  22     2  4500^
    245 0_aAll about whales.^
    952  _a20571_cR_dALL^`
  an optional header line, "LDR" + leader, then tag + data per line; `_` starts a subfield, `^` ends a field and
  a backquote ends a record. Decoded through the same byte pipeline as ISO 2709 (MARC-8 unless leader/09 = 'a').
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from typing import BinaryIO

from pymarc import marc8_mapping

from harvesters.marc import charset, flavour as flavours
from harvesters.marc.decode import decode_fields
from harvesters.marc.fields import control_field, data_field, is_control_tag, new_record, repair_leader, subfield
from harvesters.marc.results import BadRecord, Position, ReadResult

CHUNK = 1 << 20
_LINE_BREAK = re.compile(rb"\r\n|\r|\n")

# MARCMaker character mnemonics -> MARC-8 (ANSEL) byte; the Unicode value and the "combining" flag come from
# pymarc's MARC-8 table, so the two always agree.
_MNEMONIC_BYTES = {
    "Lstrok": 0xA1, "Ostrok": 0xA2, "Dstrok": 0xA3, "THORN": 0xA4, "AElig": 0xA5, "OElig": 0xA6,
    "softsign": 0xA7, "middot": 0xA8, "flat": 0xA9, "reg": 0xAA, "plusmn": 0xAB, "Ohorn": 0xAC, "Uhorn": 0xAD,
    "mlrhring": 0xAE, "mllhring": 0xB0, "lstrok": 0xB1, "ostrok": 0xB2, "dstrok": 0xB3, "thorn": 0xB4,
    "aelig": 0xB5, "oelig": 0xB6, "hardsign": 0xB7, "inodot": 0xB8, "pound": 0xB9, "eth": 0xBA, "ohorn": 0xBC,
    "uhorn": 0xBD, "deg": 0xC0, "scriptl": 0xC1, "phono": 0xC2, "copy": 0xC3, "sharp": 0xC4, "iquest": 0xC5,
    "iexcl": 0xC6, "eszett": 0xC7, "euro": 0xC8,
    "hooka": 0xE0, "grave": 0xE1, "acute": 0xE2, "circ": 0xE3, "tilde": 0xE4, "macr": 0xE5, "breve": 0xE6,
    "dot": 0xE7, "uml": 0xE8, "diaer": 0xE8, "caron": 0xE9, "ring": 0xEA, "llig": 0xEB, "rlig": 0xEC,
    "rcommaa": 0xED, "dblac": 0xEE, "candra": 0xEF, "cedil": 0xF0, "ogon": 0xF1, "dotb": 0xF2, "dbldotb": 0xF3,
    "ringb": 0xF4, "dblunder": 0xF5, "under": 0xF6, "commab": 0xF7, "rcedil": 0xF8, "breveb": 0xF9,
    "ldbltil": 0xFA, "rdbltil": 0xFB, "commaa": 0xFE, "joiner": 0x8D, "nonjoin": 0x8E,
}
_ASCII_MNEMONICS = {
    "dollar": "$", "bsol": "\\", "lcub": "{", "rcub": "}", "verbar": "|", "esc": "\x1b", "lsqb": "[",
    "rsqb": "]", "quot": '"', "apos": "'", "commat": "@", "num": "#", "percnt": "%", "amp": "&", "ast": "*",
    "lowbar": "_", "grave2": "`", "sp": " ", "nbsp": "\u00a0",
}
MNEMONICS: dict[str, tuple[str, bool]] = {name: (ch, False) for name, ch in _ASCII_MNEMONICS.items()}
for _name, _byte in _MNEMONIC_BYTES.items():
    _uni, _comb = marc8_mapping.CODESETS[0x45][_byte]
    MNEMONICS[_name] = (chr(_uni), bool(_comb))
_MNEMONIC = re.compile(r"\{([^{}\s]{1,20})\}")


def expand_mnemonics(text: str, warnings: list[str], where: str) -> str:
    """Replace {name} mnemonics; combining marks move after their base character (MARC-8 order -> Unicode)."""
    if "{" not in text:
        return text
    out: list[str] = []
    pending: list[str] = []
    used_combining = False
    last = 0
    for m in _MNEMONIC.finditer(text):
        _emit(text[last:m.start()], out, pending)
        last = m.end()
        name = m.group(1)
        hit = MNEMONICS.get(name)
        if hit is None and name[:2] in ("U+", "u+"):
            try:
                hit = (chr(int(name[2:], 16)), False)
            except ValueError:
                hit = None
        if hit is None:
            warnings.append(f"{where}: unknown mnemonic {m.group(0)} kept as text")
            _emit(m.group(0), out, pending)
        elif hit[1]:
            pending.append(hit[0])
            used_combining = True
        else:
            _emit(hit[0], out, pending)
    _emit(text[last:], out, pending)
    out.extend(pending)
    result = "".join(out)
    return unicodedata.normalize("NFC", result) if used_combining else result


def _emit(chunk: str, out: list[str], pending: list[str]) -> None:
    if not chunk:
        return
    if pending:
        out.append(chunk[0])
        out.extend(pending)
        pending.clear()
        out.append(chunk[1:])
    else:
        out.append(chunk)


def iter_lines(stream: BinaryIO) -> Iterator[tuple[int, bytes]]:
    """(1-based line number, line without its end) for LF, CRLF and CR line ends alike."""
    rest = b""
    number = 0
    while True:
        chunk = stream.read(CHUNK)
        data = rest + chunk
        if chunk and data.endswith(b"\r"):
            data, rest = data[:-1], b"\r"
        else:
            rest = b""
        lines = _LINE_BREAK.split(data)
        if chunk:
            rest = lines.pop() + rest
        for line in lines:
            number += 1
            yield number, line
        if not chunk:
            return


# --- MARCMaker ------------------------------------------------------------------------------------------------

_FIELD_LINE = re.compile(rb"=([A-Za-z0-9]{3})(?: ?\s)?(.*)", re.S)


def read_marcmaker(stream: BinaryIO, source: str, forced: str | None) -> Iterator[ReadResult | BadRecord]:
    index = 0
    record_lines: list[tuple[int, bytes]] = []
    for number, line in _with_end(iter_lines(stream)):
        if line is not None and line.startswith(b"\xef\xbb\xbf"):
            line = line[3:]
        if line is None or not line.strip() or line.startswith(b"=LDR"):
            if record_lines:
                index += 1
                yield _marcmaker_record(record_lines, source, index, forced)
                record_lines = []
            if line is None or not line.strip():
                continue
        if not record_lines and not line.startswith(b"=LDR"):
            continue  # text before the first leader (a header, a comment)
        record_lines.append((number, line))


def _with_end(lines):
    last = 0
    for number, line in lines:
        last = number
        yield number, line
    yield last + 1, None


def _marcmaker_record(lines: list[tuple[int, bytes]], source: str, index: int, forced: str | None):
    first_line = lines[0][0]
    pos = Position(source, index, None, first_line)
    raw = b"\n".join(line for _, line in lines)
    leader_line = lines[0][1]
    leader = leader_line[4:].lstrip(b" ").rstrip(b"\r\n").decode("latin-1").replace("\\", " ")
    repaired = repair_leader(leader)
    if repaired is None:
        return BadRecord(pos, f"invalid leader: {len(leader)} characters, not 24: {leader!r}", None, raw, "marcmaker")
    leader, note = repaired
    warnings: list[str] = [note] if note else []
    body = b"\n".join(line for _, line in lines[1:])
    utf8 = charset.is_utf8(body)
    encoding = "utf-8" if (utf8 and not body.isascii()) or leader[9] == "a" else "marc-8"
    fields = []
    for number, line in lines[1:]:
        m = _FIELD_LINE.match(line)
        if m is None:
            warnings.append(f"line {number}: not a MARCMaker field line, ignored: {line[:30]!r}")
            continue
        tag = m.group(1).decode("ascii")
        data = _text(m.group(2), utf8)
        where = f"field {tag} (line {number})"
        if is_control_tag(tag):
            fields.append(control_field(tag, expand_mnemonics(data.replace("\\", " "), warnings, where)))
            continue
        ind = data[:2].replace("\\", " ").ljust(2)
        rest = data[2:]
        if rest and not rest.startswith("$"):
            warnings.append(f"{where}: {rest.split('$')[0][:20]!r} before the first subfield dropped")
        subfields = []
        for part in rest.split("$")[1:]:
            if not part:
                continue
            subfields.append(subfield(part[0], expand_mnemonics(part[1:], warnings, where)))
        fields.append(data_field(tag, ind[0], ind[1], subfields))
    record = new_record(leader, fields)
    flavour = forced or flavours.of_record(record)
    return ReadResult(record, pos, flavour, "marcmaker", encoding, None, tuple(warnings))


def _text(data: bytes, utf8: bool) -> str:
    if utf8:
        return data.decode("utf-8")
    if data.isascii() and b"\x1b" not in data:
        return data.decode("ascii")
    decoder = charset.Marc8Decoder()  # raw MARC-8 bytes in a .mrk line (rare): decode each subfield in turn
    return "$".join(decoder.decode(part) for part in data.split(b"$"))


# --- MicroLIF -------------------------------------------------------------------------------------------------

def read_microlif(stream: BinaryIO, source: str, forced: str | None) -> Iterator[ReadResult | BadRecord]:
    index = 0
    current: list[tuple[int, bytes]] = []
    for number, line in _with_end(iter_lines(stream)):
        if line is None:
            break
        stripped = line.strip()
        if not stripped:
            continue
        if stripped.startswith(b"LDR") and current:
            index += 1
            yield _microlif_record(current, source, index, forced)
            current = []
        if not current and not stripped.startswith(b"LDR"):
            continue  # the header line (or text before the first leader)
        current.append((number, line.rstrip(b"\r\n")))
        if stripped.endswith(b"`"):
            index += 1
            yield _microlif_record(current, source, index, forced)
            current = []
    if current:
        index += 1
        yield _microlif_record(current, source, index, forced)


def _microlif_record(lines: list[tuple[int, bytes]], source: str, index: int, forced: str | None):
    pos = Position(source, index, None, lines[0][0])
    raw = b"\n".join(line for _, line in lines)
    leader_b = lines[0][1].strip()[3:].rstrip(b"`").rstrip(b"^")
    if len(leader_b) != 24 or not leader_b.isascii():
        return BadRecord(pos, f"invalid leader: {len(leader_b)} bytes, not 24: {leader_b!r}", None, raw, "microlif")
    leader = leader_b.decode("ascii")
    entries = []
    warnings: list[str] = []
    for number, line in lines[1:]:
        line = line.rstrip().rstrip(b"`").rstrip(b"^")
        if len(line) < 3:
            warnings.append(f"line {number}: too short for a field, ignored")
            continue
        tag = line[:3].decode("ascii", "replace")
        data = line[3:]
        if not is_control_tag(tag):
            data = data[:2] + data[2:].replace(b"_", b"\x1f")
        entries.append((tag, data))
    if not entries:
        return BadRecord(pos, "MicroLIF record without fields", None, raw, "microlif")
    decoded = decode_fields(leader, [t for t, _ in entries], [d for _, d in entries], forced, warnings)
    return ReadResult(decoded.record, pos, decoded.flavour, "microlif", decoded.encoding, None,
                      tuple(decoded.warnings))
