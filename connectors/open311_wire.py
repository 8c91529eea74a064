"""Open311 GeoReport v2 on the wire, written: the request fields in the spec's order, its
W3C times with the city's offset, and the XML of requests and of errors. The simulator's
feed and C3's own Open311 server (api/open311.py) write the same; `connectors.open311`
reads it."""

from __future__ import annotations

import re
from datetime import datetime
from xml.etree import ElementTree as ET
from zoneinfo import ZoneInfo

OPEN311_FIELDS = (
    "service_request_id",
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "description",
    "agency_responsible",
    "service_notice",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "address",
    "address_id",
    "zipcode",
    "lat",
    "long",
    "media_url",
)


def iso_local(epoch_s: float, tz: str) -> str:
    """W3C datetime with the city's offset, as Open311 asks: 2010-04-14T06:37:38-08:00."""
    return datetime.fromtimestamp(epoch_s, ZoneInfo(tz)).isoformat(timespec="seconds")


_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def xml_text(value: object) -> str:
    """`value` as XML 1.0 may carry it: the control characters it cannot are dropped (a
    source's stray one must not break the whole document)."""
    return _NOT_XML.sub("", str(value))


def open311_xml(requests: list[dict], root: str = "service_requests") -> bytes:
    """`<service_requests><request>…</request></service_requests>` (FixMyStreet: `<requests>`)."""
    top = ET.Element(root)
    for req in requests:
        node = ET.SubElement(top, "request")
        for name in OPEN311_FIELDS:
            child = ET.SubElement(node, name)
            value = req.get(name)
            if value is not None:
                child.text = xml_text(value)
        if "notes" in req:  # <notes><note><datetime/><summary/><type/></note>…</notes>
            notes = ET.SubElement(node, "notes")
            for note in req["notes"]:
                item = ET.SubElement(notes, "note")
                for name, value in note.items():
                    ET.SubElement(item, name).text = xml_text(value)
    return b'<?xml version="1.0" encoding="utf-8"?>' + ET.tostring(top, encoding="utf-8")


def open311_services_xml(services: list[dict]) -> bytes:
    """`<services><service>…</service></services>`: booleans as the spec writes them."""
    top = ET.Element("services")
    for service in services:
        node = ET.SubElement(top, "service")
        for name, value in service.items():
            text = str(value).lower() if isinstance(value, bool) else xml_text(value)
            ET.SubElement(node, name).text = text
    return b'<?xml version="1.0" encoding="utf-8"?>' + ET.tostring(top, encoding="utf-8")


def open311_errors_xml(code: int, description: str) -> bytes:
    top = ET.Element("errors")
    err = ET.SubElement(top, "error")
    ET.SubElement(err, "code").text = str(code)
    ET.SubElement(err, "description").text = xml_text(description)
    return ET.tostring(top, encoding="utf-8")


