"""The name extractor: names come out as small dicts rather than strings.

Names keep the cataloguer's role and, when the record gives it, the romanised form: CNMARC puts the
pinyin of a name in $A or $9; MARC 21 records from North American libraries put the romanised form
in the regular field and the original script in a linked 880.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from harvesters.marc.rules import RecordView, lookup
from harvesters.marc.transforms import strip_punctuation

def _sub(f: Any, codes: str) -> list[str]:
    return [v.strip() for c, v in (f.subfields or ()) if c in codes and v and v.strip()]


def _role(raw: list[str]) -> str | None:
    roles = lookup("roles")
    for r in raw:
        key = r.strip(" .,").lower()
        if key in roles:
            return roles[key]
    return raw[0].strip(" .,") if raw else None


@dataclass(frozen=True)
class Names:
    """Personal and corporate names from `tags`; `name` subfields joined, `role` from `role_codes`."""

    tags: tuple[str, ...]
    name_codes: str
    role_codes: str
    pinyin_codes: str = ""
    dates: str = ""
    join: str = " "

    @property
    def reads(self) -> frozenset[str]:
        return frozenset(t for tag in self.tags for t in (tag, "880:" + tag))

    def __call__(self, view: RecordView) -> list[dict]:
        out: list[dict] = []
        for tag in self.tags:
            linked = {self._link(f): f for f in view.fields("880:" + tag)}
            for f in view.fields(tag):
                out.append(self._name(f, linked.pop(self._link(f), None)))
            # 880s with no regular partner still name someone.
            out.extend(self._name(f, None) for f in linked.values())
        return [n for n in out if n.get("name")]

    @staticmethod
    def _link(f: Any) -> str:
        six = _sub(f, "6")
        return six[0][4:6] if six and len(six[0]) >= 6 else f"unlinked-{id(f)}"

    def _name(self, f: Any, original: Any | None) -> dict:
        name = self._join(f)
        entry: dict[str, Any] = {"name": name}
        role = _role(_sub(f, self.role_codes))
        if role:
            entry["role"] = role
        dates = _sub(f, self.dates) if self.dates else []
        if dates:
            entry["dates"] = dates[0].strip(" ,.")
        pinyin = " ".join(_sub(f, self.pinyin_codes)) if self.pinyin_codes else ""
        if original is not None:
            entry["name"], pinyin = self._join(original), pinyin or name
        if pinyin:
            entry["romanized"] = pinyin
        return entry

    def _join(self, f: Any) -> str:
        parts = _sub(f, self.name_codes)
        if self.join == ", " and len(parts) >= 2:  # UNIMARC $a entry element, $b rest of name
            return _clean(f"{parts[0]}, {' '.join(parts[1:])}")
        return _clean(" ".join(parts))


def _clean(name: str) -> str:
    cleaned = strip_punctuation([name])
    return cleaned[0] if cleaned else ""
