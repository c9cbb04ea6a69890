"""`yidu search` on the real node: the same searches from the command line."""
from __future__ import annotations

import orjson
import pytest

import searchcorpus as sc
from yidu.cli import main

pytestmark = pytest.mark.es


@pytest.fixture
def env(corpus, monkeypatch):
    monkeypatch.setenv("YIDU_INDEX_PREFIX", corpus.prefix)
    monkeypatch.setenv("YIDU_STATE_DIR", str(corpus.settings.state_dir))
    if corpus.settings.es.url:
        monkeypatch.setenv("ES_URL", corpus.settings.es.url)
    return corpus


def test_json_output_is_the_api_shape(env, capsys):
    assert main(["search", "鏡花緣", "--library", "PKU", "--json"]) == 0
    result = orjson.loads(capsys.readouterr().out)
    assert result["scope"] == "library" and result["hits"][0]["title"] == sc.FLOWERS.title
    assert set(result["scopes"]) == {"library", "city", "province", "domain", "nation"}


def test_text_output_with_filters_facets_and_widening(env, capsys):
    assert main(["search", "Zyxwvut", "--library", "PKU", "--filter", "language=eng", "--facets"]) == 0
    out = capsys.readouterr().out
    assert "hits in scope nation (nothing in library: widened)" in out
    assert sc.LONELY.title in out and "language: 英文 1" in out


def test_bad_input_is_a_message_and_exit_code_2(env, capsys):
    assert main(["search", "isbn:123"]) == 2
    assert "not a valid ISBN" in capsys.readouterr().err
    assert main(["search", "x", "--filter", "nonsense"]) == 2
