"""Open311 GeoReport v2 records (JSON and XML) become service_requests rows, or are rejected."""

import json
from datetime import UTC, datetime

import pytest

from config import ConnectorSettings
from connectors.base import Rejected
from connectors.http import FeedError
from connectors.open311 import Open311Connector, parse_requests_xml

SPEC_EXAMPLE = {
    "service_request_id": 638344,
    "status": "closed",
    "status_notes": "Duplicate request.",
    "service_name": "Sidewalk and Curb Issues",
    "service_code": "006",
    "description": None,
    "agency_responsible": None,
    "service_notice": None,
    "requested_datetime": "2010-04-14T06:37:38-08:00",
    "updated_datetime": "2010-04-14T06:37:38-08:00",
    "expected_datetime": "2010-04-15T06:37:38-08:00",
    "address": "8TH AVE and JUDAH ST",
    "address_id": 545483,
    "zipcode": 94122,
    "lat": 37.762221815,
    "long": -122.4651145,
    "media_url": "http://city.gov.s3.amazonaws.com/requests/media/638344.jpg",
}

XML = b"""<?xml version="1.0" encoding="utf-8"?>
<{root}>
  <request>
    <service_request_id>13-00776762</service_request_id>
    <status>open</status>
    <service_name>Pothole</service_name>
    <service_code>4fd3b167e750846744000005</service_code>
    <description>Deep hole &lt;b&gt;here&lt;/b&gt;</description>
    <requested_datetime>2013-05-01T09:00:00+02:00</requested_datetime>
    <updated_datetime/>
    <address>Mannerheimintie 5</address>
    <lat>60.1699</lat>
    <long>24.9384</long>
  </request>
</{root}>"""


@pytest.fixture
def connector():
    settings = ConnectorSettings(name="311", kind="open311", url="http://feed.invalid/open311/v2")
    return Open311Connector(settings, "Europe/Helsinki")


def test_spec_example_normalizes_with_ids_as_strings_and_utc_times(connector):
    row = connector.normalize(SPEC_EXAMPLE)["service_requests"]
    assert row["request_id"] == "638344"
    assert row["service_code"] == "006"
    assert row["zipcode"] == "94122"
    assert row["status"] == "closed"
    assert row["requested_at"] == datetime(2010, 4, 14, 14, 37, 38, tzinfo=UTC)
    assert (row["lon"], row["lat"]) == (-122.4651145, 37.762221815)
    assert row["source"] == "311"


@pytest.mark.parametrize("root", ["service_requests", "requests"])
def test_xml_spec_root_and_fixmystreet_root(connector, root):
    records = parse_requests_xml(XML.replace(b"{root}", root.encode()))
    row = connector.normalize(records[0])["service_requests"]
    assert row["request_id"] == "13-00776762"
    assert row["description"] == "Deep hole <b>here</b>"  # kept as text; screens never render HTML
    assert row["requested_at"] == datetime(2013, 5, 1, 7, 0, tzinfo=UTC)
    assert row["updated_at"] is None


def test_xml_error_document_is_a_feed_error():
    body = (
        b"<errors><error><code>403</code><description>Invalid api_key</description>"
        b"</error></errors>"
    )
    with pytest.raises(FeedError, match="Invalid api_key"):
        parse_requests_xml(body)


def test_time_without_offset_is_city_local_time_with_a_warning(connector):
    record = dict(SPEC_EXAMPLE, requested_datetime="2026-06-01T12:00:00")
    row = connector.normalize(record)["service_requests"]
    assert row["requested_at"] == datetime(2026, 6, 1, 9, 0, tzinfo=UTC)  # EEST is UTC+3
    assert any("without UTC offset" in w for w in connector.warnings)


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"lat": None, "long": None}, "coordinates"),
        ({"lat": 95.0}, "out of range"),
        ({"requested_datetime": "yesterday at noon"}, "unparseable requested_datetime"),
        ({"requested_datetime": None}, "missing requested_datetime"),
        ({"service_request_id": None}, "no service_request_id"),
        ({"status": "in progress"}, "unknown status"),
        ({"description": {"html": "<b>x</b>"}}, "description is not text"),
    ],
)
def test_malformed_records_are_rejected_with_a_reason(connector, change, reason):
    with pytest.raises(Rejected, match=reason):
        connector.normalize(dict(SPEC_EXAMPLE, **change))


def test_fields_outside_the_spec_are_kept_in_extras_and_named_in_warnings(connector):
    notes = [{"datetime": "2010-04-14T07:00:00-08:00", "summary": "Crew sent", "type": "note"}]
    record = dict(SPEC_EXAMPLE, notes=notes, priority="high")
    row = connector.normalize(record)["service_requests"]
    extras = json.loads(row["extras"])
    assert (extras["notes"], extras["priority"]) == (notes, "high")
    # notes come with extensions=true (expected); priority is new: only it is reported
    assert connector.warnings == ["new attributes, kept in the extras column: priority"]


def test_spec_fields_without_a_column_are_kept_quietly(connector):
    # service_notice and address_id are spec fields C3 has no column for: kept, not drift
    row = connector.normalize(SPEC_EXAMPLE)["service_requests"]
    assert json.loads(row["extras"]) == {"address_id": 545483, "service_notice": None}
    assert connector.warnings == []


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"lat": {"value": 37.76}}, "non-numeric coordinates"),
        ({"status": ["closed"]}, "status is not text"),
        ({"service_request_id": {"id": 1}}, "service_request_id is not text"),
        ({"updated_datetime": 1271252258}, "unparseable updated_datetime"),
    ],
)
def test_a_field_whose_type_changed_is_rejected(connector, change, reason):
    with pytest.raises(Rejected, match=reason):
        connector.normalize(dict(SPEC_EXAMPLE, **change))


EXTENDED_XML = b"""<service_requests><request>
    <service_request_id>1</service_request_id>
    <status>closed</status>
    <notes>
      <note><datetime>2013-05-01T10:00:00+02:00</datetime><summary>Crew sent</summary>
        <type>note</type></note>
    </notes>
    <attributes>
      <attribute><code>DEPTH</code><value>deep</value></attribute>
      <attribute><code>SIZE</code><value>large</value></attribute>
    </attributes>
    <extended_attributes><channel>phone</channel><ward>12</ward></extended_attributes>
    <address>Mannerheimintie 5</address>
  </request></service_requests>"""


def test_xml_nested_elements_read_as_json_would_give_them():
    (record,) = parse_requests_xml(EXTENDED_XML)
    assert record["notes"] == [
        {"datetime": "2013-05-01T10:00:00+02:00", "summary": "Crew sent", "type": "note"}
    ]  # one <note> is still a list
    assert record["attributes"] == [
        {"code": "DEPTH", "value": "deep"},
        {"code": "SIZE", "value": "large"},
    ]
    assert record["extended_attributes"] == {"channel": "phone", "ward": "12"}
    assert record["address"] == "Mannerheimintie 5"
