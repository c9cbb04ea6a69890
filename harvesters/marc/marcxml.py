"""MARCXML in any namespace (MARC21 slim, CNMARC http://www.nlc.cn/, UNIMARC, none), alone or inside envelopes.

A record is any element whose local name is `record` and that has a `leader` child; controlfield, datafield and
subfield are found by local name too, so records wrapped in SRU/OAI-PMH responses are read and the envelopes
skipped. An element named `record` without a leader is a broken MARC record (BadRecord) only when it has
controlfield/datafield children or is in the MARC21 slim namespace; otherwise it is an envelope's record. An SRU
record packed as a string (`recordPacking=string`: escaped MARCXML as the text of `recordData`) is parsed too.

Safety: lxml parses with resolve_entities=False, load_dtd=False, no_network=True and huge_tree=False. Entity
references are never expanded (an unexpanded reference is kept as its literal text, e.g. "&x;", with a warning),
external entities and DTDs are never fetched.

Streaming: `iterparse` delivers one record at a time; each is cleared and dropped from its parent once read.

Malformed XML: the parser runs in recover mode. Every parser error is attributed by line to the record it falls
in: that record becomes a BadRecord with the line and the parser's message (its content cannot be trusted), the
records around it are read normally. Errors between records become warnings on the next record; errors after
the last record (a truncated file) become one BadRecord for whatever was lost. A document whose entities
expand past libxml2's amplification limit is hostile and refused whole (`HostileXml`): libxml2 2.14 recovers
past that limit and would hand over records with the references silently dropped; older versions stop. A
document in which no MARC record is found - and which is not an (empty) MARC `collection` - is not MARC: `NoMarcInXml`, which the reader
turns into `MarcFileError`.
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from typing import BinaryIO

import pymarc
from lxml import etree

from harvesters.marc import flavour as flavours
from harvesters.marc.fields import control_field, data_field, new_record, repair_leader
from harvesters.marc.results import BadRecord, Position, ReadResult

MARC21_NS = "http://www.loc.gov/MARC21/slim"
_tuple_new = tuple.__new__
_Subfield = pymarc.Subfield
_Comment = etree._Comment
_Entity = etree._Entity
_ProcessingInstruction = etree._ProcessingInstruction


class NoMarcInXml(Exception):
    """The XML document holds no MARC record."""


class HostileXml(Exception):
    """The document trips the parser's entity-expansion guard (a "billion laughs" DTD): refused whole."""


def _parser_options() -> dict:
    return dict(resolve_entities=False, load_dtd=False, no_network=True, huge_tree=False, dtd_validation=False)


def _local(tag) -> str:
    if not isinstance(tag, str):
        return ""
    return tag.rpartition("}")[2] if tag[:1] == "{" else tag


def _namespace(tag: str) -> str:
    return tag[1:].partition("}")[0] if tag[:1] == "{" else ""


def _text(el, warnings: list[str]) -> str:
    """All text inside `el`; unexpanded entity references are kept literally."""
    if not len(el):
        return el.text or ""
    parts = [el.text or ""]
    for child in el:
        if isinstance(child, _Entity):
            warnings.append(f"line {child.sourceline}: entity reference {child.text} not expanded, kept as text")
            parts.append(child.text or "")
        elif not isinstance(child, (_Comment, _ProcessingInstruction)):
            parts.append(_text(child, warnings))
        parts.append(child.tail or "")
    return "".join(parts)


def _end_line(el) -> int:
    """Line of the closing tag of `el`: its start line plus the newlines inside it, along the last-child chain."""
    return (el.sourceline or 0) + _lines_inside(el)


def _lines_inside(el) -> int:
    if not len(el):
        return (el.text or "").count("\n")
    last = el[-1]
    start = el.sourceline or 0
    return max((last.sourceline or start) - start, 0) + _lines_inside(last) + (last.tail or "").count("\n")


def _is_candidate(el, children) -> bool:
    for c in children:
        if _local(c.tag) in ("controlfield", "datafield"):
            return True
    return _namespace(el.tag) == MARC21_NS


