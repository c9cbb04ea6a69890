"""CNMARC (UNIMARC as practised in China) writer: one library's record of a Chinese edition.

Layout follows real CALIS/NLC records (see docs/domain.md and the dp2 SRU sample): 010 $a ISBN $b binding
$d price; 100 $a fixed data with positions 26-29 = "50  " (ISO 10646, i.e. Unicode/UTF-8); 101 language;
200 $a title $A pinyin $e other title $f/$g responsibility; 205; 210 $a place $c publisher $d date; 215;
225/410 series; 327 contents; 330 summary; 606 $a $x $y $z $j; 690 $a CLC $v edition; 701/702 $a name
$A pinyin $4 role ($c dynasty or nationality, $g original name); 711 corporate; 801; 905 holdings:
$a library $b barcode (one per copy) $c location $d class $e book number $s call number $y volumes.
"""
from __future__ import annotations

from yidu.corpus.editions import Edition, Name
from yidu.corpus.holdings import copysets, entered_date, isbn_forms, keep_other_title, trivial
from yidu.corpus.profiles import LibraryProfile
from yidu.corpus.rng import Rng

_GOV_CORPORATE = ("国家统计局", "國家統計局", "教育部", "国务院", "全国人大")


_UNCERTAIN_DATES = {"[清末]": ("1851", "1911"), "[民國間]": ("1912", "1949"), "[明末]": ("1573", "1644")}
_REGIONS = {"TW": "710000", "HK": "810000"}


def _trivial_class(t: int) -> int:
    return 0 if t < 205 else (1 if t < 225 else (2 if t < 238 else (3 if t < 248 else 4)))


_CLASS_BYTE = (0, 205, 225, 238, 248)  # a representative byte of each trivial() class


