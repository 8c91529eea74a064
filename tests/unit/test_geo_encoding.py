"""Large point layers travel as geobuf: the browser must get back the same features."""

import json

import geobuf

from geo.encoding import to_geobuf


def test_geobuf_keeps_every_feature_and_property_at_six_decimals():
    features = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [24.9412345678, 60.1698765432]},
            "properties": {"id": f"waste-{i}", "fill": 0.25 * i, "closed": None, "n": i},
        }
        for i in range(4)
    ]
    text = json.dumps({"type": "FeatureCollection", "features": features})
    encoded = to_geobuf(text)
    back = geobuf.decode(encoded)
    assert len(encoded) < len(text) / 2
    assert [f["properties"]["id"] for f in back["features"]] == [
        "waste-0",
        "waste-1",
        "waste-2",
        "waste-3",
    ]
    assert back["features"][2]["properties"]["fill"] == 0.5
    assert back["features"][0]["geometry"]["coordinates"] == [24.941235, 60.169877]
