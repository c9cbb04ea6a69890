"""Metadata formats -> `Thesis` records (or a `MappingError` saying why the record cannot be one).

The format is recognised from the metadata element itself (its namespace, else its local name), not from
the metadataPrefix the source asked for, so a repository calling ETD-MS "etdms", "etd_ms" or "ETD-MS"
reads the same:

| format | recognised by | read |
|---|---|---|
| Dublin Core (oai_dc, and containers of DC elements such as nsdl_dc) | oai_dc namespace, `<dc>`, or DC-namespace children | title, creator, contributor, subject, description, publisher, date, type, identifier, language, relation |
| ETD-MS 1.0 / 1.1 | `http://www.ndltd.org/standards/metadata/etdms/1.x/`, `<thesis>` | the DC part plus thesis.degree name / level / discipline / grantor, contributor roles |
| MARCXML | MARC21 slim namespace, `<record>` with a leader | the catalogue's MARC rules (`harvesters.marc.mapper`), plus 502 (MARC 21) / 328 (CNMARC) dissertation notes, 856 links, 024 DOIs |

Anything else (arXiv, DataCite, oai_doaj...) is rejected: "unsupported metadata format".

**Which records are theses** (an OAI-PMH source feeds the theses index):
- Dublin Core / ETD-MS: a record is kept unless it clearly is not a thesis. Each type value is looked up in
  `lookups/thesis_types.tsv` (thesis / not_thesis / silent); a degree statement (degree element, type, or a
  short description such as "Master of Public Health") also counts as thesis evidence. A record with thesis
  evidence is a thesis; a record whose types are all silent (or absent: "text", "info:eu-repo/semantics/other")
  is a thesis because its source is a thesis source; a record with only not-a-thesis types is rejected with
  "not a thesis (dc:type Article, ...)". ETD-MS records are theses by schema unless their type says otherwise.
- MARCXML: MARC has its own thesis markers and cataloguing rules require them, so a MARC record is a thesis
  only with one of: a dissertation note (502 / CNMARC 328), nature of contents 'm' (MARC 21 008/24-27 of a
  book, CNMARC 105 $a/4-7), or a thesis genre (655 / CNMARC 608). Otherwise: "not a thesis (MARC ...)".
- Every format: a record without a title is rejected ("no title").

Degree levels come from `lookups/degrees.tsv` (doctoral / master / bachelor; "unknown" when nothing says),
languages from `lookups/languages.tsv` (MARC codes: chi, eng, fre...).
"""
from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from harvesters.errors import MappingError
from harvesters.marc.mapper import MarcMapper
from harvesters.marc.marcxml import record_from_element
from harvesters.oai.protocol import local, text_of

LOOKUPS = Path(__file__).resolve().parent / "lookups"

DC_NS = "http://purl.org/dc/elements/1.1/"
DCTERMS_NS = "http://purl.org/dc/terms/"
OAI_DC_NS = "http://www.openarchives.org/OAI/2.0/oai_dc/"
ETDMS_NAMESPACES = ("http://www.ndltd.org/standards/metadata/etdms/1.0/",
                    "http://www.ndltd.org/standards/metadata/etdms/1.1/")
MARC21_NS = "http://www.loc.gov/MARC21/slim"
DC_ELEMENTS = frozenset({"title", "creator", "subject", "description", "publisher", "contributor", "date", "type",
                         "format", "identifier", "source", "language", "relation", "coverage", "rights",
                         "abstract", "alternative"})
LEVELS = ("doctoral", "master", "bachelor")

# A description this long is an abstract (Chinese is dense: 30 characters already say a lot); shorter ones
# may name the degree ("Master of Public Health", "博士") or are notes, and stay out of the summary.
ABSTRACT_MIN = 100
ABSTRACT_MIN_CJK = 30
_CJK = re.compile(r"[\u3400-\u9fff]")
_DEGREE_WORDS = re.compile(r"degree|master|bachelor|doctor|ph\.?\s?d|thesis|dissertation|博士|硕士|碩士|学士|学位",
                           re.IGNORECASE)
