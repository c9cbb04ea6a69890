"""The corpus the search tests run against, loaded once per session through the real catalogue pipeline:
a generated union catalogue (yidu.corpus, every registry library) plus a few hand-made records whose
behaviour the tests name (traditional script, an XSS title, ISBN forms, a holdings-ranking pair, a record
only a faraway library holds). Generated records are never hard-coded: tests read them from the index."""
from __future__ import annotations

import io
import uuid
from dataclasses import dataclass, replace
from pathlib import Path

from pymarc import Field, Leader, MARCWriter, Record, Subfield

GENERATED_RECORDS = 3000
SEED = 11


def isbn13(stem12: str) -> str:
    total = sum(int(d) * (1 if i % 2 == 0 else 3) for i, d in enumerate(stem12))
    return stem12 + str((10 - total % 10) % 10)


def isbn10_of(isbn_13: str) -> str:
    core = isbn_13[3:12]
    check = (11 - sum((10 - i) * int(d) for i, d in enumerate(core)) % 11) % 11
    return core + ("X" if check == 10 else str(check))


@dataclass(frozen=True)
class Special:
    control: str
    library: str  # the loading (and holding) library
    title: str
    author: str
    year: int
    isbn: str | None = None
    lang: str = "chi"
    subtitle: str | None = None
    subjects: tuple[str, ...] = ()
    clc: str | None = None
    links: tuple[tuple[str, str], ...] = ()  # 856 (url, label)


FLOWERS = Special("sp-jhy", "PKU", "鏡花緣", "李汝珍", 1982, isbn13("978702000220"), clc="I242.4",
                  subjects=("章回小说",))
REPORT = Special("sp-report", "SYSU", "中国发展报告", "国家统计局", 2019, isbn13("978750374512"),
                 subjects=("经济发展",), clc="F124")
XSS = Special("sp-xss", "PKU", "<script>alert(1)</script>", "Mallory <b>Evil</b>", 2020, lang="eng",
              subtitle="<img src=x onerror=alert(2)>")
NEAR = Special("sp-near", "PKU", "量子计算导论", "林晓东", 2015, isbn13("978711100001"))
FAR = Special("sp-far", "XJU", "量子计算导论", "林晓东", 2015, isbn13("978711100002"))
LONELY = Special("sp-lonely", "XJU", "Zyxwvut monograph on steppe ecology", "Abdulla, Rahim", 2011,
                 isbn13("978000000777"), lang="eng")
THERMO = Special("sp-thermo", "THU", "Thermodynamics principles and applications", "Carnot, Sadi", 2010,
                 isbn13("978000000888"), lang="eng",
                 links=(("https://books.example.org/thermo", "Full text"), ("javascript:alert(3)", "evil")))
SPECIALS = (FLOWERS, REPORT, XSS, NEAR, FAR, LONELY, THERMO)


def marc21(s: Special) -> bytes:
    r = Record(force_utf8=True)
    r.leader = Leader("00000nam a2200000 a 4500")
    r.add_field(Field(tag="001", data=s.control))
    r.add_field(Field(tag="008", data=f"200101s{s.year}    cc            000 0 {s.lang} d"))
    if s.isbn:
        r.add_field(Field(tag="020", indicators=[" ", " "], subfields=[Subfield("a", s.isbn)]))
    if s.clc:
        r.add_field(Field(tag="084", indicators=[" ", " "], subfields=[Subfield("a", s.clc), Subfield("2", "clc")]))
    r.add_field(Field(tag="100", indicators=["1", " "], subfields=[Subfield("a", s.author)]))
    title = [Subfield("a", s.title)] + ([Subfield("b", s.subtitle)] if s.subtitle else [])
    r.add_field(Field(tag="245", indicators=["1", "0"], subfields=title))
    r.add_field(Field(tag="260", indicators=[" ", " "], subfields=[Subfield("b", "测试出版社"), Subfield("c", str(s.year))]))
    for subject in s.subjects:
        r.add_field(Field(tag="650", indicators=[" ", "7"], subfields=[Subfield("a", subject)]))
    r.add_field(Field(tag="852", indicators=[" ", " "], subfields=[Subfield("a", s.library), Subfield("h", "TEST/1")]))
    for url, label in s.links:
        r.add_field(Field(tag="856", indicators=["4", "0"], subfields=[Subfield("u", url), Subfield("y", label)]))
    out = io.BytesIO()
    MARCWriter(out).write(r)
    return out.getvalue()


@dataclass
class LoadedCorpus:
    settings: object
    prefix: str
    alias: str
    union_records: int


_loaded: dict[str, LoadedCorpus] = {}


def load(es_settings, es_client, registry, workdir: Path) -> tuple[LoadedCorpus, bool]:
    """The session's corpus (built on first call); the flag says whether this call built it (and so must
    delete it at the end)."""
    if "corpus" in _loaded:
        return _loaded["corpus"], False
    from indexer.catalog import CatalogPipeline
    from yidu.corpus import CorpusSpec, write_corpus

    prefix = f"tq{uuid.uuid4().hex[:8]}"
    settings = replace(es_settings, state_dir=workdir / "state").with_prefix(prefix)
    pipeline = CatalogPipeline(settings, es_client, is_member=registry.__contains__, progress=False)
    try:
        paths = write_corpus(CorpusSpec(records=GENERATED_RECORDS, libraries=registry.codes, seed=SEED),
                             workdir / "corpus")
        by_library: dict[str, list[Path]] = {}
        for path in paths:
            by_library.setdefault(path.name.split(".")[0], []).append(path)
        for library, files in by_library.items():
            pipeline.load(files, library=library, sync=False)
        for s in SPECIALS:
            path = workdir / f"special-{s.control}.mrc"
            path.write_bytes(marc21(s))
            pipeline.load([path], library=s.library, incremental=True, sync=False)
        pipeline.sync()
        es_client.indices.refresh(index=settings.index.alias("catalog"))
        count = es_client.count(index=settings.index.alias("catalog"))["count"]
    finally:
        pipeline.store.close()
    corpus = LoadedCorpus(settings, prefix, settings.index.alias("catalog"), count)
    _loaded["corpus"] = corpus
    return corpus, True


def drop(es_client, prefix: str) -> None:
    names = list(es_client.indices.get(index=f"{prefix}-*", expand_wildcards="all").body)
    if names:
        es_client.options(ignore_status=404).indices.delete(index=",".join(names))
    _loaded.pop("corpus", None)


# --- fixtures, imported by the conftest of every package that searches this corpus (query, api) -----------
import pytest  # noqa: E402


@pytest.fixture(scope="session")
def registry():
    from yidu.libraries import shipped_registry

    return shipped_registry()


@pytest.fixture(scope="session")
def corpus(es_settings, es_client, registry, tmp_path_factory):
    loaded, built = load(es_settings, es_client, registry, tmp_path_factory.mktemp("searchcorpus"))
    yield loaded
    if built:
        drop(es_client, loaded.prefix)
