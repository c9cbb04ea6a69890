"""Suggestions: "did you mean" for queries with few hits, and autocomplete as the reader types.

Did you mean (one extra round trip, only when a query finds fewer than FEW_HITS records nationally):
  * Chinese: homophones are the common typo (中国发展保告 for 中国发展报告): the query's pinyin is matched as a
    phrase against `title_py`, and the stretch of a found title that reads the same is proposed;
  * Western: Elasticsearch's phrase suggester on `title_t` corrects misspelt words (strcture -> structure).
Autocomplete (one round trip): the completion suggester on the catalogue's `suggest` field (inputs: title,
folded title, joined pinyin and initials), fuzzy for typos, plus names and subjects that start with what
was typed (phrase-prefix on `authors_t`/`subjects_t`, prefix on the pinyin forms).
"""
from __future__ import annotations

import re
from typing import Any

from query.parse import Node, Text, walk
from yidu import textzh

FEW_HITS = 3
MAX_SUGGEST_INPUT = 80
_HAN = re.compile(r"[\u3400-\u9fff]")


def plain_text(tree: Node | None) -> str | None:
    """The query's text when it is a single unfielded text run (the only kind worth correcting)."""
    if isinstance(tree, Text) and tree.field is None:
        return tree.text
    leaves = list(walk(tree)) if tree is not None else []
    texts = [leaf.text for leaf in leaves if isinstance(leaf, Text) and leaf.field is None]
    return " ".join(texts) if texts and len(texts) == len(leaves) else None


def did_you_mean_body(text: str) -> dict[str, Any] | None:
    folded = textzh.fold(text)
    if not folded:
        return None
    body: dict[str, Any] = {"size": 0, "track_total_hits": False}
    if textzh.has_cjk(folded):
        syllables = textzh.pinyin(folded)
        if len(syllables) < 2:
            return None
        body.update(size=5, _source=["title", "subtitle"],
                    query={"match_phrase": {"title_py": " ".join(syllables)}})
    else:
        body["suggest"] = {"text": folded, "words": {"phrase": {
            "field": "title_t", "size": 1, "max_errors": 2, "confidence": 0.5,
            "direct_generator": [{"field": "title_t", "suggest_mode": "always", "min_word_length": 3}]}}}
    return body


def pick_did_you_mean(text: str, raw: dict) -> str | None:
    folded = textzh.fold(text)
    if textzh.has_cjk(folded):
        wanted = textzh.pinyin(folded)
        for hit in raw.get("hits", {}).get("hits", []):
            for field in ("title", "subtitle"):
                found = _same_reading(hit.get("_source", {}).get(field) or "", wanted)
                if found and found != folded.replace(" ", ""):
                    return found
        return None
    for option in raw.get("suggest", {}).get("words", [{}])[0].get("options", []):
        if option["text"] != folded:
            return option["text"]
    return None


def _same_reading(title: str, syllables: list[str]) -> str | None:
    """The stretch of `title` (folded) whose Han characters read as `syllables`."""
    han = "".join(_HAN.findall(textzh.fold(title)))
    n = len(syllables)
    for i in range(len(han) - n + 1):
        window = han[i:i + n]
        if textzh.pinyin(window) == syllables:
            return window
    return None


# --- autocomplete ----------------------------------------------------------------------------------------
def autocomplete_body(prefix: str, size: int = 8) -> dict[str, Any] | None:
    typed = prefix.strip()[:MAX_SUGGEST_INPUT]
    folded = textzh.fold(typed)
    if not folded:
        return None
    squeezed = folded.replace(" ", "")
    # pinyin and initials inputs are stored joined (zhongguofazhan, zgfzbg): so is what is typed
    inputs = list(dict.fromkeys([typed, folded, squeezed] if textzh.split_pinyin(typed) or
                                textzh.looks_like_initials(typed) else [typed, folded]))
    suggest: dict[str, Any] = {}
    for i, text in enumerate(inputs):
        suggest[f"exact{i}"] = {"prefix": text, "completion": {"field": "suggest", "size": size,
                                                                 "skip_duplicates": True}}
        if len(text) >= 4:  # one typo allowed once there is enough to go on; listed after exact matches
            suggest[f"fuzzy{i}"] = {"prefix": text, "completion": {
                "field": "suggest", "size": size, "skip_duplicates": True,
                "fuzzy": {"fuzziness": 1, "prefix_length": 1}}}
    # names, subjects, and titles through their pinyin forms: the completion inputs carry the pinyin of the
    # whole title ('97中国发展报告 -> 97zgfzbg), `title_pyi`/`title_py` also the Chinese part alone (zgfzbg)
    should: list[dict] = [
        {"match_phrase_prefix": {"title_t": {"query": folded, "max_expansions": 20}}},
        {"match_phrase_prefix": {"authors_t": {"query": folded, "max_expansions": 20, "boost": 3}}},
        {"match_phrase_prefix": {"subjects_t": {"query": folded, "max_expansions": 20, "boost": 2}}},
    ]
    syllables = textzh.split_pinyin(typed)
    if syllables:
        phrase = " ".join(syllables)
        should += [{"match_phrase_prefix": {"authors_py": {"query": phrase, "max_expansions": 20,
                                                           "boost": 3}}},
                   {"match_phrase_prefix": {"title_py": {"query": phrase, "max_expansions": 20}}}]
    initials = squeezed.lower()
    if textzh.looks_like_initials(typed) or (typed.isascii() and typed.isalpha() and len(typed) <= 6):
        should += [{"prefix": {"authors_pyi": {"value": initials, "boost": 3}}},
                   {"prefix": {"title_pyi": {"value": initials}}}]
        if len(initials) >= 4:
            should.append({"fuzzy": {"title_pyi": {"value": initials, "fuzziness": 1, "prefix_length": 1}}})
    return {"size": 20, "_source": ["title", "authors", "subjects", "subject_facet"], "track_total_hits": False,
            "query": {"bool": {"should": should, "minimum_should_match": 1}}, "suggest": suggest}