_YEAR = re.compile(r"(?<!\d)(1[5-9]\d\d|20\d\d)(?!\d)")
_TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")
_DOI = re.compile(r"(10\.\d{4,9}/[^\s\"<>]+)")
_HANDLE = re.compile(r"hdl\.handle\.net/(\d[\w.]*/[^\s?#]+)|^hdl:(\d[\w.]*/\S+)", re.IGNORECASE)
_URL = re.compile(r"^https?://\S+$", re.IGNORECASE)
_FULLTEXT_HINT = re.compile(r"\.pdf($|\?)|/bitstream/|viewcontent\.cgi|/download|fulltext", re.IGNORECASE)
# In dc:contributor, an institution (a grantor candidate) or one of its units (a discipline/department).
_UNIT = re.compile(r"^(department|dept\.?|faculty|school|division|program(me)?) (of|for)\b|department$|"
                   r"系$|学院$|专业$|研究所$|教研室$", re.IGNORECASE)
_ORGANISATION = re.compile(r"universit|college|school|institut|laborator|academy|大学|大學|学院|研究院|研究所|中心",
                           re.IGNORECASE)
_UNIVERSITY = re.compile(r"universit|大学|大學", re.IGNORECASE)
_PERSON_HAN = re.compile(r"^[\u4e00-\u9fff·]{2,5}$")
_ADVISOR_ROLE = re.compile(r"advis|supervis|promot|director|chair|directeur|betreuer|导师|指导", re.IGNORECASE)


@dataclass
class Thesis:
    format: str  # "oai_dc" | "etd_ms" | "marcxml"
    title: str
    other_titles: list[str] = field(default_factory=list)
    authors: list[str] = field(default_factory=list)
    advisors: list[str] = field(default_factory=list)
    degree: str = "unknown"  # doctoral | master | bachelor | unknown
    degree_name: str | None = None
    disciplines: list[str] = field(default_factory=list)
    grantors: list[str] = field(default_factory=list)  # institutions the record names, best first
    year: int | None = None
    summary: list[str] = field(default_factory=list)
    subjects: list[str] = field(default_factory=list)
    languages: list[str] = field(default_factory=list)
    dois: list[str] = field(default_factory=list)
    handles: list[str] = field(default_factory=list)
    urls: list[str] = field(default_factory=list)
    types: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Deleted:
    """The metadata itself says the record is deleted (MARC leader/05 'd')."""

    reason: str


# --- lookup tables ------------------------------------------------------------------------------------
def _rows(name: str) -> list[list[str]]:
    with open(LOOKUPS / name, encoding="utf-8", newline="") as fh:
        return [r for r in csv.reader(fh, delimiter="\t") if r and not r[0].startswith("#")]


@lru_cache(maxsize=1)
def type_table() -> tuple[tuple[re.Pattern, str], ...]:
    return tuple((re.compile(p, re.IGNORECASE), v) for p, v in _rows("thesis_types.tsv"))


@lru_cache(maxsize=1)
def degree_table() -> tuple[tuple[re.Pattern, str], ...]:
    return tuple((re.compile(p, re.IGNORECASE), v) for p, v in _rows("degrees.tsv"))


@lru_cache(maxsize=1)
def language_table() -> dict[str, str]:
    return {k.strip().lower(): v.strip() for k, v in _rows("languages.tsv")}


def type_verdict(value: str) -> str | None:
    for pattern, verdict in type_table():
        if pattern.search(value):
            return verdict
    return None


def degree_level(value: str) -> str | None:
    """The level one value names; None when it names none, or more than one."""
    found = {level for pattern, level in degree_table() if pattern.search(value)}
    return found.pop() if len(found) == 1 else None


def language_code(value: str) -> str | None:
    v = value.strip().lower()
    table = language_table()
    if v in table:
        return table[v]
    head = re.split(r"[-_]", v, maxsplit=1)[0]
    return table.get(head)


# --- entry point --------------------------------------------------------------------------------------
def format_of(metadata) -> str | None:
    tag = metadata.tag if isinstance(metadata.tag, str) else ""
    ns = tag[1:].partition("}")[0] if tag.startswith("{") else ""
    name = local(tag)
    if ns == OAI_DC_NS or (not ns and name == "dc"):
        return "oai_dc"
    if ns in ETDMS_NAMESPACES or (not ns and name == "thesis"):
        return "etd_ms"
    if ns == MARC21_NS or (name == "record" and any(local(c.tag) == "leader" for c in metadata)):
        return "marcxml"
    if any(isinstance(c.tag, str) and c.tag.startswith("{" + DC_NS) for c in metadata):
        return "oai_dc"  # a container of DC elements (nsdl_dc, qualified DC...)
    return None


