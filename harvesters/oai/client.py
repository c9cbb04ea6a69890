"""The six OAI-PMH verbs over an injectable `harvesters.http.HttpClient`.

    client = OaiClient(http, "https://dspace.xmu.edu.cn/oai/request", source="xmu-dspace")
    info = await client.identify()                      # granularity, earliestDatestamp, deletedRecord
    page = await client.list_records(prefix="oai_dc", from_="2026-01-01")
    while page.token_value:
        page = await client.list_records(token=page.token_value)

Network trouble is retried by the HttpClient. An answer that is not OAI-PMH XML (an HTML error page, broken
or truncated XML) is asked for again `bad_response_retries` times, then reported as
`OaiError(code="badResponse")`. An OAI error element becomes `OaiError(code=<the OAI code>)`, its message
naming the source, the verb, the code's meaning and the repository's own words. Whether an error ends the
harvest is the caller's decision (see `protocol.ERROR_CODES[...].outcome`). Responses are parsed in a
worker thread so the event loop keeps fetching while a large page is read.
"""
from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from harvesters.errors import OaiError
from harvesters.http import HttpClient
from harvesters.oai import protocol
from harvesters.oai.protocol import (
    BadResponse, Envelope, Identify, MetadataFormat, OaiRecord, OaiSet, ResumptionToken,
)

MAX_LIST_PAGES = 10_000  # for ListSets: a repository whose set list never ends is broken


@dataclass
class RecordsPage:
    records: list[OaiRecord]
    token: ResumptionToken | None
    response_date: str | None
    warnings: list[str] = field(default_factory=list)
    body: bytes = b""  # the answer as received (worker processes parse it again)

    @property
    def token_value(self) -> str | None:
        """The token of the next page; None on the last page (no token, or an empty one)."""
        return self.token.value if self.token is not None and self.token.value else None


class OaiClient:
    def __init__(self, http: HttpClient, base_url: str, *, source: str, bad_response_retries: int = 2,
                 bad_response_backoff: float = 1.0):
        self.http = http
        self.base_url = base_url
        self.source = source
        self.bad_response_retries = bad_response_retries
        self.bad_response_backoff = bad_response_backoff

    async def call(self, verb: str, *, parse=None, **args) -> tuple[Envelope, object, bytes]:
        """One request: (envelope, parse(envelope) computed in the worker thread, the answer's bytes)."""
        params = protocol.request_params(verb, **args)
        attempts = self.bad_response_retries + 1
        for attempt in range(1, attempts + 1):
            response = await self.http.get(self.base_url, params)
            try:
                env, parsed = await asyncio.to_thread(_parse, response.body, verb, parse)
            except BadResponse as exc:
                problem = f"HTTP {response.status}, {exc}" if not response.ok else str(exc)
                if attempt < attempts:
                    await asyncio.sleep(self.bad_response_backoff * 2 ** (attempt - 1))
                    continue
                raise OaiError(f"{self.source}: {verb} answered with {problem} ({attempts} attempts, "
                               f"{response.url})", code="badResponse", ref=self.source) from None
            if env.errors:
                raise self._error(verb, env)
            return env, parsed, response.body
        raise AssertionError("unreachable")

    def _error(self, verb: str, env: Envelope) -> OaiError:
        code, message = env.errors[0]
        known = protocol.ERROR_CODES.get(code)
        meaning = known.meaning if known else "an error code OAI-PMH 2.0 does not define"
        said = f" - the repository says: {message!r}" if message else ""
        more = f" (and {len(env.errors) - 1} more errors)" if len(env.errors) > 1 else ""
        return OaiError(f"{self.source}: {verb} failed with {code or 'an error without a code'}: {meaning}{said}"
                        f"{more}", code=code or "undefinedError", ref=self.source, response_date=env.response_date)

    # --- verbs ------------------------------------------------------------------------------------------
    async def identify(self) -> Identify:
        _, info, _ = await self.call("Identify", parse=protocol.read_identify)
        return info

    async def list_metadata_formats(self, identifier: str | None = None) -> list[MetadataFormat]:
        _, formats, _ = await self.call("ListMetadataFormats", parse=protocol.read_formats, identifier=identifier)
        return formats

    async def list_sets(self) -> list[OaiSet]:
        out: list[OaiSet] = []
        token = None
        for _ in range(MAX_LIST_PAGES):
            _, (sets, next_token), _ = await self.call("ListSets", parse=protocol.read_sets, resumptionToken=token)
            out += sets
            token = next_token.value if next_token is not None and next_token.value else None
            if token is None:
                return out
        raise OaiError(f"{self.source}: ListSets did not end after {MAX_LIST_PAGES} pages", code="badResponse",
                       ref=self.source)

    async def list_records(self, *, prefix: str | None = None, from_: str | None = None, until: str | None = None,
                           set_: str | None = None, token: str | None = None) -> RecordsPage:
        return await self._list("ListRecords", prefix, from_, until, set_, token)

    async def list_identifiers(self, *, prefix: str | None = None, from_: str | None = None,
                               until: str | None = None, set_: str | None = None,
                               token: str | None = None) -> RecordsPage:
        """Headers only (records with metadata None)."""
        return await self._list("ListIdentifiers", prefix, from_, until, set_, token)

    async def get_record(self, identifier: str, prefix: str) -> OaiRecord:
        _, (records, _), _ = await self.call("GetRecord", parse=protocol.read_records, identifier=identifier,
                                             metadataPrefix=prefix)
        if not records:
            raise OaiError(f"{self.source}: GetRecord answered without a record", code="badResponse",
                           ref=self.source)
        return records[0]

    async def _list(self, verb, prefix, from_, until, set_, token) -> RecordsPage:
        if token:
            args = {"resumptionToken": token}
        else:
            args = {"metadataPrefix": prefix, "from_": from_, "until": until, "set": set_}
        env, (records, next_token), body = await self.call(verb, parse=protocol.read_records, **args)
        return RecordsPage(records, next_token, env.response_date, env.warnings, body)


def _parse(body: bytes, verb: str, parse):
    env = protocol.parse_envelope(body, verb)
    return env, (parse(env) if parse is not None and not env.errors else None)