def record(ed: Edition, lib: LibraryProfile, rng: Rng, control: str,
           memo: dict | None = None) -> tuple[str, str, list[tuple[str, str | bytes]]]:
    """(leader/05-11 without status, leader/17-23, fields) of `lib`'s CNMARC record of `ed`.

    `memo` (one dict per edition, shared by the records of its holders) caches the field bodies that do not
    depend on the library, already UTF-8 encoded."""
    if memo is None:
        memo = {}
    u = rng.u
    entered, stamp = entered_date(ed, u)
    f: list[tuple[str, str | bytes]] = [("001", control), ("005", stamp)]
    code = lib.code
    system = lib.system
    r = u()  # decisions about the descriptive fields, a few bits each

    # 010 ISBN / 091 统一书号 / local numbers
    price = ed.price if (r & 0xFF) < lib.record_price * 256 else None
    if ed.isbn:
        isbns = isbn_forms(ed, lib, u())
        body = f"  \x1fa{isbns[0]}"
        if ed.binding:
            body += f"\x1fb{ed.binding}"
        if price:
            body += f"\x1fd{price}"
        f.append(("010", body))
        for isbn in isbns[1:]:
            f.append(("010", f"  \x1fa{isbn}"))
    if system == "aleph":
        f.append(("035", f"  \x1fa(aleph){control[-9:]}{code}01"))
    if ed.unified_number:
        f.append(("091", f"  \x1fa{ed.unified_number}\x1fd{price}" if price else f"  \x1fa{ed.unified_number}"))
    if lib.copy_catalogue and ((r >> 8) & 0xFF) < lib.copy_catalogue * 256:
        f.append(("099", f"  \x1faCAL 0120{str(100000000 + (ed.number * 7919 + ed.seed) % 100000000)[1:]}"))

    fixed = memo.get("fixed")
    if fixed is None:
        fixed = memo["fixed"] = _fixed(ed)
    tail100, f101_106, notes = fixed
    f.append(("100", f"  \x1fa{entered}{tail100}"))
    f.extend(f101_106)

    # 200 title and statement of responsibility
    t = (r >> 16) & 0xFF
    tcls = _trivial_class(t)
    parallel = ed.parallel_title is not None and (r >> 24) & 3 != 0
    keep = ed.other_title is not None and keep_other_title(ed, r >> 24)
    key = ("200", tcls, parallel, keep)
    parts = memo.get(key)
    if parts is None:
        parts = memo[key] = _title_parts(ed, _CLASS_BYTE[tcls], parallel, keep)
    f.append(("200", parts[0] + parts[{"syllable": 1, "lower": 2}.get(lib.pinyin, 3)] + parts[4]))
    edition_field = notes["205"]
    if edition_field:
        f.append(("205", edition_field))

    # 210 publication, 215 physical description, 225 series
    r = u()
    if ed.isbn and ed.year and r % 25 == 0:
        f.append(("210", f"  \x1fa{ed.place}\x1fc{ed.publisher}\x1fd{ed.year}.{1 + (r >> 5) % 12}"))
    else:
        f.append(("210", notes["210"]))
    f.append(("215", notes["215i"] if ed.illustrations and (r >> 9) % 3 else notes["215"]))
    if notes["225"]:
        f.append(("225", notes["225"]))

    # notes
    if notes["300"]:
        f.append(("300", notes["300"]))
    if notes["320"] and (r >> 11) & 3:
        f.append(("320", notes["320"]))
    if notes["327"] and (r >> 13) % 3:
        f.append(("327", notes["327"]))
    if notes["330"] and (r >> 15) % 5:
        f.append(("330", notes["330"]))
    if notes["410"] and (r >> 18) & 1:
        f.append(("410", notes["410"]))
    if notes["454"]:
        f.append(("454", notes["454"]))
    if notes["510"]:
        f.append(("510", notes["510"]))

    # 606 subjects, 690 classification
    key = ("606", len(ed.subjects) > 1 and (r >> 19) & 3 == 0, (r >> 21) % 5 == 0)
    subjects = memo.get(key)
    if subjects is None:
        subjects = memo[key] = _subject_fields(ed, key[1], key[2])
    f.extend(subjects)
    f.append(("690", f"  \x1fa{ed.clc}\x1fv{lib.clc_edition}"))

    # 7XX names
    key = ("7xx", lib.pinyin)
    names = memo.get(key)
    if names is None:
        names = memo[key] = [(tag, body.encode()) for tag, body in (_name_field(n, lib.pinyin) for n in ed.names)]
    f.extend(names)

    # 801 record source
    f.append(("801", f" 0\x1faCN\x1fb{code}\x1fc{entered}"))
    if (r >> 24) % 3 == 0:
        f.append(("801", f" 2\x1faCN\x1fb{code}\x1fc{stamp[:8]}"))

    # 905 holdings
    with_s = system != "huiwen"
    for location, barcodes, call_class, call_item, volumes in copysets(ed, lib, u, ed.number, memo):
        body = (f"  \x1fa{code}\x1fb" + "\x1fb".join(barcodes)
                + f"\x1fc{location}\x1fd{call_class}\x1fe{call_item}")
        if with_s:
            body += f"\x1fs{call_class}/{call_item}"
        if volumes:
            body += f"\x1fy{volumes}"
        f.append(("905", body))

    # local fields
    if system == "interlib":
        f.append(("998", f"  \x1fa{code.lower()}{str(1000 + (r >> 26))[1:]}\x1fb{entered}"))
    elif system == "aleph":
        f.append(("OWN", f"  \x1fa{code}01"))
    return "am0 22", "   4500", f


