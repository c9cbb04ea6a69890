"""Helpers shared by the link-resolver tests (imported by name: tests/ has no packages)."""
from __future__ import annotations

from datetime import date
from pathlib import Path

from linkresolver.kb import KnowledgeBase
from linkresolver.resolver import Resolver
from yidu.libraries import Registry, parse_registry, shipped_registry

HEADER = ("publication_title\tprint_identifier\tonline_identifier\tdate_first_issue_online\tnum_first_vol_online\t"
          "num_first_issue_online\tdate_last_issue_online\tnum_last_vol_online\tnum_last_issue_online\ttitle_url\t"
          "first_author\ttitle_id\tembargo_info\tcoverage_depth\tnotes\tpublisher_name\tpublication_type\taccess_type")


def kbart_row(title: str, pissn: str = "", eissn: str = "", first: str = "", vol1: str = "", iss1: str = "",
              last: str = "", vol2: str = "", iss2: str = "", url: str = "", embargo: str = "", depth: str = "fulltext",
              publisher: str = "", pubtype: str = "serial", access: str = "P") -> str:
    return "\t".join((title, pissn, eissn, first, vol1, iss1, last, vol2, iss2, url, "", "", embargo, depth, "",
                      publisher, pubtype, access))


def kbart(*rows: str, newline: str = "\n") -> bytes:
    return (newline.join((HEADER, *rows)) + newline).encode("utf-8")


def registry() -> Registry:
    return shipped_registry()


def make_kb(tmp_path: Path, reg: Registry | None = None) -> KnowledgeBase:
    reg = reg or registry()
    return KnowledgeBase(tmp_path / "kb.sqlite", is_member=reg.__contains__, background_rebuild=False,
                         refresh_interval=0.0)


def make_resolver(kb: KnowledgeBase, day: date, reg: Registry | None = None, **kw) -> Resolver:
    return Resolver(kb, reg or registry(), clock=lambda: day, **kw)


def small_registry(rows: list[str]) -> Registry:
    header = "code,name,name_en,city,province,region,domains,ip_ranges,opac_url,delivery"
    return parse_registry("\n".join([header, *rows]) + "\n")
