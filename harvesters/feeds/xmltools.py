"""Safe, namespace-agnostic XML reading for the XML feeds (JATS, PubMed, NLM serials).

Parsing never resolves entities, loads a DTD or touches the network (the documents all declare
DOCTYPEs pointing at NLM's servers). Records are streamed with `iterparse` and freed once read, so a
PubMed baseline file of 30,000 articles does not sit in memory.
"""
from __future__ import annotations

from typing import IO, Iterator

from lxml import etree

from harvesters.feeds import values as v

XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
_BLOCKS = ("p", "title", "AbstractText", "list-item", "td", "label")


def parser_options() -> dict:
    return dict(resolve_entities=False, load_dtd=False, no_network=True, huge_tree=False, dtd_validation=False)


def local(tag: object) -> str:
    if not isinstance(tag, str):
        return ""
    return tag.rpartition("}")[2]


def iter_elements(stream: IO[bytes], names: set[str]) -> Iterator[tuple[etree._Element | None, str | None]]:
    """(element, None) for every element whose local name is in `names`, in document order (not nested
    inside an earlier match); (None, reason) once when the document turns out to be broken."""
    tags = [f"{{*}}{name}" for name in sorted(names)]
    context = etree.iterparse(stream, events=("start", "end"), tag=tags, recover=False, **parser_options())
    depth = 0  # > 0 while inside a matching element
    try:
        for event, el in context:
            if event == "start":
                depth += 1
                continue
            depth -= 1
            if depth:
                continue
            yield el, None
            drop(el)
    except etree.XMLSyntaxError as exc:
        yield None, f"XML syntax error: {exc}"


def drop(el: etree._Element) -> None:
    """Free a processed element and its finished siblings (iterparse otherwise keeps the whole tree)."""
    el.clear(keep_tail=False)
    parent = el.getparent()
    if parent is not None:
        while el.getprevious() is not None:
            del parent[0]


def text(el: etree._Element | None) -> str | None:
    """All the text inside an element (markup such as <italic> dropped), whitespace collapsed."""
    if el is None:
        return None
    return v.clean("".join(el.itertext()))


def block_text(el: etree._Element | None) -> str | None:
    """Text of an element made of blocks (abstract sections, paragraphs), blocks separated by a space."""
    if el is None:
        return None
    blocks = [b for b in el.iter() if local(b.tag) in _BLOCKS]
    if not blocks:
        return text(el)
    inside = set(blocks)
    outer = [b for b in blocks if not any(a in inside for a in b.iterancestors())]
    parts = []
    for b in outer:
        t = text(b)
        label = b.get("Label")
        if t:
            parts.append(f"{label}: {t}" if label else t)
    return v.clean(" ".join(parts))


def find(el: etree._Element | None, path: str) -> etree._Element | None:
    """`el.find` with every step namespace-agnostic ('a/b' -> '{*}a/{*}b')."""
    if el is None:
        return None
    return el.find(_wild(path))


def findall(el: etree._Element | None, path: str) -> list[etree._Element]:
    if el is None:
        return []
    return el.findall(_wild(path))


def find_text(el: etree._Element | None, path: str) -> str | None:
    return text(find(el, path))


def _wild(path: str) -> str:
    return "/".join(step if step in (".", "..") or step.startswith(("{", "*")) or step == "" else "{*}" + step
                    for step in path.split("/"))


def raw(el: etree._Element) -> bytes:
    return etree.tostring(el)
