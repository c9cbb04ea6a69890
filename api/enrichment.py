"""The enrichment API that member libraries' OPACs call, each call under the library's API key (api.gate):

  GET /api/v1/enrich/isbn/{isbn}?nearest=N        a union record for an OPAC's record page (api.bookview)
  GET /api/v1/journals/{issn}/issues              volumes and issues with their article counts, newest first
  GET /api/v1/journals/{issn}/toc?volume=&issue=&year=   an issue's articles in page order (api.toc)
  GET /covers/{isbn}.jpg|png, PUT /api/v1/covers/{isbn}  covers (api.covers; the GET is public)

`routes(services)` returns them all for create_service_app. Searches go through the app's async client
(app.state.runtime); the issue list is indexer.journals.journal_issues, run with the sync client in a
worker thread. A journal is asked for by any of its ISSNs and found by its ISSN-L, as the articles
loader filed it (the ISSN-L table in the state folder, indexer.issnl).
"""
from __future__ import annotations

from pathlib import Path

from elasticsearch import AsyncElasticsearch, NotFoundError
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from api import bookview, covers, params as P, toc
from api.errors import BadRequest, NotFound
from api.gate import gate_for, guarded
from api.runtime import request_id
from api.runtime import JSON
from indexer.issnl import IssnLTable
from indexer.journals import journal_issues

MAX_TOC = 1000  # articles in one answer: an issue, or a volume without `issue`
_RECORD_EXCLUDES = ["*_t", "*_s", "*_py", "*_pyi", "suggest", "title_sort"]


def routes(services, *, client: AsyncElasticsearch | None = None) -> list[Route]:
    """Every enrichment route over `services`; `client` replaces the app's async client."""
    settings, registry, gate = services.settings, services.registry, gate_for(services)
    store = covers.store_for(services)

    def es(request: Request) -> AsyncElasticsearch:
        return client or request.app.state.runtime.client

    async def enrich_isbn(request: Request) -> Response:
        key = await gate(request)
        isbn = P.isbn(request.path_params["isbn"])
        limit = P.value(request.query_params, P.NEAREST)
        hits = await find_isbn(es(request), settings.index.alias("catalog"), isbn)
        if not hits:
            raise NotFound(f"no record with ISBN {isbn} in the union catalogue")
        cover = await run_in_threadpool(covers.cover_fields, store, isbn)
        body = bookview.enrichment(hits[0], registry, key.library, isbn, cover=cover, limit=limit)
        body.update(other_records=[h["_id"] for h in hits[1:]], request_id=request_id(request))
        return JSON(body)

    async def issues(request: Request) -> Response:
        await gate(request)
        issn = P.issn(request.path_params["issn"])
        linking = await run_in_threadpool(issn_l, settings.state_dir, issn)
        try:
            found = await run_in_threadpool(journal_issues, services.client, settings.index, linking)
        except NotFoundError:  # no articles index yet
            found = []
        if not found:
            raise NotFound(f"no articles of the journal {issn} (ISSN-L {linking}) are indexed")
        title = await journal_title(es(request), settings.index.alias("journals"), linking)
        return JSON({"issn": issn, "issn_l": linking, "title": title, "issues": found,
                     "request_id": request_id(request)})

    async def contents(request: Request) -> Response:
        key = await gate(request)
        issn = P.issn(request.path_params["issn"])
        wanted = {p.name: P.value(request.query_params, p) for p in P.TOC[1:]}
        wanted = {k: v.strip() if isinstance(v, str) else v for k, v in wanted.items() if v is not None}
        if not wanted:
            raise BadRequest("give volume, issue or year (as /issues lists them)")
        linking = await run_in_threadpool(issn_l, settings.state_dir, issn)
        hits, total = await find_articles(es(request), settings.index.alias("articles"), linking, wanted)
        if not hits:
            where = ", ".join(f"{k} {v}" for k, v in wanted.items())
            raise NotFound(f"no articles of the journal {issn} (ISSN-L {linking}) in {where}")
        return JSON({"issn": issn, "issn_l": linking, **wanted, "total": total, "truncated": total > len(hits),
                     "articles": toc.contents(hits, key.library), "request_id": request_id(request)})

    return [Route("/api/v1/enrich/isbn/{isbn}", guarded(enrich_isbn), methods=["GET", "HEAD"]),
            Route("/api/v1/journals/{issn}/issues", guarded(issues), methods=["GET", "HEAD"]),
            Route("/api/v1/journals/{issn}/toc", guarded(contents), methods=["GET", "HEAD"]),
            *covers.routes(services, gate, client)]


async def find_isbn(client: AsyncElasticsearch, catalog: str, isbn: str) -> list[dict]:
    """Union records with `isbn`, the most widely held first (usually one: records group by ISBN)."""
    body = {"query": {"term": {"isbn": isbn}}, "size": 10, "_source": {"excludes": _RECORD_EXCLUDES},
            "sort": [{"holding_count": "desc"}, {"merge_key": "asc"}]}
    return (await client.search(index=catalog, body=body, ignore_unavailable=True))["hits"]["hits"]


async def find_articles(client: AsyncElasticsearch, articles: str, issn_l_: str, wanted: dict) -> tuple[list, int]:
    filters = [{"term": {"issn_l": issn_l_}}, *({"term": {k: v}} for k, v in wanted.items())]
    body = {"query": {"bool": {"filter": filters}}, "size": MAX_TOC, "_source": toc.SOURCE, "track_total_hits": True}
    raw = await client.search(index=articles, body=body, ignore_unavailable=True)
    return raw["hits"]["hits"], raw["hits"]["total"]["value"]


async def journal_title(client: AsyncElasticsearch, journals: str, issn_l_: str) -> str | None:
    found = await client.options(ignore_status=404).get(index=journals, id=issn_l_, source_includes=["title"])
    return (found.body.get("_source") or {}).get("title") if found.body.get("found") else None


def issn_l(state_dir: Path, issn: str) -> str:
    """The ISSN-L the articles loader files `issn` under (itself when the table does not know it)."""
    path = Path(state_dir) / "issnl.sqlite"
    if not path.exists():  # nothing loaded here: do not create the table from a GET
        return issn
    table = IssnLTable(path)
    try:
        return table.lookup([issn])[issn]
    finally:
        table.close()
