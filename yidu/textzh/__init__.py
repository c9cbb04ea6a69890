"""Chinese (and Western) text analysis done in Python, for index time and query time alike.

The Elasticsearch node runs without analysis plugins or the analysis-common module, so
everything beyond the core analyzers happens here, and both sides must call these functions:

* ``fold(s)``: search-normal form: NFKC (full-width -> half-width), casefold, Latin diacritics
  removed, whitespace collapsed and removed between ideographs, traditional -> simplified
  (OpenCC t2s). Idempotent. (``folding``)
* ``segment(s, for_index=False)``: words of fold(s) by jieba (rjieba) for Han text and a Unicode
  word regex for the rest; ``for_index=True`` adds sub-words of long words. (``segmentation``)
* ``pinyin(s)``, ``initials(s)``: toneless syllables (ü as v) and their initials. (``romanize``)
* ``split_pinyin(s)``, ``pinyin_readings(s)``, ``looks_like_initials(s)``: reading a user's pinyin input. (``syllables``)
* ``analyze(s)``: folded/seg/py/pyi at once, LRU-cached. (``analysis``)
* ``has_cjk(s)``, ``warm_up()``.

Every function takes raw text and folds it itself. Dictionaries load lazily, once, under a lock
(thread-safe); ``warm_up()`` loads them eagerly. Deterministic: no randomness, no user
dictionary, fixed library versions (pyproject pins jieba/rjieba/OpenCC/pypinyin ranges).

Mapping note: index ``seg``/``py`` with the ``whitespace`` analyzer (tokens are already folded;
``standard`` would split Chinese words into single characters), ``pyi`` as ``keyword``, and
``folded`` with ``standard`` for single-character recall.
"""

from __future__ import annotations

from .analysis import Analysis, analyze, cache_clear, cache_info, warm_up
from .folding import fold, has_cjk
from .romanize import initials, pinyin
from .segmentation import segment
from .syllables import SYLLABLES, looks_like_initials, pinyin_readings, split_pinyin

__all__ = [
    "Analysis",
    "SYLLABLES",
    "analyze",
    "cache_clear",
    "cache_info",
    "fold",
    "has_cjk",
    "initials",
    "looks_like_initials",
    "pinyin",
    "segment",
    "split_pinyin",
    "pinyin_readings",
    "warm_up",
]
