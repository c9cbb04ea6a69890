"""The corpus generator: determinism, valid ISO 2709 in both formats, identifiers, duplicates across libraries,
corruption and deletion, distributions, speed (printed) and constant memory. No Elasticsearch."""
from __future__ import annotations

import collections
import gc
import hashlib
import io
import json
import logging
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import opencc
import psutil
import pymarc
import pytest
from pymarc.exceptions import TruncatedRecord

from yidu import cli
from yidu.corpus import (
    BROKEN_KINDS,
    DEFAULT_LIBRARIES,
    CorpusSpec,
    Edition,
    GeneratedRecord,
    build_record,
    clc_name,
    clc_table,
    edition,
    holding_libraries,
    iter_records,
    plan,
    write_corpus,
)

REPO = Path(__file__).resolve().parents[2]
SPEC = CorpusSpec(records=12000, seed=7, broken_rate=0.02, deleted_rate=0.02)
CLEAN = CorpusSpec(records=8000, seed=11)

logging.getLogger("pymarc").setLevel(logging.ERROR)


# ---------------------------------------------------------------------------------------------- helpers


def parse(data: bytes, strict: bool = True) -> pymarc.Record | None:
    reader = pymarc.MARCReader(io.BytesIO(data), to_unicode=True, force_utf8=True,
                               utf8_handling="strict" if strict else "replace")
    record = next(reader)
    parse.last_exception = reader.current_exception
    return record


def directory_problems(data: bytes) -> list[str]:
    """The test's own ISO 2709 framing check (independent of the generator's)."""
    problems = []
    if not data.endswith(b"\x1d"):
        problems.append("no record terminator")
    if not data[:5].isdigit() or int(data[:5]) != len(data):
        problems.append("leader length")
    base = int(data[12:17])
    if data[base - 1:base] != b"\x1e":
        problems.append("base address")
    directory = data[24:base - 1]
    if len(directory) % 12:
        problems.append("directory size")
    for i in range(0, len(directory) - len(directory) % 12, 12):
        length, start = int(directory[i + 3:i + 7]), int(directory[i + 7:i + 12])
        end = base + start + length
        if end > len(data) - 1 or data[end - 1:end] != b"\x1e":
            problems.append(f"entry {directory[i:i + 3].decode()} past end or misaligned")
    return problems


def isbn13(value: str) -> str | None:
    """Normalise an ISBN as found in a record ("7-5037-1744-0 (pbk.)") to ISBN-13 digits; None if invalid."""
    m = re.search(r"(97[89][\d-]{10,14}|[\d-]{9,12}[\dXx])", value)
    if not m:
        return None
    digits = m.group(1).replace("-", "").upper()
    if len(digits) == 10:
        if not digits[:9].isdigit():
            return None
        total = sum((10 - i) * int(d) for i, d in enumerate(digits[:9])) + (10 if digits[9] == "X" else int(digits[9]))
        if total % 11:
            return None
        core = "978" + digits[:9]
    elif len(digits) == 13 and digits.isdigit():
        if sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(digits)) % 10:
            return None
        core = digits[:12]
    else:
        return None
    return core + str((10 - sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(core)) % 10) % 10)


_WIDTH = str.maketrans("（）：，；！？’", "():,;!?'")


def norm(text: str | None) -> str:
    """Trivial differences away: width of punctuation, spacing, ISBD punctuation at the end."""
    return re.sub(r"\s+", "", (text or "").translate(_WIDTH)).rstrip("./:;,")


def _year(text: str) -> str:
    found = re.search(r"\d{4}", text)
    return found.group(0) if found else text


