"""Local OAI-PMH repositories for tests and benchmarks: a generated one and a recorded one, on a real server.

- `GeneratedRepository(records=N, page_size=200)`: N realistic theses (Chinese and English, oai_dc) with
  datestamps one minute apart, selective harvesting by from/until, resumption tokens, deletions and updates
  (`touch()`, `delete()`), expiring tokens (`expire_tokens()`) and a per-page delay.
- `RecordedRepository(routes)`: answers requests with recorded response files, by the request's arguments
  (a route matches when all its arguments are in the request), e.g. a ListRecords chain where each file's
  resumptionToken selects the next file.
- `RepositoryServer(repo)`: an aiohttp application on 127.0.0.1 on a free port, in a background thread
  (`with RepositoryServer(repo) as server: server.url`), or in the current loop (`await start()`).
  `faults` inject misbehaviour before the repository answers: `Fault(status=503, retry_after="1", times=2)`,
  `Fault(reset=True)`, `Fault(delay=5.0)`, `Fault(body=b"<html>...")`.

`python -m harvesters.oai.localrepo --records N --page-size P [--delay S] [--port N]` serves a generated
repository until interrupted (the kill-and-resume test runs a harvest against it in another process).
"""
from __future__ import annotations

import argparse
import asyncio
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Callable
from xml.sax.saxutils import escape

from aiohttp import web

from yidu.corpus import vocab
from yidu.corpus.rng import Rng

XML_HEAD = (b'<?xml version="1.0" encoding="UTF-8"?>\n<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/" '
            b'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="http://www.openarchives.org/'
            b'OAI/2.0/ http://www.openarchives.org/OAI/2.0/OAI-PMH.xsd">')
DC_OPEN = ('<oai_dc:dc xmlns:oai_dc="http://www.openarchives.org/OAI/2.0/oai_dc/" '
           'xmlns:dc="http://purl.org/dc/elements/1.1/">')
EPOCH = datetime(2020, 1, 1, tzinfo=timezone.utc)
INSTITUTIONS = (("北京大学", "PKU"), ("清华大学", "THU"), ("复旦大学", "FDU"), ("南京大学", "NJU"), ("浙江大学", "ZJU"),
                ("武汉大学", "WHU"), ("中山大学", "SYSU"), ("四川大学", "SCU"), ("厦门大学", "XMU"), ("兰州大学", "LZU"))
EN_INSTITUTIONS = ("Peking University", "Tsinghua University", "Fudan University", "Nanjing University",
                   "Zhejiang University", "Xiamen University")
ZH_METHODS = ("基于多源数据的", "面向新时期的", "多维视角下的", "以实证分析为基础的", "比较视野中的", "基于案例的", "")
ZH_GENRES = ("研究", "问题研究", "实证研究", "机制研究", "影响因素分析", "发展路径研究", "比较研究")
ZH_SENTENCES = ("本文以{t}为研究对象，系统梳理了国内外相关文献。", "在此基础上构建了{t}的分析框架，并提出了若干研究假设。",
                "研究采用问卷调查、深度访谈与计量模型相结合的方法，对{p}地区的样本进行了实证检验。",
                "结果表明，{t}受到制度环境、组织能力与技术条件的共同影响。",
                "论文最后讨论了研究的理论贡献与实践启示，并指出了未来研究的方向。")
EN_SENTENCES = ("This {d} examines {t} from a comparative perspective.",
                "Drawing on survey data and in-depth interviews, it develops an analytical framework for {t}.",
                "The empirical results show that institutional context and organisational capacity shape outcomes.",
                "The study concludes with implications for theory and for practice in {p}.")
PLACES_EN = tuple(vocab.PLACE_PINYIN.values())
EN_PATTERNS = ("Essays on {t}", "{T}: evidence from China", "Three studies of {t}", "Rethinking {t}",
               "The political economy of {t}", "{T} in transition")


