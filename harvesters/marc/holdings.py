"""Holdings: which fields of a record say where its copies are, configurable per library.

Libraries encode holdings differently (852/866 in MARC 21, 905 in CNMARC, Alma AVA, Koha 952,
Sirsi 999 ...). A *profile* says how one kind of field reads; the profile table (a data file) says
which profiles apply to each flavour and, per library, overrides them.
"""
from __future__ import annotations

from dataclasses import dataclass, fields as dc_fields
from importlib import resources
from pathlib import Path
from typing import Any

import orjson

from harvesters.errors import HarvestError
from harvesters.marc.rules import RecordView


def _sub(f: Any, codes: str) -> list[str]:
    return [v.strip() for c, v in (f.subfields or ()) if c in codes and v and v.strip()]


@dataclass(frozen=True)
class Profile:
    """How one kind of holdings field reads."""

    tag: str
    institution: str = ""
    location: str = ""
    call_number: tuple[str, ...] = ()  # alternatives: the first that yields wins, e.g. ("s", "de")
    barcode: str = ""
    summary: str = ""
    note: str = ""
    call_join: str = " "

    def extract(self, view: RecordView) -> list[dict]:
        out = []
        for f in view.fields(self.tag):
            h: dict[str, Any] = {"field": self.tag}
            for key in ("institution", "location", "barcode", "summary", "note"):
                codes = getattr(self, key)
                values = _sub(f, codes) if codes else []
                if values:
                    h[key] = " ".join(values)
            for codes in self.call_number:
                call = _sub(f, codes)
                if call:
                    h["call_number"] = self.call_join.join(call)
                    break
            out.append(h)
        return out


class HoldingsProfiles:
    """The profile table: `for_library(flavour, library)` -> the profiles to apply."""

    def __init__(self, table: dict):
        known = {f.name for f in dc_fields(Profile)}
        try:
            self.profiles = {
                name: Profile(**{k: tuple(v) if k == "call_number" else v for k, v in spec.items() if k in known})
                for name, spec in table["profiles"].items()
            }
            self.defaults = {flavour: tuple(names) for flavour, names in table["defaults"].items()}
            self.libraries = {code: {f: tuple(n) for f, n in v.items()} for code, v in table.get("libraries", {}).items()}
        except (KeyError, TypeError, AttributeError) as exc:
            raise HarvestError(f"holdings profile table is malformed: {exc!r}") from None
        for names in [*self.defaults.values(), *(n for v in self.libraries.values() for n in v.values())]:
            missing = [n for n in names if n not in self.profiles]
            if missing:
                raise HarvestError(f"holdings profile table names unknown profiles {missing}")

    @classmethod
    def shipped(cls) -> "HoldingsProfiles":
        text = resources.files("harvesters.marc").joinpath("lookups", "holdings_profiles.json").read_bytes()
        return cls(orjson.loads(text))

    @classmethod
    def from_file(cls, path: Path) -> "HoldingsProfiles":
        try:
            return cls(orjson.loads(Path(path).read_bytes()))
        except (OSError, orjson.JSONDecodeError) as exc:
            raise HarvestError(f"cannot read holdings profiles {path}: {exc}") from None

    def for_library(self, flavour: str, library: str) -> tuple[Profile, ...]:
        names = self.libraries.get(library, {}).get(flavour) or self.defaults.get(flavour, ())
        return tuple(self.profiles[n] for n in names)

    def extract(self, view: RecordView, flavour: str, library: str) -> list[dict]:
        out: list[dict] = []
        for profile in self.for_library(flavour, library):
            out.extend(profile.extract(view))
        return out