def key_fields(record: pymarc.Record, fmt: str) -> tuple[str, str, str, str]:
    """(title, first author, year, edition) as catalogued, in the original script."""
    if fmt == "cnmarc":
        f200 = record.get_fields("200")[0]
        title = "".join(norm(v) for v in f200.get_subfields("a", "e"))
        names = [f.get_subfields("a")[0] for f in record.get_fields("701", "711")]
        year = _year(record.get_fields("210")[0].get_subfields("d")[0])
        ed = "".join(f.get_subfields("a")[0] for f in record.get_fields("205"))
        return norm(title), norm(names[0] if names else ""), year, norm(ed)
    links = {f.get_subfields("6")[0][4:6]: f for f in record.get_fields("880")}

    def original(f):  # the 880 holding the original script of a romanised field, else the field itself
        six = f.get_subfields("6") if f is not None else []
        return links.get(six[0][4:6], f) if six and six[0].startswith("880") else f

    f245 = original(record.get_fields("245")[0])
    title = "".join(norm(v) for v in f245.get_subfields("a", "b"))
    names = [original(f) for f in record.get_fields("100", "110", "700", "710")]
    author = names[0].get_subfields("a")[0] if names else ""
    f26x = original(record.get_fields("264", "260")[0])
    year = _year(f26x.get_subfields("c")[0])
    f250 = original((record.get_fields("250") or [None])[0])
    return norm(title), norm(author), year, norm(f250.get_subfields("a")[0] if f250 else "")


@pytest.fixture(scope="module")
def corpus() -> list[GeneratedRecord]:
    return list(iter_records(SPEC))


@pytest.fixture(scope="module")
def clean() -> list[GeneratedRecord]:
    return list(iter_records(CLEAN))


# ---------------------------------------------------------------------------------------------- determinism


def test_same_spec_same_bytes(corpus):
    again = list(iter_records(SPEC))
    assert [(r.library, r.format, r.edition, r.control_number, r.data, r.broken, r.deleted) for r in corpus] == \
           [(r.library, r.format, r.edition, r.control_number, r.data, r.broken, r.deleted) for r in again]
    other = list(iter_records(CorpusSpec(records=300, seed=SPEC.seed + 1)))
    assert [r.data for r in corpus[:300]] != [r.data for r in other]


def test_edition_is_a_pure_function_of_seed_and_k():
    first = [edition(3, k) for k in range(300)]
    assert first == [edition(3, k) for k in reversed(range(300))][::-1]
    assert all(isinstance(e, Edition) and e.number == k for k, e in enumerate(first))
    assert [e.title for e in first] != [edition(4, k).title for k in range(300)]


def test_bytes_do_not_depend_on_the_process():
    """Hash randomisation and a fresh interpreter give the same corpus."""
    code = ("import hashlib; from yidu.corpus import CorpusSpec, iter_records; h = hashlib.sha256(); "
            "[h.update(r.data) for r in iter_records(CorpusSpec(records=800, seed=5, broken_rate=0.05, "
            "deleted_rate=0.05))]; print(h.hexdigest())")
    digest = hashlib.sha256()
    for r in iter_records(CorpusSpec(records=800, seed=5, broken_rate=0.05, deleted_rate=0.05)):
        digest.update(r.data)
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=REPO, check=True)
    assert out.stdout.strip() == digest.hexdigest()


def test_build_record_matches_the_stream(clean):
    for r in clean[::97]:
        assert build_record(CLEAN, r.library, r.edition).data == r.data


# -------------------------------------------------------------------------------------------- well-formed