def shape_autocomplete(prefix: str, raw: dict, size: int = 8) -> list[dict]:
    """[{text, kind: title|author|subject, id?}]: titles that start with what was typed, then names and
    subjects (a few places are kept for them), then titles reached through one typo."""
    def titles(kind: str) -> list[dict]:
        options = [o for name, entries in raw.get("suggest", {}).items() if name.startswith(kind)
                   for entry in entries for o in entry.get("options", [])]
        options.sort(key=lambda o: -o.get("_score", 0))
        return [{"text": o.get("_source", {}).get("title") or o["text"], "kind": "title", "id": o.get("_id")}
                for o in options]

    folded = textzh.fold(prefix)
    syllables = textzh.split_pinyin(prefix) or []
    initials = prefix.strip().lower()
    names: list[dict] = []
    subjects: list[dict] = []
    pinyin_titles: list[dict] = []
    typo_titles: list[dict] = []
    for hit in raw.get("hits", {}).get("hits", []):
        src = hit.get("_source", {})
        # which clause matched is decided here, not by named queries (a prefix query that rewrites to
        # nothing drops every hit's matched_queries on 9.2)
        title = src.get("title")
        if title and _starts(title, folded, syllables, initials):
            pinyin_titles.append({"text": title, "kind": "title", "id": hit["_id"]})
        elif title and initials and _near(title, initials):
            typo_titles.append({"text": title, "kind": "title", "id": hit["_id"]})
        names += [{"text": a, "kind": "author"} for a in src.get("authors", [])
                  if _starts(a, folded, syllables, initials)]
        subjects += [{"text": s, "kind": "subject"} for s in src.get("subject_facet", []) or src.get("subjects", [])
                     if _starts(s, folded, [], "")]
    others = _unique(names)[:3] + _unique(subjects)[:2]
    exact = _unique(titles("exact") + pinyin_titles)[: max(size - len(others), size // 2)]
    return _unique(exact + others + titles("fuzzy") + typo_titles)[:size]


def _unique(items: list[dict]) -> list[dict]:
    seen: set[tuple[str, str]] = set()
    out = []
    for item in items:
        key = (item["kind"], textzh.fold(item["text"]))
        if item["text"] and key not in seen:
            seen.add(key)
            out.append(item)
    return out


def _readings(value: str) -> tuple[list[str], list[str]]:
    """Pinyin syllables and initials of a value, with and without what precedes the Chinese ('97)."""
    analysis = textzh.analyze(value)
    han = "".join(_HAN.findall(analysis.folded))
    syllables = [analysis.py.split(), textzh.pinyin(han) if han else []]
    initials = [analysis.pyi, textzh.initials(han) if han else ""]
    return [s for s in syllables if s], [i for i in initials if i]


def _starts(value: str, folded: str, syllables: list[str], initials: str) -> bool:
    own = textzh.fold(value).replace(" ", "")
    typed = folded.replace(" ", "")
    if own.startswith(typed):
        return True
    if _HAN.fullmatch(typed[:1] or "x") and "".join(_HAN.findall(own)).startswith(typed):
        return True  # '97中国发展报告 for 中国发展: what precedes the Chinese is skipped
    readings, shorts = _readings(value)
    n = len(syllables)
    if syllables and any(r[: n - 1] == syllables[:-1] and len(r) >= n and r[n - 1].startswith(syllables[-1])
                         for r in readings):  # the last syllable may be half typed (li ru -> li rui)
        return True
    return bool(initials) and any(i.startswith(initials) for i in shorts)


def _near(value: str, initials: str) -> bool:
    """One typo away from the start of the value's initials (zggfzbg for zgfzbg...)."""
    _, shorts = _readings(value)
    return any(_distance(i[: len(initials) + d], initials) <= 1 for i in shorts for d in (-1, 0, 1))


def _distance(a: str, b: str) -> int:
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]
