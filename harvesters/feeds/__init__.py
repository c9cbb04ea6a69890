"""Journal table-of-contents feeds: one parser module per format, one record model for all.

    crossref     Crossref REST API JSON (work lists, cursor pages, single works, journals) and NDJSON
    jats         JATS / NLM XML front matter (PMC OA, publisher deliveries, pmc-articleset)
    pubmed       PubMed/MEDLINE XML (PubmedArticleSet)
    medline      MEDLINE tagged text
    doaj         DOAJ NDJSON (articles and journals)
    csv          CSV/TSV table-of-contents files (see csvtoc)
    nlm-serials  NLM Catalog SerialsSet (journal records)

`read_feed(path, format="auto")` yields `records.ArticleRecord | JournalRecord | Skipped | BadRecord`
per record; `files.iter_feed_files` walks directories. The harvesters (`crossref_harvester`,
`local`) feed the same records to `indexer.articles.ArticleLoader`.
"""
from __future__ import annotations

import gzip
import importlib
from pathlib import Path
from typing import Callable, Iterator

from harvesters.feeds.errors import FeedFileError
from harvesters.feeds.records import FeedItem

# format -> module whose `read_file(path, data)` parses it
FORMATS: dict[str, str] = {
    "crossref": "harvesters.feeds.crossref",
    "jats": "harvesters.feeds.jats",
    "pubmed": "harvesters.feeds.pubmed",
    "medline": "harvesters.feeds.medline",
    "doaj": "harvesters.feeds.doaj",
    "csv": "harvesters.feeds.csvtoc",
    "nlm-serials": "harvesters.feeds.nlmcatalog",
}


def reader(fmt: str) -> Callable[[Path, bytes], Iterator[FeedItem]]:
    if fmt not in FORMATS:
        raise FeedFileError(fmt, f"unknown feed format {fmt!r}; known: {', '.join(sorted(FORMATS))}")
    return importlib.import_module(FORMATS[fmt]).read_file


def load_bytes(path: Path) -> bytes:
    """The file's bytes, gunzipped when compressed."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise FeedFileError(str(path), exc.strerror or str(exc)) from None
    if data[:2] == b"\x1f\x8b":
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError) as exc:
            raise FeedFileError(str(path), f"corrupt gzip data: {exc}") from None
    return data


def detect(path: Path, data: bytes) -> str:
    from harvesters.feeds.sniff import sniff

    return sniff(data, str(path))


def read_feed(path: str | Path, fmt: str = "auto") -> tuple[str, Iterator[FeedItem]]:
    """(the format, its items) for one file; `FeedFileError` when the file cannot be read at all."""
    path = Path(path)
    data = load_bytes(path)
    chosen = detect(path, data) if fmt == "auto" else fmt
    return chosen, reader(chosen)(path, data)
