"""Resident memory for the benches (Linux): this process's peak since a reset, or now; and
the peak of a server's processes."""

from __future__ import annotations

from pathlib import Path


def rss_mb(field: str = "VmHWM") -> float:
    """This process's peak (VmHWM) or current (VmRSS) resident memory, MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def reset_peak() -> None:
    """Start the peak over from now (Linux: writing 5 to clear_refs resets VmHWM)."""
    Path("/proc/self/clear_refs").write_text("5")


def tree_peak_bytes(pid: int) -> int:
    """The largest peak resident memory (VmHWM) among process `pid` and its descendants:
    a server's web worker (gunicorn's master opens no store, and forks the worker)."""
    import psutil

    peaks = [0]
    root = psutil.Process(pid)
    for p in [root, *root.children(recursive=True)]:
        try:
            status = Path(f"/proc/{p.pid}/status").read_text()
        except OSError:
            continue  # ended meanwhile
        peaks += [int(line.split()[1]) * 1024 for line in status.splitlines()
                  if line.startswith("VmHWM:")]  # fmt: skip
    return max(peaks)