def test_every_record_parses_and_has_the_fields_of_its_format(clean):
    formats = collections.Counter()
    for r in clean:
        assert not directory_problems(r.data), r.control_number
        rec = parse(r.data)
        assert rec is not None, (r.control_number, parse.last_exception)
        ed = edition(CLEAN.seed, r.edition)
        assert rec["001"].data == r.control_number
        assert r.control_number.startswith(r.library)
        formats[r.format] += 1
        if r.format == "cnmarc":
            assert ed.script == "chinese"
            assert bool(rec.get_fields("010")) == (ed.isbn is not None)
            f100 = rec["100"]["a"]
            assert len(f100) == 36 and f100[26:30] == "50  ", f100
            assert rec["101"]["a"] == "chi"
            assert rec["200"]["a"]
            assert rec["210"]["c"] == ed.publisher and rec["210"]["d"]
            assert rec["690"]["a"] == ed.clc
            assert rec.get_fields("701", "711") or rec["200"]["f"]
            holdings = rec.get_fields("905")
            assert holdings and all(f["a"] == r.library and f["d"] and f["b"] for f in holdings)
        else:
            assert rec.leader[9] == "a"
            assert len(rec["008"].data) == 40
            assert rec["008"].data[35:38] == ed.language
            assert bool(rec.get_fields("020")) == (ed.isbn is not None)
            assert rec["245"]["a"]
            assert rec.get_fields("264", "260")
            assert rec["084"]["a"] == ed.clc and rec["084"]["2"] == "clc"
            holdings = rec.get_fields("852")
            assert holdings and all(f["a"] == r.library and f["h"] for f in holdings)
    assert formats["cnmarc"] > 0 and formats["marc21"] > 0


def test_chinese_books_in_marc21_libraries_are_romanised_with_880(clean):
    marc21_libraries = {p.code for p in plan(CLEAN).profiles if p.flavour == "marc21"}
    assert marc21_libraries, "the default library list should include a MARC 21 library"
    seen = 0
    for r in clean:
        if r.library in marc21_libraries and edition(CLEAN.seed, r.edition).script == "chinese":
            rec = parse(r.data)
            assert r.format == "marc21"
            assert rec["245"]["a"].isascii()
            links = {f["6"][:6] for f in rec.get_fields("880")}
            assert "245-01" in links or "245-02" in links
            assert any("\u4e00" <= c <= "\u9fff" for f in rec.get_fields("880") for c in f.value())
            seen += 1
    assert seen > 50


def test_isbns_are_valid_and_normalise_to_the_edition(clean):
    checked = 0
    for r in clean:
        rec = parse(r.data)
        tag = "010" if r.format == "cnmarc" else "020"
        ed = edition(CLEAN.seed, r.edition)
        for f in rec.get_fields(tag):
            value = f["a"]
            assert isbn13(value) == ed.isbn, (value, ed.isbn)
            checked += 1
    assert checked > 0.8 * len(clean)


def test_isbns_of_different_editions_differ():
    seen = {}
    for k in range(plan(SPEC).n_editions):
        isbn = edition(SPEC.seed, k).isbn
        if isbn:
            assert isbn not in seen, (k, seen.get(isbn))
            seen[isbn] = k
    # old books print an ISBN-10 (with X check digits among them), new ones an ISBN-13
    editions = [edition(SPEC.seed, k) for k in range(3000)]
    assert any(e.isbn10 and e.isbn10.endswith("X") for e in editions)
    assert any(e.isbn and e.isbn.startswith("9787") for e in editions)
    assert any(e.isbn and e.isbn[:4] in ("9780", "9781", "9783") for e in editions)


# ----------------------------------------------------------------------------------------- duplicates


def test_duplicates_across_libraries_share_a_normalised_isbn(clean):
    groups: dict[str, set[tuple[str, int]]] = collections.defaultdict(set)
    raw_forms = collections.defaultdict(set)
    for r in clean:
        rec = parse(r.data)
        for f in rec.get_fields("010", "020"):
            groups[isbn13(f["a"])].add((r.library, r.edition))
            raw_forms[isbn13(f["a"])].add(f["a"])
    shared = {isbn: members for isbn, members in groups.items() if len({lib for lib, _ in members}) > 1}
    assert len(shared) > 500
    for isbn, members in shared.items():
        assert len({k for _, k in members}) == 1, isbn  # one ISBN, one edition
    # the same book is written differently by different libraries
    assert sum(1 for forms in raw_forms.values() if len(forms) > 1) > 100
    assert any(len({len(v.replace("-", "").split()[0]) for v in forms}) > 1 for forms in raw_forms.values())


