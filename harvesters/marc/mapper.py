"""One MARC record -> one mapped *source record* (a plain dict), for either flavour.

The result is library-specific only in its holdings (profiles chosen per library); everything else
comes from the flavour's rule table.
"""
from __future__ import annotations

import hashlib
from typing import Any

from harvesters.errors import MappingError
from harvesters.marc import cnmarc, marc21
from harvesters.marc.holdings import HoldingsProfiles
from harvesters.marc.rules import RecordView

MAPPINGS = {"marc21": marc21.MAPPING, "cnmarc": cnmarc.MAPPING}


class MarcMapper:
    def __init__(self, profiles: HoldingsProfiles | None = None):
        self.profiles = profiles or HoldingsProfiles.shipped()

    def map(self, record: Any, flavour: str, library: str) -> dict[str, Any]:
        view = RecordView(record)
        doc = MAPPINGS[flavour].map(view)
        doc["format"] = flavour
        if doc.get("deleted"):
            if not doc.get("control_number"):
                raise MappingError("deleted record without a control number (001): cannot say what to delete")
            return doc
        if not doc.get("title"):
            tag = "245 $a" if flavour == "marc21" else "200 $a"
            raise MappingError(f"no title ({tag} is missing or empty)", ref=doc.get("control_number"))
        if not doc.get("control_number"):
            # Without an 001 a record cannot be updated or deleted later, but it is still a book:
            # give it an id derived from its content, so reloading the same record finds it again.
            doc["control_number"] = "nocn-" + _content_id(view)
        doc["holdings"] = self.profiles.extract(view, flavour, library)
        return doc


def _content_id(view: RecordView) -> str:
    h = hashlib.sha1()
    for tag in sorted(view.by_tag):
        for f in view.by_tag[tag]:
            h.update(tag.encode())
            h.update(repr(getattr(f, "data", None) or list(f.subfields or ())).encode())
    return h.hexdigest()[:16]
