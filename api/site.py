"""The results site: server-rendered search and record pages (Jinja2, autoescaped), and the embed script.

Everything from the data goes through Jinja2's autoescaping; the one exception is the highlight HTML,
which query.highlight builds from escaped text and <mark> only (`Markup` there, nowhere else).
"""
from __future__ import annotations

from pathlib import Path
from urllib.parse import urlencode, urlsplit

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from api import i18n, params as P
from api.runtime import Runtime, lang, library_of_ip, request_id
from api.v1 import load_record, run_search
from query import labels
from query.facets import FACETS
from query.request import MAX_DEPTH, SCOPE_LEVELS

HERE = Path(__file__).resolve().parent
TEMPLATES = HERE / "templates"
STATIC = HERE / "static"
COOKIE_AGE = 3600 * 24 * 365
SITE_PAGE_SIZE = 20


def environment() -> Environment:
    env = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=select_autoescape(["html", "xml"]),
                      trim_blocks=True, lstrip_blocks=True)
    env.filters["safe_url"] = safe_url
    env.filters["marked"] = lambda html: Markup(html)  # only for query.highlight output (escaped + <mark>)
    env.globals["label"] = lambda facet, value, lang: _label(facet, value, lang)
    return env


def safe_url(url: object) -> str | None:
    """Only http(s) and site-relative links (the resolver's /openurl?...) are rendered: no javascript:
    from data, no protocol-relative //host."""
    if not isinstance(url, str):
        return None
    url = url.strip()
    scheme = urlsplit(url).scheme.lower()
    if scheme in ("http", "https"):
        return url
    return url if not scheme and url.startswith("/") and not url.startswith(("//", "/\\")) else None


class Links:
    """URLs of the search page that keep the current query and change one thing."""

    def __init__(self, request: Request, library: str | None):
        self.items = [(k, v) for k, v in request.query_params.multi_items() if k not in ("page", "lang")]
        if library and not any(k == "library" for k, _ in self.items):
            self.items.append(("library", library))

    def _url(self, items) -> str:
        return "/search?" + urlencode(items)

    def set(self, name: str, value: str | None) -> str:
        items = [(k, v) for k, v in self.items if k != name]
        if value is not None:
            items.append((name, value))
        return self._url(items)

    def scope(self, level: str) -> str:
        return self.set("scope", level)

    def toggle(self, facet: str, value: str) -> str:
        if (facet, value) in self.items:
            return self._url([kv for kv in self.items if kv != (facet, value)])
        return self._url([*self.items, (facet, value)])

    def page(self, number: int) -> str:
        return self._url([*self.items, ("page", str(number))])

    def clear_filters(self) -> str:
        return self._url([(k, v) for k, v in self.items if k not in FACETS])

    def query(self, q: str) -> str:
        return self.set("q", q)

    def lang(self, code: str, page: int | None = None) -> str:
        return self._url([*self.items, *((("page", str(page)),) if page and page > 1 else ()), ("lang", code)])

    def export(self) -> str:
        return "/api/v1/export?" + urlencode([(k, v) for k, v in self.items if k not in ("size",)])


def routes(rt: Runtime, env: Environment):
    def render(request: Request, name: str, status: int = 200, **context) -> Response:
        code = lang(request)
        msgs = i18n.Messages(code)
        html = env.get_template(name).render(t=msgs, lang=code, request_id=request_id(request), **context)
        response = HTMLResponse(html, status_code=status)
        if request.query_params.get("lang") in i18n.LANGS:
            response.set_cookie("lang", code, max_age=COOKIE_AGE, samesite="lax")
        return response

    def reader_library(request: Request):
        code = P.library_code(request.query_params)
        if code:
            return rt.registry.get(code) if code in rt.registry else None, code
        lib = library_of_ip(request, rt.registry)
        return lib, lib.code if lib else None

    async def search_page(request: Request) -> Response:
        library, code = reader_library(request)
        if code and library is None:
            from api.errors import BadRequest

            raise BadRequest(f"unknown library {code}")
        q = request.query_params.get("q")
        result = None
        if q is not None or any(k in request.query_params for k in FACETS):
            result = await run_search(rt, request, library=code or "",
                                      size=P.value(request.query_params, P.SIZE) if "size" in request.query_params
                                      else SITE_PAGE_SIZE)
        links = Links(request, code)
        pages = _pages(result) if result else []
        return render(request, "search.html", q=q or "", result=result, library=library, links=links,
                      levels=SCOPE_LEVELS, facets=list(FACETS), pages=pages,
                      scope_places=_places(rt, library), request_url=_here(request))

    async def record_page(request: Request) -> Response:
        library, code = reader_library(request)
        record = await load_record(rt, request.path_params["id"], code)
        back = request.query_params.get("back") or ""
        return render(request, "record.html", record=record, library=library,
                      back=back if back.startswith("/search?") else None)

    async def embed_js(request: Request) -> Response:
        # one file for the library's page: the shared suggestion list, then the box itself
        body = (STATIC / "suggest.js").read_bytes() + b"\n" + (STATIC / "embed.js").read_bytes()
        return Response(body, media_type="application/javascript",
                        headers={"Cache-Control": "public, max-age=300"})

    return render, [("/", search_page), ("/search", search_page), ("/records/{id}", record_page),
                    ("/embed.js", embed_js)]


def _label(facet: str, value: str, lang: str) -> str:
    if facet == "language":
        names = labels.languages().get(value)
    else:
        names = labels.types().get(value)
    return names[0 if lang == "zh" else 1] if names else value


def _here(request: Request) -> str:
    query = urlencode([(k, v) for k, v in request.query_params.multi_items() if k != "lang"])
    return f"{request.url.path}?{query}"


def _pages(result: dict) -> list[int]:
    last = min((result["total"] + result["size"] - 1) // result["size"], MAX_DEPTH // result["size"])
    current = result["page"]
    window = range(max(1, current - 3), min(last, current + 3) + 1)
    return list(window)


def _places(rt: Runtime, library) -> dict[str, str]:
    """level -> the place it stands for (北京大学图书馆, 北京, ...), for the scope tabs' titles."""
    if library is None:
        return {}
    prov = rt.registry.provinces.get(library.province)
    domains = " / ".join(rt.registry.domain_name(d) for d in library.domains) or library.name
    return {"library": library.name, "city": library.city, "province": prov.name if prov else library.province,
            "domain": domains, "nation": ""}