def map_metadata(metadata, *, library: str, marc: MarcMapper | None = None) -> Thesis | Deleted:
    """One record's metadata element -> a Thesis (or Deleted); MappingError with the reason otherwise."""
    if metadata is None:
        raise MappingError("record without metadata (and not marked deleted)")
    fmt = format_of(metadata)
    if fmt == "oai_dc":
        return _from_dc(metadata)
    if fmt == "etd_ms":
        return _from_etdms(metadata)
    if fmt == "marcxml":
        return _from_marc(metadata, library, marc or _mapper())
    tag = metadata.tag if isinstance(metadata.tag, str) else "?"
    ns = tag[1:].partition("}")[0] if tag.startswith("{") else "no namespace"
    raise MappingError(f"unsupported metadata format <{local(tag)}> ({ns})"
                       f"; supported: oai_dc and other Dublin Core containers, etd_ms, marcxml")


@lru_cache(maxsize=1)
def _mapper() -> MarcMapper:
    return MarcMapper()


# --- Dublin Core ----------------------------------------------------------------------------------------
_DC_TAGS = {f"{{{ns}}}{name}": name for ns in (DC_NS, DCTERMS_NS) for name in DC_ELEMENTS} | {
    name: name for name in DC_ELEMENTS}


def _dc_values(metadata) -> dict[str, list[tuple[str, Any]]]:
    """DC element name -> [(text, element)] of the container's children, in document order, empty values
    dropped. The DC namespaces and no namespace are read; anything else (dcterms extensions of other
    schemas, nsdl's own elements) is not DC."""
    out: dict[str, list[tuple[str, Any]]] = {}
    tags = _DC_TAGS
    for el in metadata:
        name = tags.get(el.tag) if isinstance(el.tag, str) else None
        if name is not None:
            value = text_of(el)
            if value:
                out.setdefault(name, []).append((value, el))
    return out


def _from_dc(metadata) -> Thesis:
    dc = _dc_values(metadata)
    texts = {k: [v for v, _ in vs] for k, vs in dc.items()}
    titles = _unique(texts.get("title", []))
    if not titles:
        raise MappingError("no title (dc:title is missing or empty)")
    thesis = Thesis("oai_dc", titles[0], other_titles=_unique(titles[1:] + texts.get("alternative", [])))
    thesis.authors = _unique(texts.get("creator", []))
    thesis.types = _unique(texts.get("type", []))
    short = [d for d in texts.get("description", []) if not _is_abstract(d)]
    thesis.summary = _unique(texts.get("abstract", []) + [d for d in texts.get("description", []) if _is_abstract(d)])
    for value in texts.get("contributor", []):
        if _UNIT.search(value) and not _UNIVERSITY.search(value):
            thesis.disciplines.append(value)
        elif _ORGANISATION.search(value):
            thesis.grantors.append(_tidy_org(value))
        elif _looks_like_person(value):
            thesis.advisors.append(value)
        else:
            thesis.disciplines.append(value)  # DSpace and others put the department there
    thesis.grantors += [_tidy_org(p) for p in texts.get("publisher", [])]
    thesis.grantors = _unique(thesis.grantors)
    thesis.advisors = _unique(thesis.advisors)
    thesis.disciplines = _unique(thesis.disciplines)
    thesis.subjects = _unique(texts.get("subject", []))
    thesis.year = _year(texts.get("date", []))
    thesis.languages = _languages(texts.get("language", []))
    _identifiers(thesis, texts.get("identifier", []) + texts.get("relation", []))
    degree_values = thesis.types + [d for d in short if _DEGREE_WORDS.search(d)]
    _degree(thesis, degree_values)
    _judge(thesis, "dc:type")
    return thesis