def record_from_element(el, forced: str | None, warnings: list[str]):
    """(pymarc.Record, flavour) from a record element, or a reason string when it cannot be a record.

    Children are recognised by local name; the common case - all in the record's own namespace - is
    checked first by plain string comparison, which is what keeps this fast.
    """
    rtag = el.tag
    ns = rtag[:rtag.index("}") + 1] if rtag[:1] == "{" else ""
    t_leader, t_control, t_data, t_sub = ns + "leader", ns + "controlfield", ns + "datafield", ns + "subfield"
    tuple_new = _tuple_new
    subfield_cls = _Subfield
    leader = None
    fields = []
    append = fields.append
    for child in el:
        name = child.tag
        if name == t_data:
            pass
        elif name == t_control:
            name = "controlfield"
        elif name == t_leader:
            name = "leader"
        elif isinstance(child, (_Comment, _ProcessingInstruction)):
            continue
        else:
            name = _local(name)
            if name == "datafield":
                name = t_data
        if name == t_data:
            tag = child.get("tag")
            if not tag:
                warnings.append(f"line {child.sourceline}: datafield without a tag attribute dropped")
                continue
            if len(tag) != 3:
                tag = _norm_tag(tag, child, warnings)
            subfields = []
            for sf in child:
                if sf.tag != t_sub and (isinstance(sf, (_Comment, _ProcessingInstruction)) or
                                        not _unexpected(sf, "subfield", tag, warnings)):
                    continue
                code = sf.get("code")
                if not code or len(code) != 1:
                    code = _bad_code(code, sf, tag, warnings)
                    if code is None:
                        continue
                text = sf.text if not len(sf) else _text(sf, warnings)
                subfields.append(tuple_new(subfield_cls, (code, text or "")))
            if not subfields:
                warnings.append(f"line {child.sourceline}: datafield {tag} has no subfields")
            ind1 = child.get("ind1")
            ind2 = child.get("ind2")
            if ind1 is None or len(ind1) != 1:
                ind1 = _indicator(child, "ind1", warnings)
            if ind2 is None or len(ind2) != 1:
                ind2 = _indicator(child, "ind2", warnings)
            append(data_field(tag, ind1, ind2, subfields))
        elif name == "controlfield":
            tag = child.get("tag")
            if not tag:
                warnings.append(f"line {child.sourceline}: controlfield without a tag attribute dropped")
                continue
            if len(tag) != 3:
                tag = _norm_tag(tag, child, warnings)
            append(control_field(tag, (child.text or "") if not len(child) else _text(child, warnings)))
        elif name == "leader":
            leader = _text(child, warnings)
        else:
            warnings.append(f"line {child.sourceline}: unexpected <{name or child.tag}> in record ignored")
    if leader is None:
        return ("MARCXML record without a leader" + ("" if fields else " and without fields")), None
    repaired = repair_leader(leader)
    if repaired is None:
        return f"invalid leader: {len(leader)} characters, not 24: {leader!r}", None
    leader, note = repaired
    if note:
        warnings.append(note)
    record = new_record(leader, fields)
    return record, forced or flavours.of_record(record)


def _unexpected(sf, wanted: str, tag: str, warnings: list[str]) -> bool:
    """True when `sf` is a `wanted` element in another namespace; else warn that it is ignored."""
    if _local(sf.tag) == wanted:
        return True
    warnings.append(f"line {sf.sourceline}: unexpected <{_local(sf.tag) or sf.tag}> in datafield {tag} ignored")
    return False


def _bad_code(code: str | None, sf, tag: str, warnings: list[str]) -> str | None:
    if not code:
        warnings.append(f"line {sf.sourceline}: subfield without a code in field {tag} dropped")
        return None
    warnings.append(f"line {sf.sourceline}: subfield code {code!r} in field {tag} cut to {code[0]!r}")
    return code[0]


def _norm_tag(tag: str, el, warnings: list[str]) -> str:
    if tag.isdigit() and len(tag) < 3:
        warnings.append(f"line {el.sourceline}: tag {tag!r} read as {tag.zfill(3)!r}")
        return tag.zfill(3)
    warnings.append(f"line {el.sourceline}: tag {tag!r} is not 3 characters")
    return tag


def _indicator(el, name: str, warnings: list[str]) -> str:
    value = el.get(name)
    if value is None or value == "":
        return " "
    if len(value) != 1:
        warnings.append(f"line {el.sourceline}: {name} {value!r} of field {el.get('tag')} cut to one character")
        return value[0]
    return value


