"""Interface text in Chinese and English from a message catalogue (api/messages.json), and the choice of
language: the `lang` parameter, else the `lang` cookie, else the browser's Accept-Language."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import orjson

CATALOGUE = Path(__file__).resolve().parent / "messages.json"
LANGS = ("zh", "en")
DEFAULT = "zh"


@lru_cache(maxsize=1)
def catalogue() -> dict[str, dict[str, str]]:
    return orjson.loads(CATALOGUE.read_bytes())


class Messages:
    def __init__(self, lang: str):
        self.lang = lang if lang in LANGS else DEFAULT
        self._table = catalogue()[self.lang]
        self._fallback = catalogue()[DEFAULT]

    def __call__(self, key: str, **values) -> str:
        text = self._table.get(key) or self._fallback.get(key) or key
        return text.format(**values) if values else text


def choose(param: str | None, cookie: str | None, accept_language: str | None) -> str:
    for given in (param, cookie):
        if given in LANGS:
            return given
    return _from_header(accept_language or "")


def _from_header(header: str) -> str:
    """The first of zh/en the browser prefers (by q value); zh when it names neither."""
    ranked = []
    for i, part in enumerate(header.split(",")):
        tag, _, params = part.strip().partition(";")
        q = 1.0
        if params.strip().startswith("q="):
            try:
                q = float(params.strip()[2:])
            except ValueError:
                q = 0.0
        ranked.append((-q, i, tag.strip().lower()[:2]))
    for _, _, tag in sorted(ranked):
        if tag in LANGS:
            return tag
    return DEFAULT