# --- ETD-MS ---------------------------------------------------------------------------------------------
def _from_etdms(metadata) -> Thesis:
    def values(name: str, el=metadata) -> list[str]:
        return [v for v in (text_of(c) for c in el if local(c.tag) == name) if v]

    titles = _unique(values("title"))
    if not titles:
        raise MappingError("no title (thesis.title is missing or empty)")
    thesis = Thesis("etd_ms", titles[0], other_titles=_unique(titles[1:] + values("alternativeTitle")))
    thesis.authors = _unique(values("creator"))
    for c in (c for c in metadata if local(c.tag) == "contributor"):
        name = text_of(c)
        if name and (_ADVISOR_ROLE.search(c.get("role") or "") or not c.get("role")):
            thesis.advisors.append(name)
    thesis.advisors = _unique(thesis.advisors)
    descriptions = [(text_of(c), c.get("role")) for c in metadata if local(c.tag) == "description"]
    thesis.summary = _unique([d for d, role in descriptions if d and not role])
    thesis.subjects = _unique(values("subject"))
    thesis.types = _unique(values("type"))
    thesis.year = _year(values("date"))
    thesis.languages = _languages(values("language"))
    _identifiers(thesis, values("identifier"))
    degree_values = list(thesis.types)
    for deg in (c for c in metadata if local(c.tag) == "degree"):
        names = values("name", deg)
        thesis.degree_name = thesis.degree_name or (names[0] if names else None)
        degree_values = values("level", deg) + names + degree_values
        thesis.disciplines += values("discipline", deg)
        thesis.grantors += values("grantor", deg)
    thesis.grantors = _unique(thesis.grantors + [_tidy_org(p) for p in values("publisher")])
    thesis.disciplines = _unique(thesis.disciplines)
    _degree(thesis, degree_values)
    # ETD-MS describes theses by definition: only an explicit not-a-thesis type rejects it.
    if thesis.types and all(type_verdict(t) == "not_thesis" for t in thesis.types):
        raise MappingError(f"not a thesis (thesis.type {', '.join(thesis.types[:3])})")
    return thesis


# --- MARCXML --------------------------------------------------------------------------------------------
def _from_marc(metadata, library: str, mapper: MarcMapper) -> Thesis | Deleted:
    warnings: list[str] = []
    record, flavour = record_from_element(metadata, None, warnings)
    if flavour is None:
        raise MappingError(f"unreadable MARCXML record: {record}")
    doc = mapper.map(record, flavour, library)  # MappingError "no title (245 $a ...)" passes through
    if doc.get("deleted"):
        return Deleted("MARC leader/05 = 'd'")
    fields = {}
    for f in record.fields:
        fields.setdefault(f.tag, []).append(f)
    note_tag = "502" if flavour == "marc21" else "328"
    notes = [_subfields(f) for f in fields.get(note_tag, [])]
    evidence = bool(notes) or _marc_nature_is_thesis(record, fields, flavour) or any(
        type_verdict(" ".join(v for _, v in _subfields(f))) == "thesis"
        for tag in ("655", "608") for f in fields.get(tag, []))
    if not evidence:
        raise MappingError(f"not a thesis (MARC {doc.get('type', 'record')} without a dissertation note "
                           f"{note_tag}, nature-of-contents code 'm' or thesis genre)")
    title = doc["title"] + (f" : {doc['subtitle']}" if doc.get("subtitle") else "")
    thesis = Thesis("marcxml", title, other_titles=list(doc.get("other_titles", [])))
    for person in doc.get("authors", []):
        (thesis.advisors if person.get("role") == "thesis advisor" else thesis.authors).append(person["name"])
    thesis.authors, thesis.advisors = _unique(thesis.authors), _unique(thesis.advisors)
    thesis.subjects = _unique(doc.get("subjects", []))
    thesis.summary = _unique(doc.get("summary", []))
    thesis.languages = _unique([language_code(v) or v for v in doc.get("language", [])])
    thesis.year = doc.get("year")
    degree_values: list[str] = []
    for sub in notes:
        note = dict(sub)
        if flavour == "marc21":
            # 502 $a free text "Thesis (Ph.D.)--Harvard University, 1990."; $b degree, $c institution, $d year
            text = note.get("a", "")
            degree_values += [note.get("b", ""), text]
            thesis.degree_name = thesis.degree_name or note.get("b") or _paren(text)
            institution = note.get("c") or _after_dashes(text)
            year_text = note.get("d") or text
        else:
            # CNMARC 328: $a note, $b degree, $c discipline, $d year, $e institution
            degree_values += [note.get("b", ""), note.get("a", "")]
            thesis.degree_name = thesis.degree_name or note.get("b")
            if note.get("c"):
                thesis.disciplines.append(note["c"].strip(" .,;"))
            institution = note.get("e")
            year_text = note.get("d") or note.get("a", "")
        if institution:
            thesis.grantors.append(institution.strip(" .,;"))
        years = _YEAR.findall(year_text or "")
        if years:
            thesis.year = int(years[0])
    thesis.grantors = _unique(thesis.grantors + list(doc.get("publisher", [])))
    for f in fields.get("024", []):
        sub = dict(_subfields(f))
        if sub.get("2", "").lower() == "doi" and sub.get("a"):
            thesis.dois.append(sub["a"].lower())
    links = [v for f in fields.get("856", []) for c, v in _subfields(f) if c == "u"]
    _identifiers(thesis, links)
    _degree(thesis, [v for v in degree_values if v])
    return thesis


