"""The web settings' own types: the address users reach C3 at, and the origins that may
frame the wall. Both end up in response headers (HSTS, Content-Security-Policy), so a
value that could break out of its header is refused when the config is read."""

from __future__ import annotations

import re
from typing import Annotated
from urllib.parse import urlsplit

from pydantic import AfterValidator

_HOST = r"(\*\.)?[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?(:\d{1,5})?"
_ORIGIN = re.compile(rf"https?://{_HOST}")


def _public_url(value: str) -> str:
    """'' or an http(s) URL without query or fragment; without its trailing slash."""
    value = value.strip().rstrip("/")
    if not value:
        return ""
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"{value!r} is not an http:// or https:// address")
    if parts.query or parts.fragment or any(c in value for c in " ;,'\""):
        raise ValueError(f"{value!r}: give the address only (scheme, host, port, path)")
    return value


def _frame_origin(value: str) -> str:
    """An origin a browser may frame /wall in: https://intranet.city.example[:port], a
    subdomain wildcard (https://*.city.example), or 'self' (C3's own origin)."""
    value = value.strip().rstrip("/")
    if value in ("self", "'self'"):
        return "'self'"
    if not _ORIGIN.fullmatch(value):
        raise ValueError(
            f"{value!r} is not an origin such as https://intranet.city.example (scheme, "
            "host and port only; a leading *. for subdomains), or 'self'"
        )
    return value


PublicUrl = Annotated[str, AfterValidator(_public_url)]
FrameOrigin = Annotated[str, AfterValidator(_frame_origin)]
