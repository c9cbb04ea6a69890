"""A journal issue's table of contents: article documents (mappings.articles) as an OPAC lists them, in
page order. Pages are kept as feeds give them ("e12", "S1", "123-9"), so the order is natural: numbers
by value, plain numbers before prefixed ones ("S1", "e12"), articles without pages last."""
from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote, urlencode

_NUMBERED = re.compile(r"(\D*)(\d+)(.*)", re.DOTALL)
SOURCE = ["title", "authors", "journal", "issn_l", "volume", "issue", "year", "date", "pages", "first_page",
          "last_page", "doi", "pmid"]


def natural(value: Any) -> tuple:
    text = str(value).strip() if value not in (None, "") else ""
    if not text:
        return (3, "", 0, "")
    match = _NUMBERED.fullmatch(text)
    if not match:
        return (2, text.lower(), 0, "")
    prefix, number, rest = match.groups()
    return (1 if prefix else 0, prefix.lower(), int(number), rest.lower())


def page_order(article: dict) -> tuple:
    return (article.get("year") or 0, natural(article.get("volume")), natural(article.get("issue")),
            natural(article.get("first_page") or article.get("pages")), article.get("title") or "")


def link(src: dict) -> str | None:
    """Where the article is: its DOI, else its PubMed record."""
    if src.get("doi"):
        return "https://doi.org/" + quote(src["doi"], safe="/:;()._-")
    if src.get("pmid"):
        return f"https://pubmed.ncbi.nlm.nih.gov/{quote(str(src['pmid']))}/"
    return None


def pages(src: dict) -> str | None:
    if src.get("pages"):
        return src["pages"]
    first, last = src.get("first_page"), src.get("last_page")
    return f"{first}-{last}" if first and last else first or None


def article(hit: dict, library: str) -> dict:
    """One entry of the table of contents; `resolver_url` opens the link resolver's menu for `library`."""
    src = hit["_source"]
    openurl = {"rft.genre": "article", "rft.atitle": src.get("title") or "", "rft.jtitle": src.get("journal") or "",
               "rft.issn": src.get("issn_l") or "", "rft.volume": src.get("volume") or "",
               "rft.issue": src.get("issue") or "", "rft.spage": src.get("first_page") or "",
               "rft.date": src.get("date") or src.get("year") or "", "library": library}
    if src.get("doi"):
        openurl["rft_id"] = f"info:doi/{src['doi']}"
    return {"id": hit["_id"], "title": src.get("title"), "authors": src.get("authors") or [],
            "pages": pages(src), "first_page": src.get("first_page"), "last_page": src.get("last_page"),
            "volume": src.get("volume"), "issue": src.get("issue"), "year": src.get("year"),
            "doi": src.get("doi"), "link": link(src),
            "resolver_url": "/openurl?" + urlencode({k: v for k, v in openurl.items() if v != ""})}


def contents(hits: list[dict], library: str) -> list[dict]:
    return sorted((article(h, library) for h in hits), key=page_order)