def _subfields(f) -> list[tuple[str, str]]:
    return [(c, v) for c, v in (f.subfields or ()) if v]


def _marc_nature_is_thesis(record, fields, flavour: str) -> bool:
    if flavour == "marc21":
        f008 = fields.get("008")
        data = f008[0].data if f008 else ""
        return str(record.leader)[6:7] in ("a", "t") and "m" in data[24:28]
    f105 = [v for f in fields.get("105", []) for c, v in _subfields(f) if c == "a"]
    return any("m" in v[4:8] for v in f105)


def _paren(text: str) -> str | None:
    m = re.search(r"\(([^)]{1,40})\)", text)
    return m.group(1).strip() if m else None


def _after_dashes(text: str) -> str | None:
    """'Thesis (Ph.D.)--Harvard University, 1990.' -> 'Harvard University'."""
    _, sep, rest = text.partition("--")
    if not sep:
        return None
    return re.sub(r",?\s*\d{4}\.?\s*$", "", rest).strip(" .,;") or None


# --- shared ---------------------------------------------------------------------------------------------
def _degree(thesis: Thesis, values: list[str]) -> None:
    for v in values:
        level = degree_level(v)
        if level:
            thesis.degree = level
            if thesis.degree_name is None and v.strip() not in ("0", "1", "2") and not _is_abstract(v):
                thesis.degree_name = v.strip()
            return


def _is_abstract(text: str) -> bool:
    return len(text) >= ABSTRACT_MIN or (len(text) >= ABSTRACT_MIN_CJK and bool(_CJK.search(text)))


def _judge(thesis: Thesis, what: str) -> None:
    verdicts = [type_verdict(t) for t in thesis.types]
    if "thesis" in verdicts or thesis.degree != "unknown":
        return
    if "not_thesis" in verdicts:
        shown = ", ".join(t for t, v in zip(thesis.types, verdicts) if v == "not_thesis")
        raise MappingError(f"not a thesis ({what} {shown[:120]})")


def _year(dates: list[str]) -> int | None:
    """The year of the thesis: from dates without a time of day (issued, created); repository timestamps
    (accessioned, available) only when nothing else is given."""
    plain = [d for d in dates if not _TIMESTAMP.match(d)]
    for pool in (plain, dates):
        years = [int(y) for d in pool for y in _YEAR.findall(d)]
        if years:
            return min(years)
    return None


def _languages(values: list[str]) -> list[str]:
    return _unique([code for code in (language_code(v) for v in values) if code])


def _identifiers(thesis: Thesis, values: list[str]) -> None:
    for v in values:
        doi = _DOI.search(v)
        if doi and ("doi" in v.lower() or v.startswith("10.")):
            thesis.dois.append(doi.group(1).rstrip(".,;").lower())
        handle = _HANDLE.search(v)
        if handle:
            thesis.handles.append(handle.group(1) or handle.group(2))
        if _URL.match(v):
            thesis.urls.append(v)
    thesis.dois, thesis.handles, thesis.urls = _unique(thesis.dois), _unique(thesis.handles), _unique(thesis.urls)


def fulltext_url(thesis: Thesis) -> str | None:
    """The best link to the full text: a file link when there is one, else the landing page."""
    if not thesis.urls:
        return f"https://doi.org/{thesis.dois[0]}" if thesis.dois else None
    return next((u for u in thesis.urls if _FULLTEXT_HINT.search(u)), thesis.urls[0])


def _looks_like_person(value: str) -> bool:
    v = value.strip()
    if _PERSON_HAN.match(v):
        return True
    if "," in v:
        surname, _, rest = v.partition(",")
        return bool(surname.strip()) and bool(rest.strip()) and len(v) < 80
    # "First M. Last" without a comma: only with an initial, so "Information Sciences" stays a department.
    words = v.split()
    return (2 <= len(words) <= 5 and all(w[:1].isupper() for w in words)
            and any(re.fullmatch(r"[A-Z]\.", w) for w in words))


def _tidy_org(value: str) -> str:
    return value.strip(" .,;")


def _unique(values) -> list:
    seen, out = set(), []
    for v in values:
        if v is None:
            continue
        key = v.casefold() if isinstance(v, str) else v
        if key not in seen:
            seen.add(key)
            out.append(v)
    return out
