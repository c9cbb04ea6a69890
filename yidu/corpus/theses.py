"""Theses of the member universities, generated, and the OAI-PMH data provider that serves them as ETD-MS.

    spec = ThesisSpec(theses=5000, seed=1, institutions=institutions(registry))
    thesis(spec, 42)                             # ground truth of thesis 42
    etdms(thesis(spec, 42))                      # its ETD-MS 1.1 metadata element
    repo = ThesisRepository(spec)                # answers OAI-PMH requests: repo.answer({"verb": ...})

Each thesis comes from a member university of the registry, drawn by collection size (big research
universities grant more degrees); its discipline follows the university's profile (data/thesis_profiles.tsv:
medical universities give medical degrees, foreign-studies universities linguistics...). Its grantor is the
university's name as the library registry gives it without "图书馆" / "Library" (data/thesis_grantors.tsv
where that is not the degree grantor's name), so `indexer.theses.InstitutionMatcher` files it under the
library's code. Eighty-five percent are Chinese (a Chinese title with an English alternative title, a
Chinese and an English abstract, Chinese keywords, 导师), the rest English-language theses of international
students; 30 % doctoral, the rest master's; years 2000-2024, more in recent years. Thesis i is a pure
function of (seed, i) and the institution list.

`ThesisRepository` is a small OAI-PMH 2.0 data provider for those records (Identify, ListMetadataFormats,
ListRecords with metadataPrefix `etdms`, from/until, resumption tokens; record i has the datestamp
EPOCH + i minutes). Served by `harvesters.oai.localrepo.RepositoryServer`, it lets the demo load theses
through the real OAI-PMH harvester.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from math import ceil, floor, isqrt
from typing import Iterable
from xml.sax.saxutils import escape, quoteattr

from yidu.corpus import vocab as V
from yidu.corpus.articles import abstract, capital, chinese_name, disciplines, patterns, pinyin_name, terms
from yidu.corpus.profiles import profile
from yidu.corpus.rng import Rng, Weighted
from yidu.libraries import Library

ETDMS_NS = "http://www.ndltd.org/standards/metadata/etdms/1.1/"
PREFIX = "etdms"
EPOCH = datetime(2025, 1, 1, tzinfo=timezone.utc)
YEARS = (2000, 2024)
CHINESE, DOCTORAL = 0.85, 0.3
IDENTIFIER = "oai:etd.calis.example:"
BASE_URL = "https://etd.calis.example"
_LIBRARY_SUFFIXES = ("图书馆", " Library")


# --- institutions --------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Institution:
    code: str
    name: str  # the degree grantor, in Chinese
    name_en: str
    weight: float
    disciplines: Weighted


@lru_cache(maxsize=1)
def _profiles() -> tuple[tuple[tuple[str, ...], Weighted], ...]:
    out = []
    for words, weights in V._rows("thesis_profiles.tsv"):
        pairs = [item.split(":") for item in weights.split()]
        out.append((tuple(words.split("|")), Weighted([(code, float(w)) for code, w in pairs])))
    return tuple(out)


@lru_cache(maxsize=1)
def _grantors() -> dict[str, tuple[str, str]]:
    return {code: (zh, en) for code, zh, en in V._rows("thesis_grantors.tsv")}


def _without_suffix(name: str) -> str:
    for suffix in _LIBRARY_SUFFIXES:
        if name.endswith(suffix):
            return name[:-len(suffix)].strip()
    return name


def institutions(libraries: Iterable[Library]) -> tuple[Institution, ...]:
    """The degree-granting universities behind the registry's libraries."""
    out = []
    for lib in libraries:
        name, name_en = _grantors().get(lib.code, (_without_suffix(lib.name), _without_suffix(lib.name_en)))
        table = next(t for words, t in _profiles() if words == ("*",) or any(w in lib.name for w in words))
        out.append(Institution(lib.code, name, name_en, profile(lib.code).size, table))
    return tuple(out)


# --- theses ----------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ThesisSpec:
    theses: int
    institutions: tuple[Institution, ...]
    seed: int = 1

    def __post_init__(self):
        if self.theses < 0 or not self.institutions:
            raise ValueError("theses must be >= 0 and there must be institutions")


@lru_cache(maxsize=4)
def _institution_table(spec: ThesisSpec) -> Weighted:
    return Weighted([(inst, inst.weight) for inst in spec.institutions])


@dataclass(frozen=True)
class GeneratedThesis:
    number: int
    institution: str  # registry code
    grantor: str  # as the record names it
    language: str  # "chi" | "eng"
    title: str
    alternative_title: str | None
    author: str
    advisors: tuple[str, ...]
    level: str  # "doctoral" | "master"
    degree_name: str
    discipline: str
    year: int
    abstracts: tuple[str, ...]
    keywords: tuple[str, ...]

    @property
    def identifier(self) -> str:
        return f"{IDENTIFIER}{self.number:07d}"

    @property
    def landing_page(self) -> str:
        return f"{BASE_URL}/handle/99999/{self.number}"

    @property
    def pdf(self) -> str:
        return f"{BASE_URL}/bitstream/99999/{self.number}/1/thesis.pdf"