def _fixed(ed: Edition) -> tuple[str, list, dict]:
    """Library-independent parts: the tail of 100 $a, fields 101-106, and note/description bodies."""
    trad = ed.variant == "traditional"
    if ed.year is None:
        d1, d2 = _UNCERTAIN_DATES.get(ed.date, ("1644", "1911"))
        dates = f"f{d1}{d2}"
    else:
        dates = f"d{ed.year}    "
    names = ed.names
    gov = "a" if names and names[0].corporate and names[0].name.startswith(_GOV_CORPORATE) else "y"
    region = _REGIONS.get(ed.country)
    fields = [
        ("101", (f"1 \x1fachi\x1fc{ed.original_language}" if ed.original_language else "0 \x1fachi").encode()),
        ("102", (f"  \x1faCN\x1fb{region}" if region else "  \x1faCN").encode()),
        ("105", f"  \x1fa{'a' if ed.illustrations else 'y'}   z   000{'a' if ed.form == 'lit' else 'y'}y".encode()),
        ("106", b"  \x1far"),
    ]
    extent = f"{ed.volumes}{'冊' if trad else '册'}" if ed.volumes > 1 else f"{ed.pages}{'頁' if trad else '页'}"
    ancient = ed.mode == "ancient"

    def enc(text: str | None) -> bytes | None:
        return text.encode() if text else None

    notes = {
        "205": enc(f"  \x1fa{ed.ancient_edition or ed.edition_statement}"
                   if (ed.ancient_edition or ed.edition_statement) else None),
        "210": enc(f"  \x1fa{ed.place}\x1fc{ed.publisher}\x1fd{ed.date}"),
        "215": enc(f"  \x1fa{extent}\x1fd{ed.height_cm}cm"),
        "215i": enc(f"  \x1fa{extent}\x1fc{'圖' if trad else '图'}\x1fd{ed.height_cm}cm"),
        "225": enc((f"2 \x1fa{ed.series}\x1fv{ed.series_number}" if ed.series_number else f"2 \x1fa{ed.series}")
                   if ed.series else None),
        "300": enc(f"  \x1fa{ed.summary}" if ancient and ed.summary else None),
        "320": enc(f"  \x1fa{'有書目' if trad else '有书目'}" if ed.bibliography else None),
        "327": enc("0 " + "".join([f"\x1fa{c}" for c in ed.contents]) if ed.contents else None),
        "330": enc(f"  \x1fa{ed.summary}" if ed.summary and not ancient else None),
        "410": enc(f" 0\x1f12001\x1fa{ed.series}" if ed.series else None),
        "454": enc(f" 1\x1f12001\x1fa{ed.original_title}" if ed.original_title else None),
        "510": enc(f"1 \x1fa{ed.parallel_title}\x1fzeng" if ed.parallel_title else None),
    }
    return f"{dates}km {gov}0chiy50      ea", fields, notes


def _title_parts(ed: Edition, t: int, parallel: bool, keep: bool) -> tuple[bytes, bytes, bytes, bytes, bytes]:
    """Field 200 in pieces: (indicators + $a, $A syllable style, $A lower case, no $A, the rest)."""
    head = f"1 \x1fa{trivial(ed.title, t)}".encode()
    pinyin = ed.title_pinyin
    syllable = f"\x1fA{pinyin}".encode() if pinyin else b""
    lower = f"\x1fA{pinyin.lower()}".encode() if pinyin else b""
    rest = ""
    if ed.part_number:
        rest += f"\x1fh{ed.part_number}"
    if parallel:
        rest += f"\x1fd{ed.parallel_title}"
    if keep:
        rest += f"\x1fe{trivial(ed.other_title, t)}"
    if ed.responsibility:
        rest += f"\x1ff{trivial(ed.responsibility, t)}"
    if ed.secondary_responsibility:
        rest += f"\x1fg{trivial(ed.secondary_responsibility, t)}"
    if parallel:
        rest += "\x1fzeng"
    return head, syllable, lower, b"", rest.encode()


def _subject_fields(ed: Edition, drop_second: bool, drop_x: bool) -> list[tuple[str, bytes]]:
    out = []
    for i, subject in enumerate(ed.subjects):
        if i and drop_second:
            continue
        skip_x = i and drop_x
        out.append(("606", (f"0 \x1fa{subject.term}" + "".join(
            [f"\x1f{c}{v}" for c, v in subject.subdivisions if not (skip_x and c == "x")])).encode()))
    return out


def _name_field(name: Name, style: str) -> tuple[str, str]:
    pinyin = name.pinyin if style != "none" else None
    if pinyin and style == "lower":
        pinyin = pinyin.lower()
    if name.corporate:
        body = f"02\x1fa{name.name}\x1fA{pinyin}\x1f4{name.role}" if pinyin else f"02\x1fa{name.name}\x1f4{name.role}"
        return ("711" if name.primary else "712", body)
    if name.dynasty:
        body = f" 0\x1fc({name.dynasty})\x1fa{name.name}"
    elif name.nationality:
        body = f" 1\x1fc({name.nationality})\x1fa{name.name}"
    else:
        body = f" 0\x1fa{name.name}"
    if pinyin:
        body += f"\x1fA{pinyin}"
    if name.original:
        body += f"\x1fg({name.original})"
    return ("701" if name.primary else "702", body + f"\x1f4{name.role}")
