"""Pay-per-view: which publishers sell single articles, at what price (data/ppv.csv).

The source of truth is this per-publisher table, matched on the KBART `publisher_name` of the
journal's coverage (case-insensitive containment: "Elsevier" matches "Elsevier B.V.") or, when the
journal is not in the knowledge base, on the citation's DOI prefix. A KBART extension column
`ppv_price` overrides the price per title. Columns: publisher, doi_prefix, price_yuan, link (a
template with {doi}), note.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

from linkresolver.errors import PolicyError
from yidu.textzh.folding import fold

DATA_DIR = Path(__file__).resolve().parent / "data"


@dataclass(frozen=True, slots=True)
class PpvOffer:
    publisher: str
    price: float
    link: str  # template with {doi}
    note: str = ""

    def url(self, doi: str | None) -> str | None:
        if "{doi}" in self.link:
            return self.link.replace("{doi}", doi) if doi else None
        return self.link or None


class PpvTable:
    def __init__(self, offers: list[tuple[str, str, PpvOffer]]):
        self._by_name = [(fold(name), offer) for name, _, offer in offers if name]
        self._by_prefix = {prefix: offer for _, prefix, offer in offers if prefix}

    @classmethod
    def load(cls, path: Path | None = None) -> "PpvTable":
        path = Path(path or DATA_DIR / "ppv.csv")
        try:
            text = path.read_text(encoding="utf-8-sig")
        except OSError as exc:
            raise PolicyError(f"cannot read pay-per-view table {path}: {exc}", ref=str(path)) from None
        offers = []
        for line, row in enumerate(csv.DictReader(io.StringIO(text)), start=2):
            try:
                price = float(row["price_yuan"])
            except (KeyError, TypeError, ValueError):
                raise PolicyError(f"{path} line {line}: price_yuan must be a number", ref=str(path)) from None
            name = (row.get("publisher") or "").strip()
            offers.append((name, (row.get("doi_prefix") or "").strip(),
                           PpvOffer(name, price, (row.get("link") or "").strip(), (row.get("note") or "").strip())))
        return cls(offers)

    def for_publisher(self, publisher: str | None) -> PpvOffer | None:
        if not publisher:
            return None
        key = fold(publisher)
        for name, offer in self._by_name:
            if name in key:
                return offer
        return None

    def for_doi(self, doi: str | None) -> PpvOffer | None:
        if not doi:
            return None
        return self._by_prefix.get(doi.split("/", 1)[0])
