"""Versioned indices behind aliases: a release that adds fields updates the live version in place; one that
changes a field asks for a reindex instead of failing on every document."""
from __future__ import annotations

import pytest

from indexer.errors import IndexerError
from indexer.indices import IndexManager
from mappings import mapping_for, settings_for

pytestmark = pytest.mark.es


def _older_release(es_client, settings, change) -> tuple[IndexManager, str]:
    """A live catalogue version created with a mapping `change` altered, as an earlier release left it."""
    indices = IndexManager(es_client, settings.index)
    body = mapping_for("catalog").to_dict()
    change(body["properties"])
    name = settings.index.versioned("catalog", 1)
    es_client.indices.create(index=name, mappings=body, settings={"number_of_replicas": 0, **settings_for("catalog")})
    indices.swap("catalog", name)
    return indices, name


@pytest.mark.usefixtures("clean_indices")
def test_fields_added_since_the_live_version_was_created_are_added_in_place(es_client, settings):
    indices, name = _older_release(es_client, settings, lambda props: props.pop("links"))
    doc = {"title": "Online book", "links": [{"url": "https://example.org/b", "label": "Full text"}]}
    with pytest.raises(Exception, match="strict_dynamic_mapping|not allowed"):
        es_client.index(index=indices.write_alias("catalog"), id="x", document=doc)
    assert indices.ensure("catalog") == name  # the same version: no reindex needed
    es_client.index(index=indices.write_alias("catalog"), id="x", document=doc, refresh=True)
    assert es_client.get(index=indices.alias("catalog"), id="x")["_source"]["links"][0]["label"] == "Full text"


@pytest.mark.usefixtures("clean_indices")
def test_a_field_changed_in_a_way_the_node_cannot_apply_asks_for_a_reindex(es_client, settings):
    indices, name = _older_release(es_client, settings, lambda props: props.update(year={"type": "keyword"}))
    with pytest.raises(IndexerError, match="yidu reindex catalog") as caught:
        indices.ensure("catalog")
    assert caught.value.ref == name