def test_editions_without_isbn_repeat_title_author_year_and_edition(clean):
    keys = collections.defaultdict(set)
    for r in clean:
        ed = edition(CLEAN.seed, r.edition)
        if ed.isbn is None:
            keys[r.edition].add(key_fields(parse(r.data), r.format))
    repeated = [k for k in keys if len(holding_libraries(CLEAN, k)) > 1]
    assert len(repeated) > 30
    for k in repeated:
        assert len(keys[k]) == 1, (k, keys[k])
    # and no two ISBN-less editions share that key
    by_key = collections.defaultdict(set)
    for k, ks in keys.items():
        for key in ks:
            by_key[key].add(k)
    assert all(len(v) == 1 for v in by_key.values())


def test_holdings_plan_matches_the_records(clean):
    held = collections.defaultdict(set)
    for r in clean:
        held[r.edition].add(r.library)
    p = plan(CLEAN)
    assert len(held) == p.n_editions
    for k in list(held)[:2000]:
        assert held[k] == set(holding_libraries(CLEAN, k))
    counts = collections.Counter(len(v) for v in held.values())
    assert counts[1] > counts[2] > counts[3] > counts[6]
    assert sum(n for h, n in counts.items() if h >= 10) > 0  # popular books held by most libraries


# ----------------------------------------------------------------------------------------- realism


def test_distributions(clean):
    p = plan(CLEAN)
    editions = [edition(CLEAN.seed, k) for k in range(p.n_editions)]
    n = len(editions)
    chinese = sum(e.script == "chinese" for e in editions) / n
    traditional = sum(e.variant == "traditional" for e in editions) / n
    ancient = [e for e in editions if e.mode == "ancient"]
    modern = [e for e in editions if e.mode != "ancient"]
    no_isbn = sum(e.isbn is None for e in modern) / len(modern)
    mean_holdings = CLEAN.records / n
    print(f"\neditions {n}: Chinese {chinese:.1%}, traditional {traditional:.1%}, ancient {len(ancient) / n:.1%}, "
          f"modern without ISBN {no_isbn:.1%}, holdings/edition {mean_holdings:.2f}")
    assert 0.58 < chinese < 0.72
    assert 0.02 < traditional < 0.07
    assert 0.004 < len(ancient) / n < 0.02 and all(e.isbn is None and e.variant == "traditional" for e in ancient)
    assert 0.05 < no_isbn < 0.12
    assert 2.5 <= mean_holdings <= 3.0
    languages = collections.Counter(e.language for e in editions)
    assert {"chi", "eng", "ger", "fre", "rus", "jpn"} <= set(languages)
    assert len({e.clc[0] for e in editions}) >= 20
    assert all(clc_name(e.clc) for e in editions)
    assert any(e.parallel_title for e in editions) and any(e.summary for e in editions)
    assert any(e.series for e in editions) and any(e.contents for e in editions)
    assert any(e.edition_statement for e in editions)


def test_traditional_script_records_exist(clean):
    t2s = opencc.OpenCC("t2s")
    titles = []
    for r in clean:
        ed = edition(CLEAN.seed, r.edition)
        if ed.variant == "traditional" and r.format == "cnmarc":
            titles.append(parse(r.data)["200"]["a"])
    assert len(titles) > 50
    assert sum(t2s.convert(t) != t for t in titles) > 0.7 * len(titles)


def test_chinese_titles_read_like_real_ones():
    editions = [edition(1, k) for k in range(4000)]
    zh = [e for e in editions if e.script == "chinese" and e.mode != "ancient"]
    for e in zh:
        assert re.fullmatch(r"[\w\u3000-\u303f\uff00-\uffef'’·—()（）“”《》 .-]+", e.title), e.title
        assert e.title_pinyin and all(w[:1].isupper() or not w[:1].isalpha() for w in e.title_pinyin.split())
    assert any(e.title.endswith(("研究", "教程", "概论", "史")) for e in zh)
    assert any(e.mode == "translation" and e.names[0].nationality for e in zh)
    assert any(e.names and e.names[0].corporate for e in zh)
    famous = {e.title for e in editions if e.mode in ("classic", "ancient")}
    assert famous & {"红楼梦", "紅樓夢", "史记", "史記", "资治通鉴", "資治通鑑", "鲁迅全集", "沈从文文集", "沈從文文集"}


