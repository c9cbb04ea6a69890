"""Highlighting computed in Python on the display values.

Elasticsearch could highlight `title_t`, but that is the folded form: a traditional-script record would show
its title in simplified characters, lower-cased, without full-width punctuation. So we fold the display
value character by character, keep where each folded character came from, find the query's folded terms
there, and mark the ORIGINAL characters: 紅樓夢 stays 紅樓夢 with 紅樓夢 marked for the query 红楼梦.
The output is HTML-escaped text with <mark> around the matches.
"""
from __future__ import annotations

import html
import re
from functools import lru_cache

from query.parse import Node, Phrase, Text, walk
from yidu import textzh

MAX_TERMS = 24


@lru_cache(maxsize=20000)
def _fold_char(c: str) -> str:
    return " " if c.isspace() else textzh.fold(c)


def terms(tree: Node | None) -> list[str]:
    """The folded strings worth marking: the words of text runs (and the whole run when it is Chinese),
    and phrases. Longest first, so that a longer match wins over its parts."""
    if tree is None:
        return []
    out: set[str] = set()
    for leaf in walk(tree):
        if isinstance(leaf, Text) and leaf.field in (None, "title", "author", "subject", "publisher"):
            words = textzh.segment(leaf.text)
            out.update(words)
            folded = textzh.fold(leaf.text)
            if textzh.has_cjk(folded):
                out.add(folded.replace(" ", ""))
        elif isinstance(leaf, Phrase):
            out.add(textzh.fold(leaf.text))
    # single Han characters only when nothing longer was asked (they would light up everywhere)
    longer = any(len(t) > 1 for t in out)
    kept = [t for t in out if t and (len(t) > 1 or not longer or not textzh.has_cjk(t))]
    return sorted(kept, key=lambda t: (-len(t), t))[:MAX_TERMS]


def _spans(text: str, wanted: list[str]) -> list[tuple[int, int]]:
    folded: list[str] = []
    origin: list[int] = []  # folded character -> index in `text`
    for i, c in enumerate(text):
        for f in _fold_char(c):
            folded.append(f)
            origin.append(i)
    s = "".join(folded)
    marked = [False] * len(text)
    for term in wanted:
        latin = term.isascii()
        pattern = re.compile((r"(?<![0-9a-z])" + re.escape(term) + r"(?![0-9a-z])") if latin else re.escape(term))
        for m in pattern.finditer(s):
            for k in range(m.start(), m.end()):
                marked[origin[k]] = True
    spans, start = [], None
    for i, on in enumerate(marked + [False]):
        if on and start is None:
            start = i
        elif not on and start is not None:
            spans.append((start, i))
            start = None
    return spans


def mark(text: str | None, wanted: list[str]) -> str | None:
    """`text` HTML-escaped with <mark> around what matches; None when nothing matches."""
    if not text or not wanted:
        return None
    spans = _spans(text, wanted)
    if not spans:
        return None
    out, at = [], 0
    for a, b in spans:
        out.append(html.escape(text[at:a]))
        out.append(f"<mark>{html.escape(text[a:b])}</mark>")
        at = b
    out.append(html.escape(text[at:]))
    return "".join(out)


def highlight_hit(hit: dict, wanted: list[str]) -> dict[str, object]:
    """Highlights for the display fields of one hit (title, subtitle, authors); only fields that match."""
    out: dict[str, object] = {}
    for name in ("title", "subtitle"):
        marked = mark(hit.get(name), wanted)
        if marked:
            out[name] = marked
    authors = [mark(a, wanted) for a in hit.get("authors") or []]
    if any(authors):
        out["authors"] = [m or html.escape(a) for m, a in zip(authors, hit["authors"])]
    return out