# --- the generated repository ----------------------------------------------------------------------------
class GeneratedRepository:
    def __init__(self, records: int, *, page_size: int = 200, seed: int = 1, delay: float = 0.0,
                 granularity: str = "YYYY-MM-DDThh:mm:ssZ", prefix_base: str = "oai:thesis.example.edu.cn:"):
        self.records = records
        self.page_size = page_size
        self.seed = seed
        self.delay = delay
        self.granularity = granularity
        self.prefix_base = prefix_base
        self.generation = 0
        self.changes: dict[int, tuple[int, bool]] = {}  # record -> (version, deleted)
        self.stamps: dict[int, datetime] = {}
        self.clock = EPOCH + timedelta(minutes=records + 1)  # "now": after every record's datestamp
        self.requests: list[dict[str, str]] = []
        self._lists: dict[tuple, list[int]] = {}
        self._cache: dict[tuple[int, int], bytes] = {}
        self._pages: dict[int, bytes] = {}  # prerendered answers of the complete list, by offset

    # ids, datestamps, changes
    def identifier(self, i: int) -> str:
        return f"{self.prefix_base}{i:07d}"

    def datestamp(self, i: int) -> datetime:
        return self.stamps.get(i, EPOCH + timedelta(minutes=i))

    def touch(self, ids, minutes_later: int = 1) -> None:
        """Update records: a new version with a datestamp after everything so far."""
        for i in ids:
            self.clock += timedelta(minutes=minutes_later)
            version, _ = self.changes.get(i, (0, False))
            self.changes[i] = (version + 1, False)
            self.stamps[i] = self.clock
        self._lists.clear()

    def delete(self, ids) -> None:
        for i in ids:
            self.clock += timedelta(minutes=1)
            version, _ = self.changes.get(i, (0, False))
            self.changes[i] = (version + 1, True)
            self.stamps[i] = self.clock
        self._lists.clear()

    def expire_tokens(self) -> None:
        self.generation += 1
        self._pages.clear()

    def prerender(self) -> int:
        """Render every page of the complete list now, so serving it costs (almost) no CPU later: a benchmark
        measures the harvester, not this repository. Returns the bytes held."""
        self._pages.clear()
        pages, offset = {}, 0
        while offset < self.records:
            params = {"verb": "ListRecords", "metadataPrefix": "oai_dc"} if offset == 0 else \
                {"verb": "ListRecords", "resumptionToken": f"{self.generation}|{offset}||"}
            pages[offset] = self._list_records(params)[1]
            offset += self.page_size
        self._cache.clear()
        self._pages = pages
        return sum(len(b) for b in pages.values())

    def live_ids(self) -> list[int]:
        return [i for i in range(self.records) if not self.changes.get(i, (0, False))[1]]

    # the protocol
    def answer(self, params: dict[str, str]) -> tuple[int, bytes]:
        self.requests.append(dict(params))
        verb = params.get("verb")
        if verb == "Identify":
            return 200, self._envelope("Identify", (
                "<Identify><repositoryName>Generated thesis repository</repositoryName>"
                "<baseURL>http://127.0.0.1/oai</baseURL><protocolVersion>2.0</protocolVersion>"
                "<adminEmail>oai@thesis.example.edu.cn</adminEmail>"
                f"<earliestDatestamp>{_stamp(EPOCH, self.granularity)}</earliestDatestamp>"
                f"<deletedRecord>persistent</deletedRecord><granularity>{self.granularity}</granularity>"
                "</Identify>").encode())
        if verb == "ListRecords":
            return self._list_records(params)
        return 200, self._error("badVerb", f"verb {verb!r} is not served here")

    def _list_records(self, params: dict[str, str]) -> tuple[int, bytes]:
        token = params.get("resumptionToken")
        if token:
            try:
                generation, offset, frm, until = token.split("|")
                offset = int(offset)
            except ValueError:
                return 200, self._error("badResumptionToken", "unreadable token")
            if int(generation) != self.generation:
                return 200, self._error("badResumptionToken", "expired token")
        else:
            if params.get("metadataPrefix") != "oai_dc":
                return 200, self._error("cannotDisseminateFormat", "only oai_dc")
            offset, frm, until = 0, params.get("from", ""), params.get("until", "")
        if not frm and not until and offset in self._pages and not self.changes:
            return 200, self._pages[offset]
        selected = self._selection(frm, until)
        if not selected:
            return 200, self._error("noRecordsMatch", "")
        page = selected[offset:offset + self.page_size]
        body = b"".join(self._record(i) for i in page)
        end = offset + len(page)
        if end < len(selected):
            tok = f'<resumptionToken completeListSize="{len(selected)}" cursor="{offset}">' \
                  f'{self.generation}|{end}|{frm}|{until}</resumptionToken>'
        elif token:
            tok = f'<resumptionToken completeListSize="{len(selected)}" cursor="{offset}"/>'
        else:
            tok = ""
        return 200, self._envelope("ListRecords", b"<ListRecords>" + body + tok.encode() + b"</ListRecords>")

    def _selection(self, frm: str, until: str) -> list[int]:
        key = (frm, until)
        if key not in self._lists:
            lo = _parse(frm, end=False) if frm else None
            hi = _parse(until, end=True) if until else None
            self._lists[key] = [i for i in range(self.records)
                                if (lo is None or self.datestamp(i) >= lo) and (hi is None or self.datestamp(i) <= hi)]
        return self._lists[key]

    def _envelope(self, verb: str, inner: bytes) -> bytes:
        now = _stamp(self.clock, "YYYY-MM-DDThh:mm:ssZ")
        return (XML_HEAD + f"<responseDate>{now}</responseDate><request verb=\"{verb}\">http://127.0.0.1/oai"
                           f"</request>".encode() + inner + b"</OAI-PMH>")

    def _error(self, code: str, message: str) -> bytes:
        return self._envelope("", f'<error code="{code}">{escape(message)}</error>'.encode())

    def _record(self, i: int) -> bytes:
        version, deleted = self.changes.get(i, (0, False))
        stamp = _stamp(self.datestamp(i), self.granularity)
        if deleted:
            return (f'<record><header status="deleted"><identifier>{self.identifier(i)}</identifier>'
                    f'<datestamp>{stamp}</datestamp></header></record>').encode()
        key = (i, version)
        metadata = self._cache.get(key)
        if metadata is None:
            metadata = thesis_dc(self.seed, i, version).encode()
            if len(self._cache) < 200_000:
                self._cache[key] = metadata
        return (f"<record><header><identifier>{self.identifier(i)}</identifier><datestamp>{stamp}</datestamp>"
                f"<setSpec>theses</setSpec></header><metadata>").encode() + metadata + b"</metadata></record>"


