"""Field families shared by every collection.

A searchable text field `f` is indexed as a family, because Chinese analysis happens in Python
(see yidu.textzh) and the node only has the core analyzers:

  f       the display value as catalogued (stored in _source, not indexed)
  f_t     folded text (simplified, half-width, lower-case), standard analyzer: one token per Han
          character and per Western word, so phrase queries give character-level matching
  f_s     jieba words (search mode), whitespace analyzer
  f_py    pinyin syllables, whitespace analyzer            (titles and names only)
  f_pyi   pinyin initials of the whole value, keyword      (titles and names only)

Every collection uses the same family names for title, authors, subjects and summary, so one query
body can search catalogue, articles and theses together.
"""
from __future__ import annotations

from dataclasses import dataclass

from elasticsearch.dsl import Completion, Keyword, Mapping, Text


@dataclass(frozen=True)
class Family:
    pinyin: bool = False
    phrases: bool = False  # index two-token shingles: faster phrase (character proximity) queries


def add_family(mapping: Mapping, name: str, family: Family) -> None:
    mapping.field(name, Keyword(index=False, doc_values=False))
    mapping.field(f"{name}_t", Text(analyzer="standard", index_phrases=family.phrases))
    mapping.field(f"{name}_s", Text(analyzer="whitespace"))
    if family.pinyin:
        mapping.field(f"{name}_py", Text(analyzer="whitespace"))
        mapping.field(f"{name}_pyi", Keyword())


def family_fields(name: str, family: Family) -> list[str]:
    """The derived field names of a family (the ones the indexer fills from the display value)."""
    fields = [f"{name}_t", f"{name}_s"]
    if family.pinyin:
        fields += [f"{name}_py", f"{name}_pyi"]
    return fields


def derived_excludes(families: dict[str, Family]) -> list[str]:
    """Derived search fields are rebuilt from the record store, so _source need not carry them
    (except f_t, which highlighting reads)."""
    out = []
    for name, family in families.items():
        out += [f"{name}_s"] + ([f"{name}_py"] if family.pinyin else [])
    return out


def searchable(families: dict[str, Family], keywords: tuple[str, ...], display_only: tuple[str, ...] = ()) -> Mapping:
    """The part every searchable collection shares: a strict mapping (a misspelt field is an error, not a
    new field), the text families (their derived fields left out of _source), keyword fields for filters
    and facets, display-only values, and the title `suggest` completion field. Collections add the rest."""
    m = Mapping()
    m.meta("dynamic", "strict")
    m.meta("_source", excludes=derived_excludes(families))
    for name, family in families.items():
        add_family(m, name, family)
    for name in keywords:
        m.field(name, Keyword())
    for name in display_only:
        m.field(name, Keyword(index=False, doc_values=False))
    m.field("suggest", Completion(analyzer="keyword", search_analyzer="keyword", max_input_length=80))
    return m