def test_pinyin_is_capitalised_per_syllable():
    e = next(edition(2, k) for k in range(5000) if edition(2, k).title == "数据结构教程")
    assert e.title_pinyin == "Shu Ju Jie Gou Jiao Cheng"


def test_clc_table():
    table = clc_table()
    top = {code: name for code, name in table.items() if len(code) == 1}
    assert sorted(top) == sorted(set("ABCDEFGHIJKNOPQRSTUVXZ"))
    assert top["A"] == "马克思主义、列宁主义、毛泽东思想、邓小平理论"
    assert top["T"] == "工业技术" and top["Z"] == "综合性图书"
    assert table["TP"] == "自动化技术、计算机技术"
    assert table["F1"] == "世界各国经济概况、经济史、经济地理"
    assert len(table) > 300
    assert clc_name("TP311.138") == table["TP311.13"]
    assert clc_name("O13-43") == "高等数学"
    assert clc_name("W1") is None


# ----------------------------------------------------------------------------------- broken and deleted


def test_broken_records_are_exactly_those_tagged(corpus):
    kinds = collections.Counter()
    for r in corpus:
        if r.broken is None:
            assert not directory_problems(r.data), r.control_number
            assert parse(r.data) is not None, (r.control_number, parse.last_exception)
            continue
        kinds[r.broken] += 1
        assert r.data.endswith(b"\x1d")  # a reader resynchronising on terminators loses only this record
        if r.broken == "bad_length":
            assert int(r.data[:5]) != len(r.data)
        elif r.broken == "bad_directory":
            assert any("past end" in p for p in directory_problems(r.data))
        elif r.broken == "truncated":
            assert int(r.data[:5]) > len(r.data)
            assert parse(r.data) is None and isinstance(parse.last_exception, TruncatedRecord)
        elif r.broken == "bad_utf8":
            assert not directory_problems(r.data)
            assert parse(r.data) is None and isinstance(parse.last_exception, UnicodeDecodeError)
            assert parse(r.data, strict=False) is not None
    assert set(kinds) == set(BROKEN_KINDS)
    share = sum(kinds.values()) / sum(1 for r in corpus if not r.deleted)
    assert 0.01 < share < 0.03


def test_deleted_records_come_back_later_in_the_same_file(corpus):
    seen: dict[tuple[str, str], set[str]] = collections.defaultdict(set)
    deleted = 0
    for r in corpus:
        key = (r.library, r.format)
        if r.deleted:
            deleted += 1
            assert r.data[5:6] == b"d"
            assert r.control_number in seen[key]
            assert parse(r.data)["001"].data == r.control_number
        else:
            assert r.data[5:6] in (b"n", b"c")
            seen[key].add(r.control_number)
    assert 0.01 < deleted / SPEC.records < 0.03
    assert sum(1 for r in corpus if not r.deleted) == SPEC.records


def test_files_are_grouped_per_library_and_format(corpus):
    order = []
    for r in corpus:
        if not order or order[-1] != (r.library, r.format):
            order.append((r.library, r.format))
    assert len(order) == len(set(order))
    libraries = list(dict.fromkeys(lib for lib, _ in order))
    assert libraries == sorted(libraries, key=SPEC.libraries.index)
    # libraries list their editions in their own orders
    position = {}
    for (lib, fmt) in order[:4]:
        ks = [r.edition for r in corpus if r.library == lib and r.format == fmt and not r.deleted]
        position[(lib, fmt)] = {k: i for i, k in enumerate(ks)}
    pa, pb = list(position.values())[0], list(position.values())[2]
    common = [k for k in pa if k in pb]
    assert len(common) > 50
    ranks_b = [pb[k] for k in sorted(common, key=pa.get)]
    assert ranks_b != sorted(ranks_b)


