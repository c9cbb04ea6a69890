"""The link resolver over HTTP: `GET /openurl` (a menu for people) and `GET /api/v1/resolve` (JSON).

Both take an OpenURL (1.0 KEV, 0.1, or a mixture) plus our own parameters:
  library=CODE   the reader's library (else found from the client address: the most specific CIDR of
                 the registry; X-Forwarded-For counts only when the peer is a trusted proxy);
  format=json|html  (else the Accept header: /openurl prefers HTML, /api/v1/resolve JSON);
  debug=1        also list the options considered and excluded, with the reason.

Malformed requests get 400 with a message (JSON or an HTML page), never a 500. The routes are
returned by `routes(services)`; the app that mounts them is built elsewhere.
"""
from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Callable
from urllib.parse import urlsplit

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from api.runtime import JSON, request_id as runtime_request_id
from linkresolver.clientip import client_ip, parse_networks
from linkresolver.config import ResolverConfig
from linkresolver.errors import BadRequest, LinkResolverError
from linkresolver.openurl import query_pairs, parse_pairs
from linkresolver.resolver import LABELS, Resolver
from yidu.libraries import RegistryError

TEMPLATES = Path(__file__).resolve().parent / "templates"
OWN_PARAMS = frozenset({"library", "format", "debug"})
TRUE, FALSE = frozenset({"1", "true", "yes", "on"}), frozenset({"", "0", "false", "no", "off"})




def _safe_url(value: str | None) -> str | None:
    """Only http(s) and site-relative links are rendered (a knowledge base row could say javascript:)."""
    if not value:
        return None
    parts = urlsplit(value)
    if parts.scheme in ("http", "https") or (not parts.scheme and value.startswith("/") and not value.startswith("//")):
        return value
    return None


def templates() -> Environment:
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]),
                      trim_blocks=True, lstrip_blocks=True)
    env.filters["safe_url"] = _safe_url
    return env


def routes(services, *, resolver: Resolver | None = None, config: ResolverConfig | None = None,
           clock: Callable[[], date] | None = None) -> list[Route]:
    """`GET /openurl` and `GET /api/v1/resolve`. `resolver`, `config` and `clock` override the ones
    built from `services` (tests inject a date here)."""
    from linkresolver.wiring import resolver_for

    config = config or (resolver.config if resolver else ResolverConfig.from_settings(services.settings))
    the_resolver = resolver or resolver_for(services, config=config, clock=clock)
    proxies = parse_networks(config.trusted_proxies)
    registry = the_resolver.registry
    env = templates()
    menu = env.get_template("resolver/menu.html")
    error_page = env.get_template("resolver/error.html")

    def respond(request: Request, *, default_html: bool) -> Response:
        request_id = runtime_request_id(request)
        headers = {"X-Request-Id": request_id, "Vary": "Accept"}
        html = default_html
        try:
            pairs = query_pairs(request.scope.get("query_string", b""))
            own = {k: v for k, v in pairs if k in OWN_PARAMS}
            html = _wants_html(own.get("format"), request.headers.get("accept", ""), default_html)
            debug = _flag(own.get("debug"), "debug")
            library, source = _library(own.get("library"), request, registry, proxies)
            citation = parse_pairs((k, v) for k, v in pairs if k not in OWN_PARAMS)
            result = the_resolver.resolve(citation, library, debug=debug, library_source=source)
        except (BadRequest, RegistryError) as exc:
            return _error(400, exc.message, request_id, html, error_page, headers)
        except LinkResolverError as exc:
            return _error(exc.status, exc.message, request_id, html, error_page, headers)
        body = result.to_dict()
        body["request_id"] = request_id
        if html:
            page = menu.render(r=body, labels=LABELS, libraries=_library_choices(registry), debug=debug,
                               kev=result.citation.kev())
            return HTMLResponse(page, headers=headers)
        return JSON(body, headers=headers)

    async def openurl(request: Request) -> Response:
        return respond(request, default_html=True)

    async def resolve(request: Request) -> Response:
        return respond(request, default_html=False)

    return [Route("/openurl", openurl, methods=["GET", "HEAD"]),
            Route("/api/v1/resolve", resolve, methods=["GET", "HEAD"])]


def _wants_html(fmt: str | None, accept: str, default_html: bool) -> bool:
    if fmt:
        value = fmt.strip().lower()
        if value not in ("json", "html"):
            raise BadRequest(f"format must be json or html, got {fmt[:20]!r}")
        return value == "html"
    accept = accept.lower()
    if "application/json" in accept and "text/html" not in accept:
        return False
    if "text/html" in accept and "application/json" not in accept:
        return True
    return default_html


def _flag(value: str | None, name: str) -> bool:
    value = (value or "").strip().lower()
    if value in TRUE:
        return True
    if value in FALSE:
        return False
    raise BadRequest(f"{name} must be 1 or 0, got {value[:20]!r}")


def _library(code: str | None, request: Request, registry, proxies) -> tuple[str | None, str]:
    if code is not None and code.strip():
        code = code.strip().upper()
        if code not in registry:
            raise BadRequest(f"unknown library {code[:20]!r}")
        return code, "parameter"
    peer = request.client.host if request.client else None
    address = client_ip(peer, request.headers.get("x-forwarded-for"), proxies)
    lib = registry.by_ip(address) if address else None
    return (lib.code, "ip") if lib else (None, "none")


def _library_choices(registry) -> list[dict]:
    return [{"code": lib.code, "name": lib.name} for lib in registry]


def _error(status: int, message: str, request_id: str, html: bool, page, headers: dict) -> Response:
    if html:
        return HTMLResponse(page.render(status=status, message=message, request_id=request_id),
                            status_code=status, headers=headers)
    return JSON({"error": message, "request_id": request_id}, status_code=status, headers=headers)
