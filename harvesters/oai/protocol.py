"""OAI-PMH 2.0 without I/O: building requests, reading responses, the error codes, datestamps.

Reading is permissive where the protocol allows variety and strict where safety needs it:
- elements are found by local name, so responses with the OAI namespace, another one or none at all
  (real repositories emit all three) read the same;
- XML is parsed by lxml with resolve_entities=False, load_dtd=False, no_network=True, huge_tree=False:
  entities are never expanded, DTDs and external entities never fetched (an XXE payload stays an unexpanded
  reference, its text empty);
- characters XML 1.0 forbids (form feeds and other C0 controls, a classic of DSpace abstracts) are dropped
  before parsing, and bytes that are not UTF-8 in a UTF-8 answer (Latin-1 leaking in) become U+FFFD, each with
  a warning, instead of losing the page;
- anything that is not an OAI-PMH document (an HTML error page, a truncated or broken answer) raises
  `BadResponse` with a reason a person can act on. The client retries those and reports them as
  `harvesters.errors.OaiError(code="badResponse")`.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone

from lxml import etree

OAI_NS = "http://www.openarchives.org/OAI/2.0/"
DAY = "YYYY-MM-DD"
SECONDS = "YYYY-MM-DDThh:mm:ssZ"

# verb -> the arguments it accepts (resumptionToken is exclusive: it goes alone with the verb)
VERBS: dict[str, frozenset[str]] = {
    "Identify": frozenset(),
    "ListMetadataFormats": frozenset({"identifier"}),
    "ListSets": frozenset({"resumptionToken"}),
    "ListIdentifiers": frozenset({"metadataPrefix", "from", "until", "set", "resumptionToken"}),
    "ListRecords": frozenset({"metadataPrefix", "from", "until", "set", "resumptionToken"}),
    "GetRecord": frozenset({"identifier", "metadataPrefix"}),
}


@dataclass(frozen=True)
class ErrorCode:
    meaning: str  # the specification's wording, shortened
    outcome: str  # "empty": an empty result, not a failure; "restart": start the list again; "fail"


# OAI-PMH 2.0 section 3.6. What the harvester does with each is the `outcome`.
ERROR_CODES: dict[str, ErrorCode] = {
    "badArgument": ErrorCode("the request has an illegal, missing or repeated argument, or an argument value "
                             "of illegal syntax", "fail"),
    "badResumptionToken": ErrorCode("the resumptionToken is invalid or expired", "restart"),
    "badVerb": ErrorCode("the verb is not a legal OAI-PMH verb, or is missing or repeated", "fail"),
    "cannotDisseminateFormat": ErrorCode("the metadata format is not supported by the item or the repository",
                                         "fail"),
    "idDoesNotExist": ErrorCode("the identifier is unknown or illegal in this repository", "fail"),
    "noMetadataFormats": ErrorCode("there are no metadata formats available for the item", "fail"),
    "noRecordsMatch": ErrorCode("the combination of from, until, set and metadataPrefix selects nothing",
                                "empty"),
    "noSetHierarchy": ErrorCode("the repository does not support sets", "fail"),
}


class BadResponse(Exception):
    """The answer is not a readable OAI-PMH document; `str()` says why."""


# --- requests ---------------------------------------------------------------------------------------
def request_params(verb: str, *, from_: str | None = None, **args: str | None) -> dict[str, str]:
    """The query of one request. `from_` is the `from` argument (a Python keyword); None values are left out;
    with a resumptionToken every other argument but the verb is dropped, as the protocol requires."""
    if verb not in VERBS:
        raise ValueError(f"{verb!r} is not an OAI-PMH verb ({', '.join(VERBS)})")
    given = {k: v for k, v in {**args, "from": from_}.items() if v is not None and v != ""}
    unknown = set(given) - VERBS[verb]
    if unknown:
        raise ValueError(f"{verb} takes no argument {', '.join(sorted(unknown))}")
    if "resumptionToken" in given:
        return {"verb": verb, "resumptionToken": given["resumptionToken"]}
    return {"verb": verb, **given}


# --- datestamps ---------------------------------------------------------------------------------------
_DATESTAMP = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?\s*(Z|[+-]\d{2}:?\d{2})?)?$")


def parse_datestamp(value: str) -> datetime:
    """An OAI datestamp (day or seconds granularity; tolerates fractions and offsets) as an aware UTC datetime.
    Raises ValueError with the value when it is not one."""
    m = _DATESTAMP.match(value.strip())
    if not m:
        raise ValueError(f"not an OAI-PMH datestamp (YYYY-MM-DD or YYYY-MM-DDThh:mm:ssZ): {value!r}")
    y, mo, d, h, mi, s, zone = m.groups()
    moment = datetime(int(y), int(mo), int(d), int(h or 0), int(mi or 0), int(s or 0), tzinfo=timezone.utc)
    if zone and zone != "Z":
        sign = 1 if zone[0] == "+" else -1
        hh, mm = int(zone[1:3]), int(zone[-2:])
        moment -= sign * timedelta(hours=hh, minutes=mm)
    return moment


def has_time(value: str) -> bool:
    return "T" in value.strip() or " " in value.strip()


def format_datestamp(value: str | datetime | date, granularity: str | None) -> str:
    """`value` as the repository wants it: a day, or (when the repository announces seconds granularity and the
    value has a time) YYYY-MM-DDThh:mm:ssZ. Every repository must accept days."""
    if isinstance(value, datetime):
        moment, timed = value.astimezone(timezone.utc) if value.tzinfo else value.replace(tzinfo=timezone.utc), True
    elif isinstance(value, date):
        moment, timed = datetime(value.year, value.month, value.day, tzinfo=timezone.utc), False
    else:
        moment, timed = parse_datestamp(value), has_time(value)
    if timed and granularity == SECONDS:
        return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
    return moment.strftime("%Y-%m-%d")


def normalise_datestamp(value: str | None) -> str | None:
    """A datestamp in one comparable form (UTC, seconds), or the value as given when it cannot be read."""
    if not value:
        return None
    try:
        return parse_datestamp(value).strftime("%Y-%m-%dT%H:%M:%SZ")
    except ValueError:
        return value.strip()


# --- parsing ------------------------------------------------------------------------------------------
_FORBIDDEN = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_HTML = re.compile(rb"^\s*(<!doctype\s+html|<html[\s>]|<head[\s>]|<body[\s>])", re.IGNORECASE)
_TITLE = re.compile(rb"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)


def _parser() -> etree.XMLParser:
    # A new parser per document: lxml parsers must not be shared between threads.
    return etree.XMLParser(resolve_entities=False, load_dtd=False, no_network=True, huge_tree=False,
                           dtd_validation=False, remove_blank_text=False)


_LOCAL_NAMES: dict[str, str] = {}


def local(tag: object) -> str:
    """The local name of an element tag ("{ns}title" -> "title"); "" for comments and the like."""
    try:
        return _LOCAL_NAMES[tag]
    except (KeyError, TypeError):
        pass
    if not isinstance(tag, str):
        return ""
    name = tag.rpartition("}")[2] if tag[:1] == "{" else tag
    if len(_LOCAL_NAMES) < 10_000:  # tags repeat endlessly; a hostile answer must not grow this for ever
        _LOCAL_NAMES[tag] = name
    return name


def children(el, name: str) -> list:
    return [c for c in el if local(c.tag) == name]


def child(el, name: str):
    for c in el:
        if local(c.tag) == name:
            return c
    return None


def text_of(el) -> str:
    """All text inside `el` (unexpanded entity references contribute nothing), whitespace collapsed."""
    if el is None:
        return ""
    if not len(el):  # the common case: text only
        text = el.text
        if not text:
            return ""
        if "\n" in text or "\t" in text or "\r" in text or "  " in text:
            return " ".join(text.split())
        return text.strip()
    return " ".join("".join(t for t in el.itertext() if isinstance(t, str)).split())


@dataclass
class Envelope:
    """A parsed OAI-PMH response."""

    root: object
    response_date: str | None
    request: dict[str, str]  # the <request> element's attributes (what the repository understood)
    errors: list[tuple[str, str]]  # (code, message) from <error> elements
    body: object | None  # the verb element (<ListRecords>...), None when there are errors
    verb: str | None
    warnings: list[str] = field(default_factory=list)


def parse_envelope(data: bytes, expected_verb: str | None = None) -> Envelope:
    """The envelope of one response, or BadResponse saying why it is not one."""
    warnings: list[str] = []
    if not data or not data.strip():
        raise BadResponse("empty answer")
    if _HTML.match(data[:512].lstrip(b"\xef\xbb\xbf")):
        title = _TITLE.search(data[:4096])
        named = f" (title: {' '.join(title.group(1).decode('utf-8', 'replace').split())[:80]!r})" if title else ""
        raise BadResponse(f"an HTML page{named}, not OAI-PMH XML")
    if _FORBIDDEN.search(data):
        count = len(_FORBIDDEN.findall(data))
        data = _FORBIDDEN.sub(b"", data)
        warnings.append(f"{count} control character(s) XML forbids removed before parsing")
    try:
        root = etree.fromstring(data, _parser())
    except etree.XMLSyntaxError as exc:
        if ("not proper UTF-8" in str(exc) or "Invalid bytes in character encoding" in str(exc)) \
                and _declares_utf8(data):
            # Mis-encoded bytes in a UTF-8 answer (old repositories mix in Latin-1): replace them, keep the page.
            repaired = data.decode("utf-8", errors="replace").encode("utf-8")
            warnings.append(f"bytes that are not UTF-8 replaced by U+FFFD (first at line {exc.lineno})")
            try:
                root = etree.fromstring(repaired, _parser())
            except etree.XMLSyntaxError:
                root = None
            if root is not None:
                return _envelope(root, expected_verb, warnings)
        head = data[:60].decode("utf-8", "replace").strip()
        raise BadResponse(f"malformed XML (line {exc.lineno}, column {exc.offset}: {exc.msg}); the answer "
                          f"begins {head!r}") from None
    return _envelope(root, expected_verb, warnings)


def _declares_utf8(data: bytes) -> bool:
    head = data[:200].lower()
    return b"encoding" not in head.split(b"?>")[0] or b"utf-8" in head or b"utf8" in head


def _envelope(root, expected_verb: str | None, warnings: list[str]) -> Envelope:
    if local(root.tag) != "OAI-PMH":
        raise BadResponse(f"an XML document with root <{local(root.tag) or root.tag}>, not an OAI-PMH response")
    response_date = text_of(child(root, "responseDate")) or None
    req = child(root, "request")
    request = {k: v for k, v in req.attrib.items()} if req is not None else {}
    errors = [(e.get("code") or "", text_of(e)) for e in children(root, "error")]
    body = None
    verb = None
    if not errors:
        for c in root:
            name = local(c.tag)
            if name in VERBS:
                body, verb = c, name
                break
        if body is None:
            raise BadResponse("an OAI-PMH response with neither a verb element nor an error")
        if expected_verb and verb != expected_verb:
            raise BadResponse(f"asked for {expected_verb}, the repository answered {verb}")
    return Envelope(root, response_date, request, errors, body, verb, warnings)


@dataclass(frozen=True)
class Identify:
    repository_name: str
    base_url: str
    protocol_version: str
    admin_emails: tuple[str, ...]
    earliest_datestamp: str | None
    deleted_record: str  # no | transient | persistent
    granularity: str  # DAY or SECONDS
    compression: tuple[str, ...]


def read_identify(env: Envelope) -> Identify:
    b = env.body
    granularity = text_of(child(b, "granularity")) or DAY
    return Identify(
        repository_name=text_of(child(b, "repositoryName")),
        base_url=text_of(child(b, "baseURL")),
        protocol_version=text_of(child(b, "protocolVersion")),
        admin_emails=tuple(text_of(e) for e in children(b, "adminEmail")),
        earliest_datestamp=text_of(child(b, "earliestDatestamp")) or None,
        deleted_record=text_of(child(b, "deletedRecord")) or "no",
        granularity=SECONDS if granularity.strip() == SECONDS else DAY,
        compression=tuple(text_of(e) for e in children(b, "compression")),
    )


@dataclass(frozen=True)
class MetadataFormat:
    prefix: str
    schema: str
    namespace: str


def read_formats(env: Envelope) -> list[MetadataFormat]:
    return [MetadataFormat(text_of(child(f, "metadataPrefix")), text_of(child(f, "schema")),
                           text_of(child(f, "metadataNamespace")))
            for f in children(env.body, "metadataFormat")]


@dataclass(frozen=True)
class OaiSet:
    spec: str
    name: str


@dataclass(frozen=True)
class ResumptionToken:
    value: str  # "" on the last page of a list
    complete_list_size: int | None = None
    cursor: int | None = None
    expiration: str | None = None


def read_token(body) -> ResumptionToken | None:
    el = child(body, "resumptionToken")
    if el is None:
        return None
    return ResumptionToken(text_of(el), _int(el.get("completeListSize")), _int(el.get("cursor")),
                           el.get("expirationDate"))


def read_sets(env: Envelope) -> tuple[list[OaiSet], ResumptionToken | None]:
    sets = [OaiSet(text_of(child(s, "setSpec")), text_of(child(s, "setName"))) for s in children(env.body, "set")]
    return sets, read_token(env.body)


@dataclass(frozen=True)
class Header:
    identifier: str | None
    datestamp: str | None
    deleted: bool
    sets: tuple[str, ...]


@dataclass
class OaiRecord:
    header: Header
    metadata: object | None  # the format's root element (first element child of <metadata>)
    element: object  # the <record> (or <header>) element, for the dead-letter copy
    line: int | None

    def raw(self) -> bytes:
        return etree.tostring(self.element, encoding="utf-8")


def read_header(el) -> Header:
    return Header(
        identifier=text_of(child(el, "identifier")) or None,
        datestamp=text_of(child(el, "datestamp")) or None,
        deleted=(el.get("status") or "").strip().lower() == "deleted",
        sets=tuple(text_of(s) for s in children(el, "setSpec")),
    )


def read_records(env: Envelope) -> tuple[list[OaiRecord], ResumptionToken | None]:
    """Records of a ListRecords or GetRecord response, headers of a ListIdentifiers one (metadata None)."""
    out: list[OaiRecord] = []
    for el in env.body:
        name = local(el.tag)
        if name == "record":
            header_el = child(el, "header")
            header = read_header(header_el) if header_el is not None else Header(None, None, False, ())
            md = child(el, "metadata")
            metadata = next((c for c in md if isinstance(c.tag, str)), None) if md is not None else None
            out.append(OaiRecord(header, metadata, el, el.sourceline))
        elif name == "header":
            out.append(OaiRecord(read_header(el), None, el, el.sourceline))
    return out, read_token(env.body)


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except ValueError:
        return None
