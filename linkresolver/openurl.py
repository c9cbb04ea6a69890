"""Parsing OpenURLs: 1.0 KEV (Z39.88-2004), the 0.1 form, and what real sources actually send.

Real requests mix the two forms, repeat keys, send ISSNs without the hyphen, DOIs as `info:doi/`,
`doi:` or `https://doi.org/`, dates like "2008-03" or "Spring 2001", and titles in UTF-8 - or, from
older Chinese systems, percent-encoded GB18030. `parse_query` works on the raw query string so that
it can decode each value on its own (UTF-8, else the `ctx_enc` the request declares, else GB18030,
else Latin-1); `parse_pairs` takes already decoded pairs.

Values that cannot be what their key says (an ISSN with a wrong check digit) are dropped with a note
in `Citation.notes`; a request with nothing to resolve raises `BadRequest`.
"""
from __future__ import annotations

import re
import unicodedata
from typing import Iterable
from urllib.parse import unquote_to_bytes

from linkresolver.citation import GENRES, Citation
from linkresolver.dates import parse_citation_date
from linkresolver.errors import BadRequest
from yidu import identifiers

MAX_VALUE = 2000  # longer values are cut: no citation field is that long

# key -> citation field, for both forms (1.0 "rft." keys first).
_TEXT_KEYS = {
    "atitle": ("rft.atitle", "atitle"),
    "jtitle": ("rft.jtitle", "rft.title", "title", "jtitle"),
    "btitle": ("rft.btitle", "btitle"),
    "stitle": ("rft.stitle", "stitle"),
    "volume": ("rft.volume", "volume"),
    "issue": ("rft.issue", "issue"),
    "spage": ("rft.spage", "spage"),
    "epage": ("rft.epage", "epage"),
    "pages": ("rft.pages", "pages"),
    "publisher": ("rft.pub", "pub", "publisher"),
}
_ISSN_KEYS = ("rft.issn", "issn")
_EISSN_KEYS = ("rft.eissn", "eissn")
_ISBN_KEYS = ("rft.isbn", "isbn", "rft.eisbn")
_DATE_KEYS = ("rft.date", "date", "rft.year", "year")
_SEASON_KEYS = ("rft.ssn", "ssn", "rft.quarter", "quarter")
_AUTHOR_KEYS = ("rft.au", "au", "rft.aulast", "aulast")
_GENRE_KEYS = ("rft.genre", "genre")
_ID_KEYS = ("rft_id", "id", "rft.doi", "doi", "pmid", "rft.pmid", "pid")
_SID_KEYS = ("rfr_id", "sid")
_DOI_FORMS = re.compile(r"^(?:info:doi/|doi:|https?://(?:dx\.)?doi\.org/)", re.IGNORECASE)
_PMID_FORMS = re.compile(r"^(?:info:pmid/|pmid:)\s*(\d{1,9})$", re.IGNORECASE)