def _control_number(el) -> str | None:
    for child in el:
        if _local(child.tag) == "controlfield" and child.get("tag") == "001":
            return (child.text or "").strip() or None
    return None


def _drop(el) -> None:
    """Free a processed element and everything before it (iterparse otherwise keeps the whole tree)."""
    el.clear(keep_tail=False)
    parent = el.getparent()
    if parent is not None:
        while el.getprevious() is not None:
            del parent[0]


_ERROR = etree.ErrorLevels.ERROR
_PREMATURE = re.compile(r"Premature end of data in tag (\S+) line (\d+)")
_RECORD_PARTS = {"record", "leader", "controlfield", "datafield", "subfield"}


def _expansion_guard(error) -> bool:
    """libxml2 stopped expanding entities: a reference loop, or amplification past its limit (reported as
    a resource limit since 2.11, with "entity" in the message)."""
    return error.type_name == "ERR_ENTITY_LOOP" or (
        error.type_name == "ERR_RESOURCE_LIMIT" and "entity" in error.message.lower())


class _Pending:
    """A record read but not yet yielded: parser errors inside its lines may still be reported."""

    __slots__ = ("start", "end", "result", "flavour", "warnings", "cn", "index")

    def __init__(self, start, end, result, flavour, warnings, cn, index):
        self.start, self.end, self.result, self.flavour = start, end, result, flavour
        self.warnings, self.cn, self.index = warnings, cn, index


def read_marcxml(stream: BinaryIO, source: str, forced: str | None) -> Iterator[ReadResult | BadRecord]:
    context = etree.iterparse(stream, events=("end",), tag="{*}record", recover=True, **_parser_options())
    state = {"seen": 0, "encoding": "utf-8"}
    errors: list = []  # parser errors not yet attributed, in the order reported
    index = 0
    candidates = 0
    pending: _Pending | None = None
    schemas: list[str] = []  # SRU recordSchema values seen, to say what a document without MARC holds

    def collect() -> None:
        log = context.error_log
        if len(log) > state["seen"]:
            new = [e for e in list(log)[state["seen"]:] if e.level >= _ERROR]  # warnings are harmless
            state["seen"] = len(log)
            errors.extend(new)
            bomb = next((e for e in new if _expansion_guard(e)), None)  # each error is looked at once
            if bomb is not None:
                raise HostileXml(f"entity expansion refused at line {bomb.line}: {bomb.message.strip()} "
                                 f"(an entity-expansion bomb; no record of this file is read)")

    def finish(p: _Pending, final: bool):
        """Yield-ready item for `p`, consuming the errors that belong to it."""
        collect()
        before = [e for e in errors if e.line < p.start]
        inside = [e for e in errors if (p.start <= e.line <= p.end or (final and _truncates(e, p)))
                  and not _envelope_truncation(e, p)]  # those are reported after the last record
        errors[:] = [e for e in errors if e not in before and e not in inside]
        warnings = [f"malformed XML before this record at line {e.line}: {e.message.strip()} (recovered)"
                    for e in before] + p.warnings
        pos = Position(source, p.index, None, p.start)
        if inside:
            first = inside[0]
            more = f" (and {len(inside) - 1} more errors)" if len(inside) > 1 else ""
            truncated = any(_truncates(e, p) for e in inside)
            what = "truncated: the file ends inside this record" if truncated else "malformed XML"
            return BadRecord(pos, f"{what} (line {first.line}, column {first.column}: {first.message.strip()})"
                                  f"{more}", p.cn, None, "marcxml")
        if p.flavour is None:
            return BadRecord(pos, p.result, p.cn, None, "marcxml")
        return ReadResult(p.result, pos, p.flavour, "marcxml", state["encoding"], None, tuple(warnings))

    try:
        for _event, el in context:
            if candidates == 0 and index == 0:
                state["encoding"] = (el.getroottree().docinfo.encoding or "utf-8").lower()
            children = list(el)
            has_leader = any(_local(c.tag) == "leader" for c in children)
            if not has_leader and not _is_candidate(el, children):
                # An envelope's record (SRU/OAI); maybe with MARCXML packed as a string inside.
                for c in children:
                    if _local(c.tag) == "recordSchema" and c.text and c.text.strip() not in schemas:
                        schemas.append(c.text.strip())
                for item in _packed_records(el, children, source, forced, index):
                    if pending is not None:
                        yield finish(pending, False)
                        pending = None
                    index += 1
                    candidates += 1
                    yield item
                _drop(el)
                continue
            candidates += 1
            index += 1
            if pending is not None:
                yield finish(pending, False)
            start = el.sourceline or 0
            warnings: list[str] = []
            result, flavour = record_from_element(el, forced, warnings)
            pending = _Pending(start, max(_end_line(el), start), result, flavour, warnings, _control_number(el), index)
            _drop(el)
    except etree.XMLSyntaxError as err:  # recover mode gave up entirely (e.g. undecodable bytes)
        if pending is not None:
            yield finish(pending, True)
            pending = None
        line = err.lineno or 0
        if candidates == 0 and _root_name(context) != "collection":
            raise NoMarcInXml(f"malformed XML at line {line} and no MARC record before it: {err.msg}") from None
        yield BadRecord(Position(source, index + 1, None, line), f"malformed XML at line {line}: {err.msg}; "
                        f"the rest of the file could not be read", None, None, "marcxml")
        return
    if pending is not None:
        last_end = pending.end
        yield finish(pending, True)
    else:
        last_end = 0
    collect()
    if candidates and errors:
        first = next((e for e in errors if e.line >= last_end), errors[0])
        premature = _PREMATURE.search(first.message)
        if premature:
            reason = (f"the file ends prematurely inside <{premature.group(1)}> (opened at line "
                      f"{premature.group(2)}): truncated after record {index}, anything after it is lost")
        else:
            reason = (f"malformed XML after the last record at line {first.line}, column {first.column}: "
                      f"{first.message.strip()}; anything after it is lost")
        yield BadRecord(Position(source, index + 1, None, first.line), reason, None, None, "marcxml")
    if candidates == 0:
        root = _root_name(context)
        if errors:
            raise NoMarcInXml(f"malformed XML at line {errors[0].line}: {errors[0].message.strip()}; no MARC "
                              f"record could be read (root element <{root or '?'}>)")
        if root != "collection":
            what = f" (SRU recordSchema {', '.join(schemas[:3])})" if schemas else ""
            raise NoMarcInXml(f"XML document without MARC records: root element <{root or '?'}>{what}")


