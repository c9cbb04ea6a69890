"""Who may call the enrichment API, and how its routes answer errors.

Every enrichment request carries an API key (header `X-Api-Key`, or `?apikey=` where a header cannot
be set); the checks run in this order, each with its own status so an OPAC's developer sees what to fix:

  401  no key, or a malformed, unknown or revoked one
  403  the client address is outside the key's ranges (the peer; X-Forwarded-For only when the peer is
       one of `settings.trusted_proxies` - linkresolver.clientip)
  429  the key's rate is spent, with Retry-After in whole seconds (api.ratelimit)

Requests that pass are counted as the key's usage (api.apikeys). Errors are JSON
`{"error", "request_id"}` with the headers the error needs; nothing the caller sends becomes a 500.
"""
from __future__ import annotations

import weakref
from typing import Awaitable, Callable

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from api.apikeys import ApiKey, KeyStore
from api.errors import ApiError, BadRequest, Forbidden, TooManyRequests, Unauthorized
from api.ratelimit import RateLimiter, SharedRateLimiter
from api.runtime import request_id
from api.runtime import JSON
from linkresolver.clientip import client_ip, parse_networks
from yidu.libraries import Registry

_gates: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


class Gate:
    def __init__(self, keys: KeyStore, registry: Registry, trusted_proxies=(),
                 limiter: RateLimiter | SharedRateLimiter | None = None):
        self.keys = keys
        self.registry = registry
        self.proxies = parse_networks(trusted_proxies)
        self.limiter = limiter or RateLimiter()

    def admit(self, presented: str | None, peer: str | None, forwarded_for: str | None) -> ApiKey:
        """The key a request may proceed with, or the error that refuses it."""
        if not presented:
            raise Unauthorized("an API key is required: send it as the X-Api-Key header (or ?apikey=)")
        key = self.keys.find(presented)
        if key is None:
            raise Unauthorized("unknown API key")
        if not key.active:
            raise Unauthorized(f"API key {key.id} has been revoked")
        address = client_ip(peer, forwarded_for, self.proxies)
        if not key.allows(address, self.registry):
            raise Forbidden(f"API key {key.id} of {key.library} may not be used from {address or 'an unknown address'}")
        wait = self.limiter.take(key.id, key.rate)
        if wait:
            raise TooManyRequests(f"API key {key.id} is limited to {key.rate} requests a minute; retry in {wait} s",
                                  retry_after=wait)
        self.keys.count_use(key.id)
        return key

    async def __call__(self, request: Request) -> ApiKey:
        peer = request.client.host if request.client else None
        return await run_in_threadpool(self.admit, presented_key(request), peer,
                                       request.headers.get("x-forwarded-for"))


def gate_for(services) -> Gate:
    """The gate (and key store) of `services`, built once; its rate limits are shared by every server process
    on the state folder."""
    gate = _gates.get(services)
    if gate is None:
        settings = services.settings
        gate = _gates[services] = Gate(KeyStore.for_settings(settings), services.registry, settings.trusted_proxies,
                                       SharedRateLimiter(settings.state_dir / "ratelimits.sqlite"))
    return gate


def presented_key(request: Request) -> str | None:
    header = request.headers.get("x-api-key", "").strip()
    params = request.query_params.getlist("apikey")
    if len(params) > 1 or (header and params and params[0].strip() != header):
        raise BadRequest("give the API key once (X-Api-Key header or one apikey parameter)")
    return header or (params[0].strip() if params else None)


Handler = Callable[[Request], Awaitable[Response]]


def guarded(handler: Handler) -> Handler:
    """The route answers ApiErrors itself, as JSON with the error's headers, whatever the path."""
    async def run(request: Request) -> Response:
        try:
            return await handler(request)
        except ApiError as exc:
            return error_response(request, exc)
    run.__name__ = getattr(handler, "__name__", "endpoint")
    return run


def error_response(request: Request, exc: ApiError) -> Response:
    rid = request_id(request)
    return JSON({"error": exc.message, "request_id": rid}, status_code=exc.status,
                headers={**exc.headers, "X-Request-Id": rid})
