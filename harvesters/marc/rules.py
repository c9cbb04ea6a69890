"""A declarative MARC mapping engine in the manner of traject.

A mapping is a table of `Rule(field, extractor, transforms)`. The extractor pulls strings (or small
dicts) out of a record by a compact spec such as "245abnp:246ab" or "008[35-37]"; the transforms
clean and convert them, in order. Format tables (marc21.py, cnmarc.py) are just lists of rules;
lookup tables are data files read by `lookup()`.

The engine reads records through a small interface that both pymarc.Record and the reader's light
records satisfy: `.leader` (str-like), `.fields` (each with `.tag`, and either `.data` for control
fields or `.indicators` / `.subfields` as (code, value) pairs).
"""
from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field as dc_field
from functools import lru_cache
from importlib import resources
from typing import Any, Callable, Iterable, Sequence

Value = Any  # str, or a dict for structured values such as names and holdings
Transform = Callable[[list[Value]], list[Value]]

_SPEC = re.compile(r"^(LDR|\d{3})(?:\[(\d+)(?:-(\d+))?\]|([0-9a-zA-Z]*))$")


class RecordView:
    """One pass over a record's fields, indexed by tag; 880s also under "880:<linked tag>"."""

    __slots__ = ("leader", "by_tag")

    def __init__(self, record: Any):
        self.leader = str(record.leader or "")
        by_tag: dict[str, list[Any]] = {}
        for f in record.fields:
            by_tag.setdefault(f.tag, []).append(f)
            if f.tag == "880":
                link = next((v for c, v in _pairs(f) if c == "6"), "")
                if len(link) >= 3:
                    by_tag.setdefault("880:" + link[:3], []).append(f)
        self.by_tag = by_tag

    def fields(self, tag: str) -> list[Any]:
        return self.by_tag.get(tag, [])

    def control(self, tag: str) -> str:
        fields = self.by_tag.get(tag)
        return (getattr(fields[0], "data", "") or "") if fields else ""


def _pairs(f: Any) -> Iterable[tuple[str, str]]:
    return f.subfields or ()


@dataclass(frozen=True)
class Spec:
    tag: str
    codes: frozenset[str] | None = None  # None: all subfields
    start: int | None = None  # byte range of a control field or the leader
    end: int | None = None
    alt_key: str = ""  # where RecordView files the 880s linked to this tag

    def __post_init__(self) -> None:
        object.__setattr__(self, "alt_key", "880:" + self.tag)

    @classmethod
    def parse(cls, text: str) -> "Spec":
        m = _SPEC.match(text.strip())
        if not m:
            raise ValueError(f"bad MARC spec {text!r}")
        tag, start, end, codes = m.groups()
        if start is not None:
            s = int(start)
            return cls(tag, None, s, int(end) + 1 if end else s + 1)
        return cls(tag, frozenset(codes) if codes else None)


@dataclass(frozen=True)
class Extract:
    """Extract strings by spec(s). `alt` chooses how 880 original-script fields are used:
    "both" (default), "only" (just the 880s), "none", or "prefer" (the 880s when present)."""

    specs: tuple[Spec, ...]
    join: str = " "
    separate: bool = False
    alt: str = "both"
    ind1: str | None = None  # keep only fields whose first indicator is in this string
    ind2: str | None = None

    @property
    def reads(self) -> frozenset[str] | None:
        """Tags (and 880 link keys) this extractor reads; None when it reads the leader."""
        if any(spec.tag == "LDR" for spec in self.specs):
            return None
        return frozenset(t for spec in self.specs for t in (spec.tag, spec.alt_key))

    def __call__(self, view: RecordView) -> list[Value]:
        out: list[Value] = []
        by_tag = view.by_tag
        for spec in self.specs:
            if spec.tag == "LDR":
                out.append(view.leader[spec.start:spec.end])
                continue
            regular = by_tag.get(spec.tag)
            linked = by_tag.get(spec.alt_key) if self.alt != "none" else None
            if not regular and not linked:
                continue  # most specs name tags a record does not have: keep that path short
            for f in self._choose(regular or [], linked or []):
                out.extend(self._values(f, spec))
        return out

    def _choose(self, regular: list[Any], linked: list[Any]) -> list[Any]:
        if self.alt == "only" or (self.alt == "prefer" and linked):
            chosen = linked
        else:
            chosen = regular + linked if linked else regular
        if self.ind1 is not None or self.ind2 is not None:
            chosen = [f for f in chosen if _indicator_ok(f, self.ind1, self.ind2)]
        return chosen

    def _values(self, f: Any, spec: Spec) -> list[str]:
        data = getattr(f, "data", None)
        if data is not None and not getattr(f, "subfields", None):
            if spec.start is None:
                return [data]
            part = data[spec.start:spec.end]
            return [part] if part.strip() else []
        codes = spec.codes
        parts = [v for c, v in f.subfields if v and c != "6" and (codes is None or c in codes)]
        if self.separate:
            return parts
        return [self.join.join(parts)] if parts else []


def _indicator_ok(f: Any, ind1: str | None, ind2: str | None) -> bool:
    inds = getattr(f, "indicators", None) or (" ", " ")
    i1, i2 = (inds[0] or " "), (inds[1] or " ")
    return (ind1 is None or i1 in ind1) and (ind2 is None or i2 in ind2)


def marc(spec: str, **options: Any) -> Extract:
    """`marc("245ab:246ab", join=" ")`: the traject-style extractor."""
    return Extract(tuple(Spec.parse(s) for s in spec.split(":")), **options)


@dataclass(frozen=True)
class Rule:
    field: str
    extract: Callable[[RecordView], list[Value]]
    transforms: tuple[Transform, ...] = ()
    # "list": keep all values; "one": first value or None
    shape: str = "list"


@dataclass
class Mapping:
    """A format's table of rules. `map()` returns a dict of field -> value(s); empty fields are omitted."""

    name: str
    rules: Sequence[Rule]
    post: Sequence[Callable[[dict, RecordView], None]] = dc_field(default_factory=tuple)

    def __post_init__(self) -> None:
        # Most rules name tags a given record lacks: knowing each rule's tags lets map() skip them.
        self._tags = [getattr(rule.extract, "reads", None) for rule in self.rules]

    def map(self, record: Any) -> dict[str, Any]:
        view = record if isinstance(record, RecordView) else RecordView(record)
        present = view.by_tag.keys()
        out: dict[str, Any] = {}
        for rule, tags in zip(self.rules, self._tags):
            if tags is not None and present.isdisjoint(tags):
                continue
            values = rule.extract(view)
            for t in rule.transforms:
                if not values:
                    break
                values = t(values)
            if not values:
                continue
            if rule.shape == "one":
                out.setdefault(rule.field, values[0])
            else:
                existing = out.get(rule.field)
                out[rule.field] = existing + [v for v in values if v not in existing] if existing else values
        for step in self.post:
            step(out, view)
        return out


@lru_cache(maxsize=None)
def lookup(name: str, column: int = 1) -> dict[str, str]:
    """A lookup table shipped as harvesters/marc/lookups/<name>.tsv: key <TAB> value [<TAB> value...]."""
    text = resources.files("harvesters.marc").joinpath("lookups", f"{name}.tsv").read_text("utf-8")
    table: dict[str, str] = {}
    for row in csv.reader(text.splitlines(), delimiter="\t"):
        if row and not row[0].startswith("#") and len(row) > column:
            table[row[0]] = row[column]
    return table
