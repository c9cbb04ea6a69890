"""harvesters.oai.protocol without a network or a cluster: requests, datestamps, envelopes, safety.

Responses come from the recorded files in ../shared/data/oai (see test_oai_recorded.py for the full
accounting of every file) and from the hand-written attacks in fixtures/oai/.
"""
from __future__ import annotations

import resource
import time
from pathlib import Path

import pytest

from harvesters.oai import protocol
from harvesters.oai.protocol import DAY, SECONDS, BadResponse

FIXTURES = Path(__file__).parent / "fixtures" / "oai"


def test_request_params_drop_empty_arguments_and_map_from():
    assert protocol.request_params("ListRecords", metadataPrefix="oai_dc", from_="2015-01-01", until=None,
                                   set="") == {"verb": "ListRecords", "metadataPrefix": "oai_dc", "from": "2015-01-01"}


def test_a_resumption_token_goes_alone_with_the_verb():
    assert protocol.request_params("ListRecords", metadataPrefix="oai_dc", from_="2015-01-01",
                                   resumptionToken="0/200/733") == {"verb": "ListRecords", "resumptionToken": "0/200/733"}


@pytest.mark.parametrize("verb,args", [("Identify", {"metadataPrefix": "oai_dc"}), ("GetRecord", {"set": "x"}),
                                       ("ListThings", {})])
def test_illegal_requests_are_refused_before_they_are_sent(verb, args):
    with pytest.raises(ValueError):
        protocol.request_params(verb, **args)


@pytest.mark.parametrize("value,granularity,expected", [
    ("2015-06-14T10:11:12Z", SECONDS, "2015-06-14T10:11:12Z"),
    ("2015-06-14T10:11:12Z", DAY, "2015-06-14"),  # a day repository gets the day
    ("2015-06-14", SECONDS, "2015-06-14"),  # days are always legal
    ("2015-06-14T23:30:00+02:00", SECONDS, "2015-06-14T21:30:00Z"),  # offsets become UTC
    ("2015-06-14T10:11:12.345Z", SECONDS, "2015-06-14T10:11:12Z"),
])
def test_datestamps_are_formatted_with_the_repository_granularity(value, granularity, expected):
    assert protocol.format_datestamp(value, granularity) == expected


def test_unreadable_datestamps_say_what_was_expected():
    with pytest.raises(ValueError, match="YYYY-MM-DD"):
        protocol.parse_datestamp("14/06/2015")
    assert protocol.normalise_datestamp("2015-06-14") == "2015-06-14T00:00:00Z"
    assert protocol.normalise_datestamp("yesterday") == "yesterday"  # kept, never crashes a harvest


def test_identify_announces_granularity_deletions_and_earliest_datestamp(shared_data):
    zenodo = protocol.read_identify(protocol.parse_envelope(
        (shared_data / "oai/oaipmh-scythe-zenodo/identify__02.xml").read_bytes()))
    sickle = protocol.read_identify(protocol.parse_envelope((shared_data / "oai/sickle/Identify.xml").read_bytes()))
    assert zenodo.granularity == SECONDS and zenodo.repository_name
    assert (sickle.granularity, sickle.deleted_record, sickle.earliest_datestamp) == (
        DAY, "persistent", "1970-01-01T00:00:00Z")


def test_namespace_free_responses_read_like_namespaced_ones(shared_data):
    plain = protocol.parse_envelope((shared_data / "oai/traject/sample-oai-no-namespace.xml").read_bytes())
    spaced = protocol.parse_envelope((shared_data / "oai/traject/sample-oai-pmh.xml").read_bytes())
    (r1, t1), (r2, t2) = protocol.read_records(plain), protocol.read_records(spaced)
    assert [r.header.identifier for r in r1] == [r.header.identifier for r in r2] and len(r1) == 10
    assert t1.value == t2.value and t1.complete_list_size == 6387


def test_an_empty_resumption_token_ends_the_list(shared_data):
    last = protocol.parse_envelope((shared_data / "oai/phpoaipmh/GoodResponseFourPage_4.xml").read_bytes())
    _, token = protocol.read_records(last)
    assert token.value == "" and token.cursor == 600 and token.complete_list_size == 733


@pytest.mark.parametrize("name,reason", [
    ("sickle/ListRecordsBroken.xml", "malformed XML"),
    ("pyoai/fake3/00001.xml", "Opening and ending tag mismatch"),
    ("pyoai/fake4/00001.xml", "Entity 'bogus' not defined"),
    ("oaipmh-scythe-zenodo/identify__00.xml", "an HTML page (title: 'Httpbun sample')"),
    ("pyoai/fake1/00006.xml", "root <dc>, not an OAI-PMH response"),
])
def test_answers_that_are_not_oai_pmh_say_why(shared_data, name, reason):
    with pytest.raises(BadResponse, match=reason.replace("(", r"\(").replace(")", r"\)")):
        protocol.parse_envelope((shared_data / "oai" / name).read_bytes())


def test_an_answer_for_another_verb_is_not_accepted(shared_data):
    with pytest.raises(BadResponse, match="asked for ListRecords, the repository answered Identify"):
        protocol.parse_envelope((shared_data / "oai/sickle/Identify.xml").read_bytes(), "ListRecords")


def test_empty_answers_are_bad_responses():
    with pytest.raises(BadResponse, match="empty answer"):
        protocol.parse_envelope(b"  \n")


def test_control_characters_are_dropped_not_fatal():
    body = (FIXTURES / "oai_dc_chinese_theses_traditional_grantor.xml").read_bytes().replace(
        "本文以沈从文".encode(), "本文\x0c以沈\x01从文".encode())
    env = protocol.parse_envelope(body)
    records, _ = protocol.read_records(env)
    assert len(records) == 3 and env.warnings == ["2 control character(s) XML forbids removed before parsing"]


def test_external_entities_are_never_read(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-42")
    body = (FIXTURES / "xxe_external_entity_in_listrecords.xml").read_bytes().replace(
        b"@SECRET_PATH@", str(secret).encode())
    env = protocol.parse_envelope(body)
    records, _ = protocol.read_records(env)
    text = protocol.text_of(records[0].metadata)
    assert "TOP-SECRET-42" not in text and "Entity attack" in text
    assert b"TOP-SECRET-42" not in records[0].raw()


def test_billion_laughs_are_not_expanded():
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    try:  # libxml2 either refuses the amplification outright or leaves the references unexpanded
        env = protocol.parse_envelope((FIXTURES / "billion_laughs_in_identify.xml").read_bytes())
    except BadResponse as exc:
        assert "entity" in str(exc).lower()
    else:
        info = protocol.read_identify(env)
        assert len(info.repository_name) < 100 and info.granularity == DAY
    assert time.perf_counter() - started < 1.0
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 50_000  # KiB: no gigabytes of "lol"


def test_latin1_bytes_in_a_utf8_answer_are_replaced_not_fatal():
    body = (FIXTURES / "oai_dc_chinese_theses_traditional_grantor.xml").read_bytes().replace(
        "长江中游".encode(), "Universit\xe9 de Montr\xe9al ".encode("latin-1"))
    env = protocol.parse_envelope(body)
    records, _ = protocol.read_records(env)
    title = protocol.text_of(next(c for c in records[1].metadata if protocol.local(c.tag) == "title"))
    assert title.startswith("Universit\ufffd de Montr\ufffdal") and "not UTF-8" in env.warnings[0]
