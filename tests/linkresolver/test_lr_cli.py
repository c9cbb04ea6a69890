"""`yidu kb ...` end to end through the CLI entry point, on a private state folder."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from lr_support import kbart, kbart_row
from yidu.cli import main


@pytest.fixture
def state(tmp_path: Path, monkeypatch) -> Path:
    monkeypatch.setenv("YIDU_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.delenv("YIDU_LIBRARIES", raising=False)
    return tmp_path


def run(capsys, *argv) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_librarian_workflow(state: Path, capsys):
    package = state / "alpha.tsv"
    package.write_bytes(kbart(kbart_row("Journal of Alpha Studies", "0044-3328", "", "1990", url="https://a.example"),
                              kbart_row("Broken", "0028-0836", "", "not a date")))
    code, out, err = run(capsys, "kb", "load", "kbart", str(package), "--package", "alpha")
    assert code == 0 and "1 loaded, 1 rejected" in out and "line 3: error" in err

    assert run(capsys, "kb", "subscribe", "PKU", "alpha", "--from", "2020-01-01")[0] == 0
    code, _, err = run(capsys, "kb", "subscribe", "PKU", "nothing")
    assert code == 1 and "no package named 'nothing'" in err
    code, _, err = run(capsys, "kb", "subscribe", "NOPE", "alpha")
    assert code == 1 and "unknown library" in err
    code, _, err = run(capsys, "kb", "subscribe", "PKU", "alpha", "--from", "2021-01-01", "--until", "2020-01-01")
    assert code == 1 and "before" in err

    holdings = state / "print.csv"
    holdings.write_text("issn,title,start_year\n0028-0836,Beta,1990\n", encoding="utf-8")
    code, out, _ = run(capsys, "kb", "holdings", "load", str(holdings), "--library", "NJU")
    assert code == 0 and "1 loaded" in out

    code, out, _ = run(capsys, "kb", "status", "--json", "--index")
    status = json.loads(out)
    assert (status["packages"], status["titles"], status["subscriptions"], status["print_holdings"]) == (1, 1, 1, 1)
    assert status["index"]["ranges"] == 1

    code, out, _ = run(capsys, "kb", "resolve", "rft.issn=0044-3328&rft.date=2021", "--library", "PKU", "--json")
    assert code == 0 and json.loads(out)["options"][0]["type"] == "fulltext"

    code, out, err = run(capsys, "kb", "token", "create", "PKU")
    assert code == 0 and out.strip().startswith("ykb_") and "shown only now" in err
    assert run(capsys, "kb", "token", "create")[0] == 2
    code, out, _ = run(capsys, "kb", "token", "revoke", "PKU")
    assert code == 0 and "revoked 1 token" in out

    assert run(capsys, "kb", "unsubscribe", "PKU", "alpha")[0] == 0
    assert run(capsys, "kb", "unsubscribe", "PKU", "alpha")[0] == 1


def test_a_file_that_is_not_kbart_loads_nothing(state: Path, capsys):
    other = state / "cufts.txt"
    other.write_text("title\tissn\te_issn\nX\t0028-0836\t\n", encoding="utf-8")
    code, _, err = run(capsys, "kb", "load", "kbart", str(other), "--package", "x")
    assert code == 1 and "not a KBART file" in err and "line 1:" in err
    code, out, _ = run(capsys, "kb", "status", "--json")
    assert json.loads(out)["packages"] == 0


def test_from_catalog_without_a_catalogue(state: Path, capsys):
    code, _, err = run(capsys, "kb", "holdings", "from-catalog")
    assert code == 1 and "no record store" in err


def test_the_real_german_file_through_the_cli(state: Path, capsys, shared_data):
    code, out, err = run(capsys, "kb", "load", "kbart", str(shared_data / "kbart" / "span" / "kbart.txt.gz"),
                         "--package", "span", "--json")
    report = json.loads(out)
    assert code == 0 and report["rows"] == 72056 and report["loaded"] + report["rejected"] == 72056