def thesis_dc(seed: int, i: int, version: int = 0) -> str:
    """One realistic thesis in oai_dc: two of three Chinese (title, abstract, keywords, 导师, 博士/硕士),
    one of three English (from a Chinese or foreign university)."""
    r = Rng(f"thesis:{seed}:{i}:{version}")
    chinese = r.below(3) < 2
    topic = r.choice(vocab.TOPICS_ZH)
    place = r.choice(vocab.PLACES_ZH)
    doctoral = r.chance(0.3)
    year = 2005 + r.below(20)
    els: list[tuple[str, str]] = []
    if chinese:
        inst, _ = r.choice(INSTITUTIONS)
        title = f"{r.choice(ZH_METHODS)}{topic.zh}{r.choice(ZH_GENRES)}"
        if r.chance(0.3):
            title += f"——以{place}为例"
        els += [("title", title), ("title", _en_title(r, topic.en))]
        els += [("creator", _zh_name(r)), ("contributor", _zh_name(r))]
        if r.chance(0.3):
            els.append(("contributor", _zh_name(r)))
        abstract = "".join(s.format(t=topic.zh, p=place) for s in ZH_SENTENCES)
        els += [("description", abstract), ("description", "博士" if doctoral else "硕士")]
        words = [w for w in topic.heading.replace("$x", " ").replace("$y", " ").replace("$z", " ").split() if w]
        els += [("subject", w) for w in words[:3]] + [("subject", place)]
        els += [("publisher", inst), ("type", "学位论文"), ("language", "zh_CN")]
    else:
        inst = r.choice(EN_INSTITUTIONS)
        topic_en = r.choice(vocab.TOPICS_EN)
        els += [("title", _en_title(r, topic_en.phrase))]
        els += [("creator", _western_name(r)), ("contributor", _western_name(r)), ("contributor", _western_name(r))]
        abstract = " ".join(s.format(t=topic_en.phrase, d="dissertation" if doctoral else "thesis",
                                     p=r.choice(PLACES_EN)) for s in EN_SENTENCES)
        els += [("description", abstract),
                ("description", "Thesis (Ph.D.)" if doctoral else "Thesis (M.A.)")]
        els += [("subject", s) for s in topic_en.lcsh.replace("$z", "$x").replace("$y", "$x").split("$x")[:2]]
        els += [("publisher", inst), ("type", "Thesis"), ("type", "Text"), ("language", "en")]
    els += [("date", f"{year}-0{1 + r.below(9)}"), ("format", "application/pdf"),
            ("identifier", f"http://thesis.example.edu.cn/handle/10000/{i}"),
            ("identifier", f"http://thesis.example.edu.cn/bitstream/10000/{i}/1/thesis.pdf")]
    if version:  # an update changes the title visibly
        els[0] = ("title", f"{els[0][1]} (rev. {version})")
    return DC_OPEN + "".join(f"<dc:{k}>{escape(v)}</dc:{k}>" for k, v in els) + "</oai_dc:dc>"


