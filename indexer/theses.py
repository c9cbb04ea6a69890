"""The theses index writer: `Thesis` records -> documents -> the theses collection, page by page.

- Document ids are deterministic (`thesis_id(source, oai_identifier)`), so a replayed page overwrites what
  it wrote before instead of adding duplicates, and a deletion record deletes by the same id.
- The collection is versioned behind read/write aliases by `indexer.indices.IndexManager` (`ensure()`
  creates v1); writes go through the write alias with `indexer.bulk.BulkWriter`.
- `write_page()` is synchronous and returns only when Elasticsearch has answered for every item of the
  page, so the caller can commit its checkpoint knowing the page is in. Harvesters run it in a worker thread
  and keep a few pages in flight (see harvesters.oai.harvester).
- The institution of a thesis is the registry member the record names as degree grantor (matched by name,
  see `InstitutionMatcher`), else the source's owning library; `holding_libraries` is [institution], the
  same scope field the catalogue has.

There is no `yidu reindex theses`: theses have no record store, and a full harvest rebuilds them.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from typing import Any, Iterable

from elasticsearch import Elasticsearch

from indexer.bulk import BulkWriter, Failure
from indexer.indices import IndexManager
from mappings.theses import FAMILIES
from yidu import textzh
from yidu.textzh import segmentation  # words + index_tokens: analyze()'s seg without its pinyin
from yidu.config import IndexSettings
from yidu.libraries import Registry

COLLECTION = "theses"
_HAN_ONLY = re.compile(r"[^\u3400-\u9fff\U00020000-\U0002ffff]+")
_LETTERS = re.compile(r"[^a-z]+")
_LIBRARY_SUFFIX = re.compile(r"\s*(图书馆|圖書館|library)$", re.IGNORECASE)
# After a Latin institution name, these words still belong to it ("Peking University Graduate School").
_UNIT_WORDS = ("school", "college", "graduate", "department", "dept", "faculty", "center", "centre", "institute",
               "library", "campus")


def thesis_id(source: str, identifier: str) -> str:
    """The document id of a record: stable across harvests, distinct across sources."""
    return "th-" + hashlib.sha1(f"{source}\x00{identifier}".encode()).hexdigest()[:24]


class InstitutionMatcher:
    """Registry members by the names a thesis record uses for its degree grantor.

    A member is known by its registry names without the library suffix ("北京大学", "Peking University").
    A grantor matches when, folded (simplified, lower case), it equals a name or begins with one and the rest
    is a unit of it: for Chinese any continuation ("北京大学化学学院"), for Latin names a separator or a word
    such as school/college/department ("Peking University, School of Physics"). The longest name wins, so
    "北京大学医学部" finds the health-science library before Peking University's.
    """

    def __init__(self, registry: Registry):
        names: dict[str, str] = {}
        for lib in registry:
            for name in (lib.name, lib.name_en):
                base = _LIBRARY_SUFFIX.sub("", (name or "").strip())
                if len(base) >= 2:
                    names.setdefault(textzh.fold(base), lib.code)
        self._names = sorted(names.items(), key=lambda kv: -len(kv[0]))
        self._display = {lib.code: _LIBRARY_SUFFIX.sub("", lib.name) for lib in registry}
        self._seen: dict[str, str | None] = {}  # grantors repeat across a repository: match each once

    def match(self, grantor: str) -> str | None:
        try:
            return self._seen[grantor]
        except KeyError:
            pass
        code = self._match(grantor)
        if len(self._seen) < 100_000:
            self._seen[grantor] = code
        return code

    def _match(self, grantor: str) -> str | None:
        folded = textzh.fold(grantor).strip(" .,;")
        for name, code in self._names:
            if folded == name:
                return code
            if folded.startswith(name) and self._continues(name, folded[len(name):]):
                return code
        return None

    @staticmethod
    def _continues(name: str, rest: str) -> bool:
        if textzh.has_cjk(name[-1:]):
            return True
        if rest[:1] in (",", ";", "(", "/", "-", ":", "."):
            return True
        word = rest.strip(" ,-").split(" ", 1)[0]
        return rest[:1] == " " and word in _UNIT_WORDS

    def display_name(self, code: str) -> str | None:
        return self._display.get(code)


class ThesisBuilder:
    def __init__(self, registry: Registry):
        self.matcher = InstitutionMatcher(registry)

    def institution(self, grantors: Iterable[str], library: str) -> tuple[str, str | None]:
        """(registry code, display name): the first grantor that is a member, else the owning library."""
        named = [g for g in grantors if g]
        for g in named:
            code = self.matcher.match(g)
            if code:
                return code, self.matcher.display_name(code)
        return library, named[0] if named else self.matcher.display_name(library)

    def build(self, thesis: Any, *, source: str, origin: str, library: str, identifier: str,
              datestamp: str | None, fulltext_url: str | None) -> dict[str, Any]:
        """The document of one thesis (`thesis` is a harvesters.oai.records.Thesis or alike)."""
        code, name = self.institution(thesis.grantors, library)
        doc: dict[str, Any] = {
            "collection": COLLECTION,
            "type": "thesis",
            "title": thesis.title,
            "degree": thesis.degree,
            "institution": code,
            "holding_libraries": [code],
            "source": origin,
            "harvest_source": source,
            "format": thesis.format,
            "oai_identifier": identifier,
            "identifiers": _unique([identifier, *thesis.dois, *thesis.handles]),
            "source_ids": [f"{source}:{identifier}"],
        }
        optional = {
            "other_titles": thesis.other_titles, "authors": thesis.authors, "advisors": thesis.advisors,
            "discipline": thesis.disciplines, "summary": thesis.summary, "subjects": thesis.subjects,
            "language": thesis.languages, "degree_name": thesis.degree_name, "institution_name": name,
            "year": thesis.year, "datestamp": datestamp, "fulltext_url": fulltext_url,
        }
        doc.update({k: v for k, v in optional.items() if v not in (None, "", [])})
        if thesis.disciplines:
            doc["discipline_facet"] = _unique(d.strip() for d in thesis.disciplines)
        if thesis.subjects:
            doc["subject_facet"] = _unique(s.split("--")[0].strip() for s in thesis.subjects if s.strip())
        _analyze(doc)
        return doc


def _analyze(doc: dict) -> None:
    """The search forms of every text family (yidu.textzh), the sort key and the suggestions."""
    for name, family in FAMILIES.items():
        value = doc.get(name)
        values = [value] if isinstance(value, str) else list(value or ())
        if not values:
            continue
        if not family.pinyin:  # abstracts, subjects: no pinyin wanted, so none computed
            folded = [textzh.fold(v) for v in values]
            doc[f"{name}_t"] = folded
            doc[f"{name}_s"] = [" ".join(segmentation.index_tokens(segmentation.words(f))) for f in folded]
            continue
        analyses = [textzh.analyze(v) for v in values]
        doc[f"{name}_t"] = [a.folded for a in analyses]
        doc[f"{name}_s"] = [a.seg for a in analyses]
        if family.pinyin:
            py = [a.py for a in analyses if a.py]
            if py:
                doc[f"{name}_py"] = py
            initials = _initials(analyses)
            if initials:
                doc[f"{name}_pyi"] = initials
    title = textzh.analyze(doc["title"])
    doc["title_sort"] = (title.py or title.folded)[:120]
    inputs = [doc["title"], title.folded, title.py.replace(" ", ""), title.pyi]
    doc["suggest"] = {"input": list(dict.fromkeys(i[:80] for i in inputs if i)), "weight": 1}


def _initials(analyses) -> list[str]:
    out: list[str] = []
    for a in analyses:
        for form in (a.pyi, _LETTERS.sub("", textzh.initials(_HAN_ONLY.sub("", a.folded)))):
            if form and form not in out:
                out.append(form)
    return out


def _unique(values: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(v for v in values if v))


@dataclass
class PageWrite:
    """What Elasticsearch did with one page."""

    indexed: int = 0
    deleted: int = 0
    failures: list[Failure] = field(default_factory=list)  # ref = the OAI identifier
    seconds: float = 0.0


class ThesisWriter:
    def __init__(self, client: Elasticsearch, settings: IndexSettings):
        self.client = client
        self.settings = settings
        self.indices = IndexManager(client, settings)

    @property
    def target(self) -> str:
        return self.indices.write_alias(COLLECTION)

    def ensure(self) -> str:
        """The live version of the collection (v1 with both aliases on first use)."""
        return self.indices.ensure(COLLECTION)

    def write_page(self, docs: list[tuple[str, bytes | dict, str]], deletes: list[tuple[str, str]]) -> PageWrite:
        """Index `docs` [(id, document, ref)] and delete `deletes` [(id, ref)]; returns when all are answered.
        Deletions go in the same request after the documents: a page never names one id twice."""
        if not docs and not deletes:
            return PageWrite()
        cfg = self.settings
        writer = BulkWriter(self.client, self.target, docs=max(cfg.bulk_docs, len(docs) + len(deletes)),
                            max_bytes=cfg.bulk_bytes, concurrency=1)
        try:
            for doc_id, doc, ref in docs:
                writer.index(doc_id, doc, ref=ref)
            for doc_id, ref in deletes:
                writer.delete(doc_id, ref=ref)
        finally:
            stats = writer.close()
        return PageWrite(stats.indexed, stats.deleted, list(writer.failures), stats.seconds)

    def load_mode(self, on: bool) -> None:
        """Refresh off while a full harvest loads; back to the default (and one refresh) afterwards. The
        default is put back by value, not by memory, so a harvest killed in load mode is healed by the next."""
        self.client.indices.put_settings(index=self.target,
                                         settings={"index": {"refresh_interval": "-1" if on else None}})
        if not on:
            self.refresh()

    def refresh(self) -> None:
        self.client.indices.refresh(index=self.target)

    def count(self, **query: Any) -> int:
        return self.client.count(index=self.indices.alias(COLLECTION), **query)["count"]
