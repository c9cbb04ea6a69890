"""Which feed format a file is, by its content (the extension only breaks ties).

Returns a format name of `harvesters.feeds.FORMATS`, or raises `FeedFileError` saying what the file
is instead (a Crossref 404 body, BibTeX, an HTML page, an unknown XML document...).
"""
from __future__ import annotations

import re

import orjson

from harvesters.feeds.csvtoc import decode, looks_like_toc
from harvesters.feeds.errors import FeedFileError

_ROOT = re.compile(rb"<(?!\?|!)(?:[\w.-]+:)?([\w.-]+)")
# XML root element -> format
XML_ROOTS = {"article": "jats", "pmc-articleset": "jats", "PubmedArticleSet": "pubmed",
             "PubmedArticle": "pubmed", "SerialsSet": "nlm-serials", "Serial": "nlm-serials"}
NOT_FEEDS = ((re.compile(rb"^\s*Resource not found", re.I), "a Crossref 'Resource not found.' (HTTP 404) body"),
             (re.compile(rb"^\s*@\w+\s*\{"), "BibTeX (a citation format, not an article feed)"),
             (re.compile(rb"^\s*<(?:!doctype\s+)?html", re.I), "an HTML page"))


def sniff(data: bytes, source: str) -> str:
    head = data[:65536].lstrip(b"\xef\xbb\xbf \t\r\n")
    if not head:
        raise FeedFileError(source, "empty file")
    for pattern, what in NOT_FEEDS:
        if pattern.match(head):
            raise FeedFileError(source, f"not an article feed: {what}")
    if head[:1] in (b"{", b"["):
        return _json(data, head, source)
    if head[:1] == b"<":
        return _xml(head, source)
    if head.startswith(b"PMID-"):
        return "medline"
    if looks_like_toc(decode(head.split(b"\n", 1)[0])):
        return "csv"
    raise FeedFileError(source, "unknown format: not Crossref/DOAJ JSON, JATS, PubMed or NLM XML, MEDLINE text, "
                                "or a CSV/TSV table of contents with a title column")


def _json(data: bytes, head: bytes, source: str) -> str:
    first_line = head.split(b"\n", 1)[0]
    try:
        obj = orjson.loads(first_line)  # NDJSON: the first line is a whole object
    except orjson.JSONDecodeError:
        try:
            obj = orjson.loads(data)
        except orjson.JSONDecodeError as exc:
            raise FeedFileError(source, f"not valid JSON: {exc}") from None
    if isinstance(obj, dict) and ("bibjson" in obj or isinstance(obj.get("_source"), dict)):
        return "doaj"
    if isinstance(obj, dict) and ("message-type" in obj or "DOI" in obj):
        return "crossref"
    raise FeedFileError(source, "JSON that is neither a Crossref message or work nor a DOAJ record")


def _xml(head: bytes, source: str) -> str:
    body = re.sub(rb"<!--.*?-->", b"", head, flags=re.S)
    body = re.sub(rb"<!DOCTYPE[^>\[]*(\[.*?\])?\s*>", b"", body, flags=re.S | re.I)
    m = _ROOT.search(body)
    root = m.group(1).decode("ascii", "replace") if m else "?"
    if root in XML_ROOTS:
        return XML_ROOTS[root]
    raise FeedFileError(source, f"XML with root element <{root}>, not a JATS, PubMed or NLM serials document")
