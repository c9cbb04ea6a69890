"""Journal and book titles as match keys.

Identifiers decide first; titles decide when a citation has none, or when its identifiers point at
different journals. A key is the search-normal form (`yidu.textzh.fold`: width, case, diacritics,
traditional -> simplified) without punctuation, leading articles or the aggregator suffixes
knowledge bases append ("Bulletin of Medieval Canon Law (via Hein Online)").
"""
from __future__ import annotations

import re

from yidu.textzh.folding import fold

_VIA = re.compile(r"\s*[(\[]\s*(?:via|formerly|früher|ehemals|continued|continues)\b[^)\]]*[)\]]\s*", re.IGNORECASE)
_PUNCT = re.compile(r"[^\w\s]+")
_ARTICLE = re.compile(r"^(?:the|a|an|der|die|das|le|la|les|l)\s+")
_SPACES = re.compile(r"\s+")


def title_key(title: str | None) -> str:
    """The match key of a title ("" for none): "The Journal of Physiology (via EBSCO)" ->
    "journal of physiology"; "中國社會科學" -> "中国社会科学"."""
    if not title:
        return ""
    text = _VIA.sub(" ", title)
    text = fold(text).replace("&", " and ")
    text = _SPACES.sub(" ", _PUNCT.sub(" ", text)).strip()
    return _ARTICLE.sub("", text)


def similar(a: str, b: str) -> bool:
    """Whether two title keys plausibly name the same journal: equal, one containing the other, or
    sharing at least half of their words (Han text: of their characters)."""
    if not a or not b:
        return False
    if a == b or a in b or b in a:
        return True
    wa, wb = _units(a), _units(b)
    common = len(wa & wb)
    return common * 2 >= min(len(wa), len(wb)) and common >= 2


def _units(key: str) -> set[str]:
    words = key.split()
    if len(words) <= 2 and any("\u4e00" <= ch <= "\u9fff" for ch in key):
        return set(key.replace(" ", ""))
    return set(words)