def decode_value(raw: bytes, declared: str | None = None) -> str:
    """One percent-decoded value: UTF-8 if it is, else the declared encoding, else GB18030, else Latin-1."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        pass
    for codec in filter(None, (declared, "gb18030")):
        try:
            return raw.decode(codec)
        except (UnicodeDecodeError, LookupError):
            continue
    return raw.decode("latin-1")


def query_pairs(query: bytes | str) -> list[tuple[str, str]]:
    """Decoded (key, value) pairs of a raw query string, keys lower-cased, order and repeats kept."""
    if isinstance(query, str):
        query = query.encode("latin-1", errors="replace") if query.isascii() else query.encode("utf-8")
    raw_pairs = []
    for part in re.split(rb"[&;]", query):
        if not part:
            continue
        key, _, value = part.partition(b"=")
        raw_pairs.append((unquote_to_bytes(key.replace(b"+", b" ")), unquote_to_bytes(value.replace(b"+", b" "))))
    declared = None
    for key, value in raw_pairs:
        if key.strip().lower() == b"ctx_enc":
            declared = _codec(value.decode("latin-1"))
    return [(decode_value(k).strip().lower(), decode_value(v, declared)) for k, v in raw_pairs]


def _codec(ctx_enc: str) -> str | None:
    """The Python codec of an OpenURL ctx_enc value ("info:ofi/enc:UTF-8", "info:ofi/enc:ISO-8859-1")."""
    name = ctx_enc.rsplit(":", 1)[-1].strip()
    return name or None


def parse_query(query: bytes | str) -> Citation:
    return parse_pairs(query_pairs(query))


def parse_pairs(pairs: Iterable[tuple[str, str]]) -> Citation:
    values: dict[str, list[str]] = {}
    for key, value in pairs:
        value = _clean(value)
        if value:
            values.setdefault(key.strip().lower(), []).append(value)
    c = Citation()
    c.version = _version(values)
    for name, keys in _TEXT_KEYS.items():
        setattr(c, name, _first(values, keys))
    c.jtitle, c.btitle = _titles(values, c)
    c.genre = _genre(values, c)
    fmt = _first(values, ("rft_val_fmt",)).lower()
    c.fmt = "book" if fmt.endswith(":book") else "journal" if fmt.endswith(":journal") else ""
    c.issns = _identifiers(values, _ISSN_KEYS, identifiers.issn, "ISSN", c.notes)
    c.eissns = [i for i in _identifiers(values, _EISSN_KEYS, identifiers.issn, "ISSN", c.notes) if i not in c.issns]
    c.isbns = _identifiers(values, _ISBN_KEYS, identifiers.isbn13, "ISBN", c.notes)
    _ids(values, c)
    c.date_text = _first(values, _DATE_KEYS)
    season = _first(values, _SEASON_KEYS)
    c.date = parse_citation_date(f"{season} {c.date_text}" if season and c.date_text else c.date_text)
    if c.date_text and c.date is None:
        c.notes.append(f"date {c.date_text!r} names no year; ignored")
    c.authors = [a for key in _AUTHOR_KEYS for a in values.get(key, ())][:5]
    c.sid = _first(values, _SID_KEYS)
    if not c.has_subject:
        raise BadRequest("the request names no citation: give rft.issn, rft.isbn, rft_id=info:doi/..., "
                         "rft.jtitle, rft.btitle or rft.atitle (or their OpenURL 0.1 forms issn=, isbn=, id=doi:, "
                         "title=)")
    return c


def _clean(value: str) -> str:
    value = unicodedata.normalize("NFC", value).replace("\x00", "")
    value = re.sub(r"\s+", " ", value).strip()
    return value[:MAX_VALUE]


def _first(values: dict[str, list[str]], keys: Iterable[str]) -> str:
    for key in keys:
        found = values.get(key)
        if found:
            return found[0]
    return ""


def _version(values: dict[str, list[str]]) -> str:
    v1 = any(k.startswith(("rft.", "rft_", "url_ver", "ctx_ver")) for k in values)
    v01 = any(k in values for k in ("issn", "isbn", "title", "atitle", "volume", "spage", "date", "id", "genre", "sid"))
    return "1.0+0.1" if v1 and v01 else "1.0" if v1 else "0.1"


def _titles(values: dict[str, list[str]], c: Citation) -> tuple[str, str]:
    """(journal title, book title). 0.1 `title` and 1.0 `rft.title` name the journal - or the book,
    when the request is about a book."""
    jtitle, btitle = c.jtitle, c.btitle
    genre = _first(values, _GENRE_KEYS).lower()
    fmt = _first(values, ("rft_val_fmt",)).lower()
    bookish = genre in ("book", "bookitem", "report") or fmt.endswith(":book")
    if bookish and not btitle and jtitle and not _first(values, ("rft.jtitle", "jtitle")):
        btitle, jtitle = jtitle, ""
    return jtitle, btitle


def _genre(values: dict[str, list[str]], c: Citation) -> str:
    genre = _first(values, _GENRE_KEYS).strip().lower()
    if genre in GENRES:
        return genre
    if genre:
        c.notes.append(f"genre {genre!r} is not an OpenURL genre; inferred from the other fields")
    return "unknown"


def _identifiers(values: dict[str, list[str]], keys: Iterable[str], normalise, kind: str,
                 notes: list[str]) -> list[str]:
    found: list[str] = []
    for key in keys:
        for value in values.get(key, ()):
            parts = [p for p in re.split(r"[,;|]|\s{2,}", value) if p.strip()] or [value]
            for part in parts:
                part = re.sub(r"^(?:info:(?:issn|isbn)/|urn:(?:issn|isbn):)", "", part.strip(), flags=re.IGNORECASE)
                normal = normalise(part)
                if normal is None:
                    notes.append(f"{key} {part[:40]!r} is not a valid {kind}; ignored")
                elif normal not in found:
                    found.append(normal)
    return found


def _ids(values: dict[str, list[str]], c: Citation) -> None:
    """rft_id / id / doi / pmid values: DOIs in any of their forms, PubMed ids, ISSN/ISBN URIs."""
    for key in _ID_KEYS:
        for value in values.get(key, ()):
            text = value.strip()
            lower = text.lower()
            pmid = _PMID_FORMS.match(text)
            if pmid or (key in ("pmid", "rft.pmid") and text.isdigit()):
                c.pmid = c.pmid or (pmid.group(1) if pmid else text)
            elif lower.startswith(("info:isbn/", "urn:isbn:")):
                isbn = identifiers.isbn13(text.split("/", 1)[-1].split(":")[-1])
                if isbn and isbn not in c.isbns:
                    c.isbns.append(isbn)
            elif lower.startswith(("info:issn/", "urn:issn:")):
                issn = identifiers.issn(text)
                if issn and issn not in c.all_issns:
                    c.issns.append(issn)
            elif _DOI_FORMS.match(text) or key in ("rft.doi", "doi") or lower.startswith("10."):
                doi = identifiers.doi(text)
                if doi is None:
                    c.notes.append(f"{key} {text[:60]!r} is not a DOI; ignored")
                elif c.doi is None:
                    c.doi = doi
                elif doi != c.doi:
                    c.notes.append(f"second DOI {doi} ignored (first: {c.doi})")
