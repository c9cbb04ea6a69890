"""The parse tree as Elasticsearch queries over the field families (see mappings/fields.py).

A text run is searched five ways at once, any of which may match and all of which score:
  words      jieba words of the query against the `_s` fields (cross-field, nearly all words required)
  phrases    the folded query as a character phrase against the `_t` fields, with slop: rewards proximity
  characters every character in the title or names (`_t`): finds what segmentation cut differently
  pinyin     full syllables (zhongguo fazhan) against `_py`
  initials   zgfzbg against `_pyi` (exact, and as a prefix)
Weights follow the family: title > names > subjects > the rest. Identifiers are constant-score clauses
boosted far above any text score, so an exact ISBN/ISSN/DOI match ranks first.
"""
from __future__ import annotations

import re
from typing import Any

from query.parse import And, Ident, Node, Not, Or, Phrase, Text, YearRange
from yidu import textzh

Clause = dict[str, Any]

# family -> weight; title > names > subjects > contents/abstract
# (families a collection lacks simply match nothing there: journal is the articles', advisors the theses')
WEIGHTS = {"title": 6.0, "other_titles": 3.0, "authors": 4.0, "advisors": 2.0, "subjects": 2.0, "journal": 1.5,
           "series": 1.0, "publisher": 1.0, "discipline": 1.0, "summary": 0.5, "contents": 0.5}
PINYIN_FAMILIES = ("title", "other_titles", "authors", "advisors", "journal")
CHARACTER_FAMILIES = ("title", "other_titles", "authors")
# which families a field prefix searches
FIELD_FAMILIES = {
    None: tuple(WEIGHTS),
    "title": ("title", "other_titles", "series"),
    "author": ("authors",),
    "subject": ("subjects",),
    "publisher": ("publisher",),
}
PHRASE_SLOP = 2
WORDS_MATCH = "3<80%"  # up to 3 words: all of them; more: 80 %
IDENT_BOOST = 1000.0
IDENT_FIELDS = {"isbn": ("isbn",), "issn": ("issn", "issn_l"), "doi": ("doi",)}


def _fields(families, suffix: str, scale: float = 1.0) -> list[str]:
    return [f"{f}_{suffix}^{WEIGHTS[f] * scale:g}" for f in families]


def text_clause(text: str, field: str | None = None) -> Clause | None:
    families = FIELD_FAMILIES[field]
    folded = textzh.fold(text)
    words = textzh.segment(text)
    should: list[Clause] = []
    if words:
        should.append({"multi_match": {"query": " ".join(words), "type": "cross_fields", "analyzer": "whitespace",
                                       "fields": _fields(families, "s"), "minimum_should_match": WORDS_MATCH}})
    if folded:
        should.append({"multi_match": {"query": folded, "type": "phrase", "slop": PHRASE_SLOP,
                                       "fields": _fields(families, "t", 0.8)}})
        chars = [f for f in families if f in CHARACTER_FAMILIES]
        if chars and textzh.has_cjk(folded):
            should.append({"multi_match": {"query": folded, "type": "cross_fields", "operator": "and",
                                           "fields": _fields(chars, "t", 0.05)}})
    pinyin_families = [f for f in families if f in PINYIN_FAMILIES]
    if pinyin_families:
        for syllables in pinyin_tokens(text):
            should.append({"multi_match": {"query": " ".join(syllables), "type": "phrase",
                                           "fields": _fields(pinyin_families, "py", 0.5)}})
        if textzh.looks_like_initials(text):
            initials = text.lower().replace(" ", "")
            should += [{"term": {f"{f}_pyi": {"value": initials, "boost": WEIGHTS[f] * 0.5}}}
                       for f in pinyin_families]
            should.append({"prefix": {"title_pyi": {"value": initials, "boost": 0.5}}})
    if not should:
        return None
    return should[0] if len(should) == 1 else {"bool": {"should": should, "minimum_should_match": 1}}


_DIGITS_OR_NOT = re.compile(r"[0-9]+|[^0-9]+")


def pinyin_tokens(text: str, limit: int = 4) -> list[list[str]]:
    """Pinyin typed by a reader as `_py` token sequences, one per reading of ambiguous unspaced input
    (xinan -> xin an | xi nan); numbers may be mixed in, as in the titles' pinyin
    ('86zhongguofazhanbaogao -> 86 zhong guo fa zhan bao gao). [] when the text is not pinyin."""
    readings: list[list[str]] = [[]]
    letters = False
    for chunk in _DIGITS_OR_NOT.findall(text.strip().lower()):
        if chunk.isdigit():
            readings = [r + [chunk] for r in readings]
            continue
        if not chunk.strip(" '-"):
            continue
        options = textzh.pinyin_readings(chunk, limit)
        if not options:
            return []
        readings = [r + o for r in readings for o in options][:limit]
        letters = True
    return readings if letters else []


def phrase_clause(text: str, field: str | None = None) -> Clause | None:
    folded = textzh.fold(text)
    if not folded:
        return None
    return {"multi_match": {"query": folded, "type": "phrase", "fields": _fields(FIELD_FAMILIES[field], "t")}}


def ident_clause(kind: str, value: str) -> Clause:
    if kind == "clc":  # a class and everything under it
        return {"prefix": {"clc": {"value": value}}}
    fields = IDENT_FIELDS[kind]
    match = {"term": {fields[0]: value}} if len(fields) == 1 else {
        "bool": {"should": [{"term": {f: value}} for f in fields], "minimum_should_match": 1}}
    return {"constant_score": {"filter": match, "boost": IDENT_BOOST}}


def year_clause(lo: int | None, hi: int | None) -> Clause:
    bounds = {k: v for k, v in (("gte", lo), ("lte", hi)) if v is not None}
    return {"range": {"year": bounds}}


def compile_tree(node: Node | None) -> Clause:
    """The query for a parse tree; no tree (an empty query) matches everything."""
    clause = _compile(node) if node is not None else None
    return clause if clause is not None else {"match_all": {}}


def _compile(node: Node) -> Clause | None:
    if isinstance(node, Text):
        return text_clause(node.text, node.field)
    if isinstance(node, Phrase):
        return phrase_clause(node.text, node.field)
    if isinstance(node, Ident):
        return ident_clause(node.kind, node.value)
    if isinstance(node, YearRange):
        return year_clause(node.lo, node.hi)
    if isinstance(node, Not):
        inner = _compile(node.child)
        return {"bool": {"must": [{"match_all": {}}], "must_not": [inner]}} if inner else None
    if isinstance(node, Or):
        parts = [c for c in (_compile(ch) for ch in node.children) if c is not None]
        if not parts:
            return None
        return parts[0] if len(parts) == 1 else {"bool": {"should": parts, "minimum_should_match": 1}}
    if isinstance(node, And):
        must, must_not = [], []
        for child in node.children:
            if isinstance(child, Not):
                inner = _compile(child.child)
                if inner is not None:
                    must_not.append(inner)
            else:
                clause = _compile(child)
                if clause is not None:
                    must.append(clause)
        if not must and not must_not:
            return None
        if len(must) == 1 and not must_not:
            return must[0]
        out: Clause = {"must": must or [{"match_all": {}}]}
        if must_not:
            out["must_not"] = must_not
        return {"bool": out}
    raise TypeError(f"unknown node {node!r}")