def _en_title(r: Rng, phrase: str) -> str:
    return r.choice(EN_PATTERNS).format(t=phrase, T=phrase[:1].upper() + phrase[1:])


def _zh_name(r: Rng) -> str:
    surname, _ = r.pick(vocab.SURNAME_TABLE)
    return surname + "".join(r.choice(vocab.GIVEN_CHARS) for _ in range(1 + r.below(2)))


def _western_name(r: Rng) -> str:
    if r.chance(0.3):
        surname, forename = r.choice(vocab.CHINESE_IN_WESTERN)
    else:
        surname, forename = r.choice(vocab.WESTERN_SURNAMES), r.choice(vocab.WESTERN_FORENAMES)
    return f"{surname}, {forename}"


def _stamp(moment: datetime, granularity: str) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ" if granularity.endswith("Z") else "%Y-%m-%d")


def _parse(value: str, *, end: bool) -> datetime:
    if "T" in value:
        return datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)
    day = datetime.strptime(value, "%Y-%m-%d").replace(tzinfo=timezone.utc)
    return day + timedelta(days=1, microseconds=-1) if end else day


# --- the recorded repository ----------------------------------------------------------------------------
@dataclass
class Route:
    params: dict[str, str]  # a subset of the request's arguments
    body: bytes | Path
    status: int = 200
    headers: dict[str, str] = field(default_factory=lambda: {"Content-Type": "text/xml; charset=utf-8"})


class RecordedRepository:
    def __init__(self, routes: list[Route]):
        self.routes = routes
        self.requests: list[dict[str, str]] = []
        self.served: list[str] = []

    def answer(self, params: dict[str, str]) -> tuple[int, bytes, dict[str, str]]:
        self.requests.append(dict(params))
        best = None
        for route in self.routes:
            if all(params.get(k) == v for k, v in route.params.items()):
                if best is None or len(route.params) > len(best.params):
                    best = route
        if best is None:
            return 404, b"<html><head><title>404 Not Found</title></head><body>no route</body></html>", \
                {"Content-Type": "text/html"}
        body = best.body.read_bytes() if isinstance(best.body, Path) else best.body
        self.served.append(best.body.name if isinstance(best.body, Path) else "<inline>")
        return best.status, body, best.headers


