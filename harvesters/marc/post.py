"""Steps shared by the format tables: extractors and post-processing that need more than one field."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable

from harvesters.marc.rules import RecordView, lookup
from harvesters.marc.transforms import year

_ELECTRONIC = re.compile(r"电子资源|電子資源|electronic resource|online resource|在线资源|在線資源", re.IGNORECASE)
_ANCIENT_EDITION = re.compile(r"刻本|抄本|稿本|活字本|石印本|影印本|鈔本|寫本|写本")


@dataclass(frozen=True)
class classification:
    """084 $a where $2 names the scheme (MARC 21 records carry the CLC there)."""

    tag: str
    sources: tuple[str, ...]

    @property
    def reads(self) -> frozenset[str]:
        return frozenset((self.tag,))

    def __call__(self, view: RecordView) -> list[str]:
        out = []
        for f in view.fields(self.tag):
            pairs = list(f.subfields or ())
            scheme = next((v.strip().lower() for c, v in pairs if c == "2"), "")
            if scheme in self.sources:
                out.extend(v for c, v in pairs if c == "a" and v)
        return out


_RELATIONS = {"0": "resource", "1": "version", "2": "related"}


@dataclass(frozen=True)
class links:
    """Electronic locations (856, in MARC 21 and UNIMARC alike): one {url, label, relation} per http(s) URL.
    The label is what the cataloguer wrote for readers ($y link text, $3 materials, $z public note);
    the relation comes from the second indicator (MARC 21: 0 the resource, 1 a version, 2 related).
    Other schemes (ftp, mailto, javascript...) are not links a reader's browser should follow: dropped."""

    tag: str = "856"

    @property
    def reads(self) -> frozenset[str]:
        return frozenset((self.tag,))

    def __call__(self, view: RecordView) -> list[dict]:
        out: list[dict] = []
        for f in view.fields(self.tag):
            pairs = [(c, v.strip()) for c, v in (f.subfields or ()) if v and v.strip()]
            label = next((v for code in "y3z" for c, v in pairs if c == code), "")
            inds = getattr(f, "indicators", None) or (" ", " ")
            relation = _RELATIONS.get((inds[1] or " ") if len(inds) > 1 else " ")
            for url in (v for c, v in pairs if c == "u"):
                if _WEB_URL.match(url) and all(link["url"] != url for link in out):
                    out.append({"url": url, "label": label, **({"relation": relation} if relation else {})})
        return out


_WEB_URL = re.compile(r"https?://[^\s/?#]+\S*$", re.IGNORECASE)


def unimarc_year(values: list) -> list:
    """210 $d first; 100 $a positions 9-12 (date 1) only when it is a real year."""
    dates = [v for v in values if not (len(v) >= 17 and v[:8].isdigit())]
    fixed = [v[9:13] for v in values if len(v) >= 17 and v[:8].isdigit()]
    return year(dates) or year([f for f in fixed if f.strip("0 u")])


def tidy_titles(doc: dict, view: RecordView) -> None:
    """Other titles never repeat the title; a 'romanised' form identical to the title is no romanisation."""
    title = doc.get("title")
    others = [t for t in doc.get("other_titles", ()) if t != title]
    if others:
        doc["other_titles"] = others
    else:
        doc.pop("other_titles", None)
    if title is not None and doc.get("title_romanized") == title:
        del doc["title_romanized"]


def deleted(doc: dict, view: RecordView) -> None:
    if view.leader[5:6] == "d":
        doc["deleted"] = True


def material_type(flavour: str) -> Callable[[dict, RecordView], None]:
    """Leader/06-07 through the material table, refined for e-books and ancient books (古籍)."""

    def step(doc: dict, view: RecordView) -> None:
        table = lookup("material_types")
        code = view.leader[6:8]
        kind = table.get(f"{flavour}:{code}") or table.get(f"{flavour}:{code[:1]}") or "book"
        hints = " ".join(filter(None, [*doc.get("gmd", ()), doc.get("extent") or ""]))
        if kind == "book" and _ELECTRONIC.search(hints):
            kind = "ebook"
        if kind == "book" and _is_ancient(doc):
            kind = "ancient"
        doc["type"] = kind
        doc.pop("gmd", None)

    return step


def _is_ancient(doc: dict) -> bool:
    chinese = "chi" in doc.get("language", ()) or any("\u4e00" <= ch <= "\u9fff" for ch in doc.get("title", ""))
    if not chinese:
        return False
    y = doc.get("year")
    return (y is not None and y < 1912) or bool(_ANCIENT_EDITION.search(doc.get("edition") or ""))
