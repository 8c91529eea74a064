"""axe-core in the browser tests: inject the pinned `axe.min.js` (4.10.3, which `make
test` fetches from the npm registry into .venv/) into the page a WebDriver shows, and
run it; the accessibility findings come back as axe reports them."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
AXE_JS = ROOT / ".venv" / "axe.min.js"
AXE_VERSION = "4.10.3"
FETCH = "make .venv/axe.min.js"  # scripts/fetch_axe.py: the pinned release, checked
RUN = """
const done = arguments[arguments.length - 1];
axe.run(document, {resultTypes: ['violations']})
   .then((r) => done(r.violations), (err) => done([{id: 'axe-error', impact: 'critical',
                                                    help: String(err), nodes: []}]));
"""
SERIOUS = ("serious", "critical")


def run_axe(driver, timeout_s: float = 60) -> list[dict]:
    """axe-core's violations on the page `driver` shows (each: id, impact, help, nodes)."""
    if not AXE_JS.exists():
        raise AssertionError(
            f"axe-core is missing at {AXE_JS}: `make test` fetches it, or run\n  {FETCH}"
        )
    driver.execute_script(AXE_JS.read_text(encoding="utf-8"))
    driver.set_script_timeout(timeout_s)
    return driver.execute_async_script(RUN)


def serious(violations: list[dict]) -> list[str]:
    """The serious and critical findings, one line each: rule, impact, first elements."""
    return [f"{v['id']} ({v['impact']}): {v.get('help', '')} at "
            f"{[n.get('target') for n in v.get('nodes', [])[:3]]}"
            for v in violations if v.get("impact") in SERIOUS]  # fmt: skip
