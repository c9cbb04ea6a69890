"""``analyze()``: every index-time form of a string in one cached call."""

from __future__ import annotations

from functools import lru_cache
from typing import NamedTuple

from . import folding, romanize, segmentation
from .charclass import HAN_CHAR

# 50k entries: as fast as 200k on the reindex benchmark (20k was 6% slower), and a build worker
# holds ~100 MB less at the limit (measured by the reindex benchmark's worker PSS).
CACHE_SIZE = 50_000
# Longer strings (abstracts, notes) rarely repeat: they bypass the cache so it keeps titles,
# names, publishers and subject headings.
CACHE_MAX_LEN = 256


class Analysis(NamedTuple):
    """Immutable. ``seg``, ``py`` and ``pyi`` are space-joined token strings meant for
    Elasticsearch's ``whitespace`` analyzer (the standard tokenizer would re-split CJK words into
    single characters)."""

    folded: str  # fold(s)
    seg: str  # " ".join(segment(s, for_index=True))
    py: str  # " ".join(pinyin(s)); "" when s has no Han character
    pyi: str  # initials(s); "" when s has no Han character


def _analyze(s: str) -> Analysis:
    folded = folding.fold(s)
    tokens = segmentation.words(folded)
    seg = " ".join(segmentation.index_tokens(tokens))
    if HAN_CHAR.search(folded) is None:
        return Analysis(folded, seg, "", "")
    py, pyi = romanize.romanize_tokens(tokens)
    return Analysis(folded, seg, " ".join(py), pyi)


_cached = lru_cache(maxsize=CACHE_SIZE)(_analyze)


def analyze(s: str, *, pinyin: bool = True) -> Analysis:
    """fold/seg/py/pyi of s. Cached (LRU, CACHE_SIZE entries) for strings up to CACHE_MAX_LEN
    characters: a repeated string returns the very same Analysis object. `pinyin=False` leaves py
    and pyi empty for text nobody searches by pinyin (abstracts, contents notes): romanisation is
    the dearest step."""
    if len(s) <= CACHE_MAX_LEN:
        return _cached(s) if pinyin else _cached_plain(s)
    return _analyze(s) if pinyin else _analyze_plain(s)


def _analyze_plain(s: str) -> Analysis:
    folded = folding.fold(s)
    return Analysis(folded, " ".join(segmentation.index_tokens(segmentation.words(folded))), "", "")


_cached_plain = lru_cache(maxsize=CACHE_SIZE // 4)(_analyze_plain)


def cache_info():
    """functools cache statistics of analyze(): hits, misses, maxsize, currsize."""
    return _cached.cache_info()


def cache_clear() -> None:
    _cached.cache_clear()
    _cached_plain.cache_clear()


def warm_up() -> None:
    """Load OpenCC, the jieba dictionary and the pinyin tables now instead of on first use."""
    folding.warm_up()
    segmentation.warm_up()
    romanize.warm_up()