def test_write_corpus(tmp_path, corpus):
    paths = write_corpus(SPEC, tmp_path)
    names = [p.name for p in paths]
    assert names[0] == f"{SPEC.libraries[0]}.cnmarc.mrc"
    assert all(re.fullmatch(r"[A-Z0-9-]+\.(cnmarc|marc21)\.mrc", n) for n in names)
    expected = collections.defaultdict(bytearray)
    for r in corpus:
        expected[f"{r.library}.{r.format}.mrc"] += r.data
    assert {p.name: p.read_bytes() for p in paths} == {n: bytes(v) for n, v in expected.items()}
    # a reader that splits on record terminators sees every record, broken or not
    blob = b"".join(p.read_bytes() for p in paths)
    assert blob.count(b"\x1d") == len(corpus)


def test_clean_files_read_with_pymarc(tmp_path):
    spec = CorpusSpec(records=1500, libraries=("PKU", "HKU", "NTU"), seed=2)
    paths = write_corpus(spec, tmp_path)
    total = 0
    for path in paths:
        with open(path, "rb") as fh:
            for rec in pymarc.MARCReader(fh, to_unicode=True, force_utf8=True):
                assert rec is not None
                total += 1
    assert total == 1500


# --------------------------------------------------------------------------------------------------- CLI


def test_cli_generate(tmp_path, capsys):
    out = tmp_path / "corpus"
    code = cli.main(["corpus", "generate", "--records", "600", "--out", str(out), "--libraries", "PKU,THU,FDU",
                     "--seed", "4", "--broken-rate", "0.01"])
    assert code == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["records"] == 600 and summary["editions"] > 200
    assert summary["bytes"] == sum(p.stat().st_size for p in out.iterdir())
    assert sorted(Path(f).name for f in summary["files"]) == sorted(p.name for p in out.iterdir())
    assert {"seconds", "broken"} <= set(summary)


def test_cli_rejects_a_bad_spec(tmp_path, capsys):
    code = cli.main(["corpus", "generate", "--records", "10", "--out", str(tmp_path), "--broken-rate", "2"])
    assert code != 0
    assert "rate" in capsys.readouterr().err


def test_spec_validation():
    with pytest.raises(ValueError):
        CorpusSpec(records=-1)
    with pytest.raises(ValueError):
        CorpusSpec(records=10, libraries=("PKU", "PKU"))
    assert CorpusSpec(records=10, libraries=["PKU"]).libraries == ("PKU",)
    assert list(iter_records(CorpusSpec(records=0))) == []
    single = list(iter_records(CorpusSpec(records=50, libraries=("PKU",))))
    assert len(single) == 50 and {r.library for r in single} == {"PKU"}


# ----------------------------------------------------------------------------------------- speed, memory


def test_generation_rate_is_printed():
    spec = CorpusSpec(records=20000, seed=99)
    started = time.perf_counter()
    cpu = time.process_time()
    n = sum(1 for _ in iter_records(spec))
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    print(f"\ngenerated {n} records in {wall:.2f} s: {n / wall:,.0f} records/s wall, {n / cpu:,.0f} records/s CPU")
    assert n == 20000


def test_memory_stays_constant():
    """Generating 200,000 records: RSS after the first ~20,000 records are generated stays flat.

    Generation renders every edition in one pass while the first file streams out (the other files are
    spooled to disk), so 2,000 yielded records already mean ~24,000 generated ones; RSS is sampled from
    there to the end."""
    spec = CorpusSpec(records=200_000, seed=5, libraries=DEFAULT_LIBRARIES, broken_rate=0.01, deleted_rate=0.01)
    process = psutil.Process()
    baseline = None
    peak = 0
    for i, _ in enumerate(iter_records(spec), 1):
        if i == 2_000:
            gc.collect()
            baseline = process.memory_info().rss
        elif i % 1_000 == 0 and baseline is not None:
            peak = max(peak, process.memory_info().rss)
    growth = (peak - baseline) / 2**20
    print(f"\nRSS growth over 200,000 records after the first ~20,000: {growth:.1f} MiB")
    assert growth < 8
