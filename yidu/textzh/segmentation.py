"""Word segmentation: ``segment()``.

Han runs are cut by rjieba (the Rust port of jieba: same algorithm, same dictionary, same
tokens as jieba on Han text, ~20x faster; see benchmarks/textzh.py); everything else is cut by a
Unicode word regex (letters/digits/marks of any script, so Latin words come out whole and
lowercased, Cyrillic or Thai words too). Tokens that are only whitespace or punctuation never
come out.

* precise mode (``for_index=False``, queries): jieba's precise cut with HMM for unknown words.
* index mode (``for_index=True``): jieba's search-engine mode, computed here from the precise
  cut: a Han word longer than 2 is preceded by its 2-character and then 3-character sub-words that
  are dictionary words (中华人民共和国 -> 中华 华人 人民 共和 共和国 中华人民共和国). This equals
  rjieba.cut_for_search on Han text, and lets analyze() reuse one precise cut for both the
  index tokens and pinyin.
"""

from __future__ import annotations

import threading

from .charclass import HAN_CHAR, token_regex
from .folding import fold

HMM = True  # jieba's HMM joins unknown characters into words (names); the same on both sides

_lock = threading.Lock()
_cut = None  # rjieba.cut
_has_word = None  # rjieba.has_word
_findall = None  # token_regex().findall


def _load() -> None:
    global _cut, _has_word, _findall
    with _lock:
        if _cut is not None:
            return
        import rjieba  # builds its dictionary on import (~80 ms)

        _findall = token_regex().findall
        _has_word = rjieba.has_word
        _cut = rjieba.cut  # set last: it is the "loaded" flag


def words(folded: str) -> list[str]:
    """Precise-mode tokens of an already folded string.

    A token is either a Han word (only Han characters) or a word of another script (no Han
    character at all), so ``w.isascii()`` or one character test tells them apart."""
    if _cut is None:
        _load()
    out: list[str] = []
    cut = _cut
    for han, word in _findall(folded):
        if han:
            out += cut(han, HMM)
        else:
            out.append(word)
    return out


# Sub-words of long words, memoised per word (bounded, no eviction: see romanize.MEMO_LIMIT).
MEMO_LIMIT = 500_000
_subwords: dict[str, tuple[str, ...]] = {}


def _sub(w: str) -> tuple[str, ...]:
    """Dictionary 2-grams then 3-grams of a Han word longer than 2 (jieba's cut_for_search rule)."""
    r = _subwords.get(w)
    if r is None:
        has_word = _has_word
        n = len(w)
        grams = [w[i : i + 2] for i in range(n - 1)]
        if n > 3:
            grams += [w[i : i + 3] for i in range(n - 2)]
        r = tuple(g for g in grams if has_word(g))
        if len(_subwords) < MEMO_LIMIT:
            _subwords[w] = r
    return r


def index_tokens(tokens: list[str]) -> list[str]:
    """Search-engine mode from precise tokens: the dictionary 2- and 3-character sub-words of a Han
    word longer than 2 come before it."""
    out: list[str] = []
    for w in tokens:
        if len(w) > 2 and not w.isascii() and HAN_CHAR.match(w) is not None:
            out += _sub(w)
        out.append(w)
    return out


def segment(s: str, *, for_index: bool = False) -> list[str]:
    """Words of fold(s) (segment folds its input itself; passing folded text is fine too since
    fold is idempotent). for_index=True adds the sub-words of long words (search-engine mode)."""
    tokens = words(fold(s))
    if for_index:
        return index_tokens(tokens)
    return tokens


def warm_up() -> None:
    if _cut is None:
        _load()