def _truncates(error, p: _Pending) -> bool:
    """The error says the file ended while an element of record `p` (opened within its lines) was open."""
    m = _PREMATURE.search(error.message)
    if not m:
        return False
    return _local_name(m.group(1)) in _RECORD_PARTS and p.start <= int(m.group(2)) <= p.end


def _envelope_truncation(error, p: _Pending) -> bool:
    """A premature end inside an element that encloses the record (the collection, an SRU envelope)."""
    m = _PREMATURE.search(error.message)
    return bool(m) and int(m.group(2)) < p.start


def _local_name(qname: str) -> str:
    return qname.rpartition(":")[2]


def _root_name(context) -> str:
    root = getattr(context, "root", None)
    return _local(root.tag) if root is not None else ""


def _packed_records(el, children, source: str, forced: str | None, index: int):
    """Records inside an SRU `recordData` that holds MARCXML as escaped text (recordPacking=string)."""
    for child in children:
        if _local(child.tag) != "recordData" or len(child):
            continue
        text = (child.text or "").strip()
        if not text.startswith("<") or "leader" not in text:
            continue
        parser = etree.XMLParser(recover=False, **_parser_options())
        pos_line = child.sourceline
        try:
            root = etree.fromstring(text.encode("utf-8"), parser)
        except etree.XMLSyntaxError as err:
            index += 1
            yield BadRecord(Position(source, index, None, pos_line), f"malformed MARCXML packed as a string in "
                            f"recordData at line {pos_line}: {err.msg}", None, None, "marcxml")
            continue
        for rec in root.iter("{*}record"):
            kids = list(rec)
            if not any(_local(c.tag) == "leader" for c in kids) and not _is_candidate(rec, kids):
                continue
            index += 1
            warnings: list[str] = ["MARCXML packed as a string inside an SRU recordData"]
            result, flavour = record_from_element(rec, forced, warnings)
            pos = Position(source, index, None, pos_line)
            if flavour is None:
                yield BadRecord(pos, result, _control_number(rec), None, "marcxml")
            else:
                yield ReadResult(result, pos, flavour, "marcxml", "utf-8", None, tuple(warnings))