# --- faults and the server ------------------------------------------------------------------------------
@dataclass
class Fault:
    """Misbehave `times` times (None: always) for requests whose arguments include `when`."""

    status: int | None = None
    retry_after: str | None = None
    reset: bool = False  # close the connection without an answer
    delay: float = 0.0
    body: bytes | None = None
    content_type: str = "text/html"
    times: int | None = 1
    when: dict[str, str] = field(default_factory=dict)
    hits: int = 0

    def applies(self, params: dict[str, str]) -> bool:
        if self.times is not None and self.hits >= self.times:
            return False
        return all(params.get(k) == v for k, v in self.when.items())


class RepositoryServer:
    def __init__(self, repo: Any, *, faults: list[Fault] | None = None, port: int = 0, path: str = "/oai"):
        self.repo = repo
        self.faults = faults or []
        self.port = port
        self.path = path
        self.hits = 0
        self._runner: web.AppRunner | None = None
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}{self.path}"

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        self.hits += 1
        params = dict(request.query)
        for fault in self.faults:
            if fault.applies(params):
                fault.hits += 1
                if fault.delay:
                    await asyncio.sleep(fault.delay)
                if fault.reset:
                    request.transport.close()
                    raise asyncio.CancelledError  # aiohttp drops the connection
                if fault.status or fault.body is not None:
                    headers = {"Retry-After": fault.retry_after} if fault.retry_after else {}
                    return web.Response(status=fault.status or 200, body=fault.body or b"", headers=headers,
                                        content_type=fault.content_type)
        delay = getattr(self.repo, "delay", 0.0)
        if delay:
            await asyncio.sleep(delay)
        answer = self.repo.answer(params)
        status, body = answer[0], answer[1]
        headers = answer[2] if len(answer) > 2 else {"Content-Type": "text/xml; charset=utf-8"}
        return web.Response(status=status, body=body, headers=headers)

    async def start(self) -> "RepositoryServer":
        app = web.Application()
        app.router.add_get(self.path, self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", self.port)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]
        return self

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    # in a background thread, for code that is not async (subprocess tests, benchmarks)
    def __enter__(self) -> "RepositoryServer":
        ready = threading.Event()
        self._loop = asyncio.new_event_loop()

        def serve() -> None:
            asyncio.set_event_loop(self._loop)
            self._loop.run_until_complete(self.start())
            ready.set()
            self._loop.run_forever()

        self._thread = threading.Thread(target=serve, daemon=True, name="oai-repository")
        self._thread.start()
        if not ready.wait(10):
            raise RuntimeError("the local OAI repository did not start")
        return self

    def call(self, fn: Callable[[], Any]) -> Any:
        """Run `fn` on the server's loop (to change the repository while it serves)."""
        future = asyncio.run_coroutine_threadsafe(_call(fn), self._loop)
        return future.result(10)

    def __exit__(self, *exc: Any) -> None:
        asyncio.run_coroutine_threadsafe(self.stop(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._loop.close()


async def _call(fn: Callable[[], Any]) -> Any:
    return fn()


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description="serve a generated OAI-PMH thesis repository")
    p.add_argument("--records", type=int, default=1000)
    p.add_argument("--page-size", type=int, default=200)
    p.add_argument("--delay", type=float, default=0.0, help="seconds before each answer")
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--prerender", action="store_true", help="render every page before serving")
    args = p.parse_args(argv)
    repo = GeneratedRepository(args.records, page_size=args.page_size, delay=args.delay, seed=args.seed)
    if args.prerender:
        repo.prerender()
    with RepositoryServer(repo, port=args.port) as server:
        print(server.url, flush=True)
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
