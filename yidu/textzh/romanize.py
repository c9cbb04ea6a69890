"""Toneless pinyin and initials: ``pinyin()``, ``initials()``.

Readings come from pypinyin's data, loaded once into plain dicts of toneless syllables: its
per-character table (most frequent reading first) and its phrase table (47k phrases whose
reading differs from the per-character one). That is ~25x faster than pypinyin.lazy_pinyin and
agrees with it on 99.9% of syllables (benchmarks/textzh.py):

* Han text is cut into words (the same precise jieba cut as segment()); a word found in the
  phrase table takes the phrase reading (重庆 -> chong qing, 银行 -> yin hang, 音乐 -> yin yue);
  a longer unknown word is matched greedily, longest phrase first, against the phrase table
  (长安街 -> 长安 + 街, 放长线 -> 放 + 长线); the rest read character by character with the most
  frequent reading (沈 -> shen, 行 -> xing). Results are memoised per word.
* Syllables are toneless ASCII; ü is written ``v`` (绿 -> lv, 略 -> lve), as pypinyin's NORMAL
  style and most pinyin IMEs do, so every syllable is [a-z]+ and split_pinyin() round-trips.
  Interjection readings come out as n, ng, m (嗯 -> n).
* Han characters without any reading in the data are skipped; ASCII tokens (Latin words,
  numbers, c++) are kept in place, lowercased; tokens of other scripts are dropped.
"""

from __future__ import annotations

import importlib.util
import os
import threading
import unicodedata

from .folding import fold, t2s
from .segmentation import words

_lock = threading.Lock()
_chars: dict[str, str] | None = None  # 中 -> "zhong"
_phrases: dict[str, tuple[str, ...]] = {}  # 重庆 -> ("chong", "qing")
_max_phrase = 0


def toneless(syllable: str) -> str:
    """'lǜ' -> 'lv', 'zhōng' -> 'zhong', 'ê̄' -> 'e', 'ḿ' -> 'm'."""
    d = unicodedata.normalize("NFD", syllable).replace("u\u0308", "v")
    return "".join(c for c in d if not unicodedata.combining(c)).lower()


def _read_pypinyin_data() -> tuple[dict, dict]:
    """pypinyin's two tables. Read from its JSON files directly when present (importing the
    pypinyin package costs ~0.3 s more), else through its modules."""
    spec = importlib.util.find_spec("pypinyin")
    locations = list(spec.submodule_search_locations or []) if spec else []
    for loc in locations:
        p1 = os.path.join(loc, "pinyin_dict.json")
        p2 = os.path.join(loc, "phrases_dict.json")
        if os.path.isfile(p1) and os.path.isfile(p2):
            import orjson

            with open(p1, "rb") as f:
                chars = {int(k): v for k, v in orjson.loads(f.read()).items()}
            with open(p2, "rb") as f:
                phrases = orjson.loads(f.read())
            return chars, phrases
    from pypinyin.phrases_dict import phrases_dict  # pragma: no cover - other layouts
    from pypinyin.pinyin_dict import pinyin_dict  # pragma: no cover

    return pinyin_dict, phrases_dict  # pragma: no cover


def _load() -> None:
    global _chars, _phrases, _max_phrase
    with _lock:
        if _chars is not None:
            return
        raw_chars, raw_phrases = _read_pypinyin_data()
        memo: dict[str, str] = {}

        def tl(s: str) -> str:
            r = memo.get(s)
            if r is None:
                r = memo[s] = toneless(s)
            return r

        chars = {chr(cp): tl(v.split(",", 1)[0]) for cp, v in raw_chars.items()}
        phrases: dict[str, tuple[str, ...]] = {}
        for word, readings in raw_phrases.items():
            if len(word) < 2 or len(readings) != len(word):
                continue
            phrases[word] = tuple(tl(r[0]) for r in readings)
        # The input is folded (simplified). A simplified character missing from the table (529,
        # mostly extension B-H forms) inherits the reading of its traditional form. Phrases are
        # NOT carried over: t2s merges characters, and the traditional readings would be wrong
        # for common simplified words (特徵 tè zhǐ -> 特征, 拚命 pàn mìng -> 拼命).
        for c in list(chars):
            simp = t2s(c)
            if len(simp) == 1 and simp not in chars:
                chars[simp] = chars[c]
        _phrases = phrases
        _max_phrase = max(map(len, phrases))
        _chars = chars  # set last: it is the "loaded" flag


def _han_syllables(word: str, out: list[str]) -> None:
    """Readings of a Han word not in the phrase table: greedy longest phrase, else per character."""
    phrases = _phrases
    chars = _chars
    n = len(word)
    i = 0
    while i < n:
        for j in range(min(n, i + _max_phrase), i + 1, -1):
            syl = phrases.get(word[i:j])
            if syl is not None:
                out += syl
                i = j
                break
        else:
            r = chars.get(word[i])
            if r is not None:
                out.append(r)
            i += 1


# Per-word results, memoised: a catalogue's vocabulary is far smaller than its text. Bounded by
# refusing new entries once full (no eviction, so readers never race with deletions).
MEMO_LIMIT = 500_000
_memo: dict[str, tuple[tuple[str, ...], str]] = {}


def _word(w: str) -> tuple[tuple[str, ...], str]:
    """(syllables, initials) of one non-ASCII token."""
    r = _memo.get(w)
    if r is None:
        out: list[str] = []
        if len(w) == 1:
            c = _chars.get(w)
            if c is not None:
                out.append(c)
        else:
            syl = _phrases.get(w)
            if syl is not None:
                out += syl
            else:  # another script's word reads as nothing; so do unknown Han characters
                _han_syllables(w, out)
        r = (tuple(out), "".join(x[0] for x in out))
        if len(_memo) < MEMO_LIMIT:
            _memo[w] = r
    return r


def romanize_tokens(tokens: list[str]) -> tuple[list[str], str]:
    """(pinyin tokens, initials) of the precise tokens (segmentation.words) of a folded string."""
    if _chars is None:
        _load()
    out: list[str] = []
    ini: list[str] = []
    for w in tokens:
        if w.isascii():  # Latin word or number: kept whole; initial letter, or the whole number
            out.append(w)
            ini.append(w if w.isdigit() else w[0])
        else:
            syl, i = _word(w)
            out += syl
            ini.append(i)
    return out, "".join(ini)


def pinyin(s: str) -> list[str]:
    """Toneless syllables of the Han characters of fold(s), in order, with ASCII words and numbers
    kept as their own lowercased tokens: "'97中国发展报告" -> ["97","zhong","guo","fa","zhan",
    "bao","gao"]."""
    return romanize_tokens(words(fold(s)))[0]


def initials(s: str) -> str:
    """First letter of each syllable and of each Latin word; numbers whole: "中国发展报告" ->
    "zgfzbg", "Python编程" -> "pbc", "'97中国" -> "97zg"."""
    return romanize_tokens(words(fold(s)))[1]


def warm_up() -> None:
    if _chars is None:
        _load()