def thesis(spec: ThesisSpec, i: int) -> GeneratedThesis:
    r = Rng(f"thesis:{spec.seed}:{i}")
    inst = r.pick(_institution_table(spec))
    d = disciplines()[r.pick(inst.disciplines)]
    t = terms()[d.code]
    (topic, topic2), method, setting = r.sample(t.topic, 2), r.choice(t.method), r.choice(t.setting)
    level = "doctoral" if r.chance(DOCTORAL) else "master"
    year = YEARS[0] + isqrt(r.below(10_000) * (YEARS[1] - YEARS[0] + 1) ** 2 // 10_000)  # more recent theses
    n, pct = r.randint(80, 3000), r.randint(3, 40)
    en, zh = ({"topic": topic[side], "Topic": capital(topic[side]), "topic2": topic2[side], "method": method[side],
               "Method": capital(method[side]), "setting": setting[side], "n": n, "pct": pct} for side in (0, 1))
    english_title = r.pick(patterns("en", "thesis", d.family)).format(**en)
    if r.chance(CHINESE):
        advisors = tuple(chinese_name(r) for _ in range(1 + r.chance(0.2)))
        title = r.pick(patterns("zh", "thesis", d.family)).format(**zh)
        degree = d.degree_zh + ("博士" if level == "doctoral" else "硕士")
        abstracts = (abstract(r, "zh", d.family, zh), abstract(r, "en", d.family, en))
        return GeneratedThesis(i, inst.code, inst.name, "chi", title, english_title, chinese_name(r), advisors, level,
                               degree, d.name_zh, year, abstracts, (topic[1], topic2[1], method[1]))
    author = pinyin_name(r) if r.chance(0.4) else f"{r.choice(V.WESTERN_SURNAMES)}, {r.choice(V.WESTERN_FORENAMES)}"
    degree = "Doctor of Philosophy" if level == "doctoral" else f"Master of {d.degree_en}"
    abstracts = (abstract(r, "en", d.family, en),)
    return GeneratedThesis(i, inst.code, inst.name_en, "eng", english_title, None, author, (pinyin_name(r),), level,
                           degree, d.name_en, year, abstracts, (topic[0], topic2[0], method[0]))


def etdms(t: GeneratedThesis) -> str:
    """The thesis as an ETD-MS 1.1 metadata element."""
    lang = "zh" if t.language == "chi" else "en"
    parts = [f"<thesis xmlns={quoteattr(ETDMS_NS)}>", f"<title xml:lang=\"{lang}\">{escape(t.title)}</title>"]
    if t.alternative_title:
        parts.append(f"<alternativeTitle xml:lang=\"en\">{escape(t.alternative_title)}</alternativeTitle>")
    parts.append(f"<creator>{escape(t.author)}</creator>")
    parts += [f"<subject>{escape(k)}</subject>" for k in t.keywords]
    parts += [f"<description>{escape(a)}</description>" for a in t.abstracts]
    parts.append(f"<publisher>{escape(t.grantor)}</publisher>")
    parts += [f"<contributor role=\"advisor\">{escape(a)}</contributor>" for a in t.advisors]
    parts.append(f"<date>{t.year}-06-30</date>")
    parts.append("<type>Electronic Thesis or Dissertation</type>" + ("<type>学位论文</type>" if lang == "zh" else ""))
    parts += [f"<identifier>{t.landing_page}</identifier>", f"<identifier>{t.pdf}</identifier>"]
    parts.append(f"<language>{t.language}</language>")
    parts.append(f"<degree><name>{escape(t.degree_name)}</name><level>{2 if t.level == 'doctoral' else 1}</level>"
                 f"<discipline>{escape(t.discipline)}</discipline><grantor>{escape(t.grantor)}</grantor></degree>")
    return "".join(parts) + "</thesis>"


# --- the OAI-PMH data provider ----------------------------------------------------------------------------

XML_HEAD = ('<?xml version="1.0" encoding="UTF-8"?>\n<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/" '
            'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="http://www.openarchives.org/'
            'OAI/2.0/ http://www.openarchives.org/OAI/2.0/OAI-PMH.xsd">')
STAMP = "%Y-%m-%dT%H:%M:%SZ"


class ThesisRepository:
    """OAI-PMH answers for the theses of a spec: `answer(params) -> (HTTP status, body)`."""

    def __init__(self, spec: ThesisSpec, *, page_size: int = 500, base_url: str = f"{BASE_URL}/oai"):
        self.spec = spec
        self.page_size = page_size
        self.base_url = base_url
        self.now = EPOCH + timedelta(minutes=spec.theses + 1)  # after every datestamp

    def datestamp(self, i: int) -> str:
        return (EPOCH + timedelta(minutes=i)).strftime(STAMP)

    def answer(self, params: dict[str, str]) -> tuple[int, bytes]:
        verb = params.get("verb")
        if verb == "Identify":
            body = (f"<Identify><repositoryName>CALIS 高校学位论文库 (demo)</repositoryName><baseURL>{self.base_url}"
                    f"</baseURL><protocolVersion>2.0</protocolVersion><adminEmail>etd@calis.example</adminEmail>"
                    f"<earliestDatestamp>{EPOCH.strftime(STAMP)}</earliestDatestamp><deletedRecord>persistent"
                    f"</deletedRecord><granularity>YYYY-MM-DDThh:mm:ssZ</granularity></Identify>")
            return 200, self._envelope(verb, body)
        if verb == "ListMetadataFormats":
            return 200, self._envelope(verb, f"<ListMetadataFormats><metadataFormat><metadataPrefix>{PREFIX}"
                                             f"</metadataPrefix><schema>{ETDMS_NS}etdms11.xsd</schema>"
                                             f"<metadataNamespace>{ETDMS_NS}</metadataNamespace></metadataFormat>"
                                             f"</ListMetadataFormats>")
        if verb == "ListRecords":
            return 200, self._list_records(params)
        return 200, self._error("", "badVerb", f"verb {verb!r} is not served here")

    def _list_records(self, params: dict[str, str]) -> bytes:
        token = params.get("resumptionToken")
        if token:
            try:
                offset, lo, hi = (int(x) for x in token.split("|"))
            except ValueError:
                offset = lo = hi = -1
            if not 0 <= lo <= offset < hi <= self.spec.theses:
                return self._error("ListRecords", "badResumptionToken", f"not a token of this list: {token!r}")
        elif params.get("metadataPrefix") != PREFIX:
            return self._error("ListRecords", "cannotDisseminateFormat", f"only {PREFIX}")
        else:
            try:
                lo, hi = self._window(params.get("from"), params.get("until"))
            except ValueError as exc:
                return self._error("ListRecords", "badArgument", str(exc))
            offset = lo
        if lo >= hi:
            return self._error("ListRecords", "noRecordsMatch", "")
        end = min(hi, offset + self.page_size)
        records = "".join(self._record(i) for i in range(offset, end))
        if end < hi:
            records += (f'<resumptionToken completeListSize="{hi - lo}" cursor="{offset - lo}">{end}|{lo}|{hi}'
                        f'</resumptionToken>')
        elif token:
            records += f'<resumptionToken completeListSize="{hi - lo}" cursor="{offset - lo}"/>'
        return self._envelope("ListRecords", f"<ListRecords>{records}</ListRecords>")

    def _window(self, frm: str | None, until: str | None) -> tuple[int, int]:
        """The record numbers [lo, hi) whose datestamps fall within from/until (inclusive)."""
        lo, hi = 0, self.spec.theses
        if frm:
            lo = max(lo, ceil(_minutes(frm, end=False)))
        if until:
            hi = min(hi, floor(_minutes(until, end=True)) + 1)
        return lo, max(lo, hi)

    def _record(self, i: int) -> str:
        t = thesis(self.spec, i)
        return (f"<record><header><identifier>{t.identifier}</identifier><datestamp>{self.datestamp(i)}</datestamp>"
                f"<setSpec>theses</setSpec></header><metadata>{etdms(t)}</metadata></record>")

    def _envelope(self, verb: str, inner: str) -> bytes:
        """The response around `inner`; the request element names the verb when it was a legal one."""
        request = f"<request verb=\"{verb}\">" if verb else "<request>"
        return (f"{XML_HEAD}<responseDate>{self.now.strftime(STAMP)}</responseDate>{request}{self.base_url}</request>"
                f"{inner}</OAI-PMH>").encode()

    def _error(self, verb: str, code: str, message: str) -> bytes:
        return self._envelope(verb, f'<error code="{code}">{escape(message)}</error>')


def _minutes(value: str, *, end: bool) -> float:
    """Minutes after EPOCH of a datestamp (a day's end when `end` and the value is a day)."""
    if "T" in value:
        moment = datetime.strptime(value, STAMP).replace(tzinfo=timezone.utc)
    else:
        moment = datetime.strptime(value, "%Y-%m-%d").replace(tzinfo=timezone.utc)
        if end:
            moment += timedelta(days=1, seconds=-1)
    return (moment - EPOCH).total_seconds() / 60
