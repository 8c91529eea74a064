"""Dash's callback requests as its renderer builds them (payloads checked against ones
captured from headless Chromium): for the benches that talk to Dash without a browser."""

from __future__ import annotations

import json


def prop(component, name: str, value=None, with_value: bool = True) -> dict:
    """One input or state as Dash's renderer sends it (no "value" while it is undefined)."""
    item = {"id": component, "property": name}
    if with_value and value is not None:
        item["value"] = value
    return item


def out_key(outputs: list[dict]) -> str:
    """Dash's `output` string of several outputs: ..a.x...b.y.."""
    def name(o: dict) -> str:
        if isinstance(o["id"], str):
            return o["id"]
        return json.dumps(o["id"], sort_keys=True, separators=(",", ":"))

    return ".." + "...".join(f"{name(o)}.{o['property']}" for o in outputs) + ".."


def payload(outputs, inputs, state=(), changed=()) -> dict:
    body = {
        "output": out_key(outputs) if isinstance(outputs, list) else
        f"{outputs['id']}.{outputs['property']}",
        "outputs": outputs,
        "inputs": list(inputs),
        "changedPropIds": list(changed),
        "parsedChangedPropsIds": list(changed),
    }  # fmt: skip
    if state:
        body["state"] = list(state)
    return body
