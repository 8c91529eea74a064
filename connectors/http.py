"""HTTP for connectors: one session with timeouts and retries (backoff, jitter, Retry-After)."""

from __future__ import annotations

import logging
import random
from urllib.parse import quote, quote_plus

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

RETRY_STATUSES = (429, 500, 502, 503, 504)
USER_AGENT = "C3-city-operations/0.1"
MAX_RETRY_AFTER_S = 120.0  # a longer ask is cut short: a poll must not park for hours
RETRY_AFTER_JITTER_S = 0.5  # on top of Retry-After, so connectors told one wait come back apart


class _MaskSecrets(logging.Filter):
    """Masks API keys in urllib3's retry warnings, which print the URL with its query."""

    secrets: set[str] = set()

    def filter(self, record: logging.LogRecord) -> bool:
        text = record.getMessage()
        if any(secret in text for secret in self.secrets):
            for secret in self.secrets:
                text = text.replace(secret, "***")
            record.msg, record.args = text, ()
        return True


_MASK = _MaskSecrets()
for _name in ("urllib3.connectionpool", "urllib3.util.retry"):
    logging.getLogger(_name).addFilter(_MASK)


def secret_forms(secret: str) -> set[str]:
    """The ways a secret appears in a URL: as is, and percent-encoded (`+/=` in a key)."""
    return {secret, quote(secret, safe=""), quote_plus(secret)}


def mask(text: str, secret: str | None) -> str:
    """`text` with every form of `secret` replaced by ***."""
    for form in secret_forms(secret) if secret else ():
        text = text.replace(form, "***")
    return text


def mask_in_logs(secret: str | None) -> None:
    """Never let `secret` (a feed's API key) reach the logs through a logged URL."""
    if secret:
        _MaskSecrets.secrets.update(secret_forms(secret))


class JitteredRetry(Retry):
    """urllib3's Retry with jitter on the exponential backoff (urllib3 1.26 has none).

    A Retry-After header (429, 503) still wins: urllib3 sleeps for it instead of the
    backoff, with a little jitter on top, never less than the server asked.
    """

    def get_backoff_time(self) -> float:
        backoff = super().get_backoff_time()
        return random.uniform(backoff / 2, backoff) if backoff else 0.0

    def get_retry_after(self, response) -> float | None:
        """At least Retry-After (up to MAX_RETRY_AFTER_S), plus up to RETRY_AFTER_JITTER_S."""
        seconds = super().get_retry_after(response)
        if seconds is None:
            return None
        return min(seconds, MAX_RETRY_AFTER_S) + random.uniform(0, RETRY_AFTER_JITTER_S)


def make_session(retries: int, backoff_s: float = 0.5) -> requests.Session:
    """A session that retries GETs on 429/5xx and network errors, honouring Retry-After."""
    retry = JitteredRetry(
        total=retries,
        connect=retries,
        read=retries,
        status=retries,
        status_forcelist=RETRY_STATUSES,
        allowed_methods=frozenset({"GET"}),
        backoff_factor=backoff_s,
        respect_retry_after_header=True,
        raise_on_status=False,  # the last answer comes back: its error text reaches the run
    )
    session = requests.Session()
    adapter = HTTPAdapter(max_retries=retry)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    session.headers["User-Agent"] = USER_AGENT
    return session


class FeedError(RuntimeError):
    """The feed answered, but not with what its protocol promises."""


def get_json(session: requests.Session, url: str, timeout: float, **kwargs) -> requests.Response:
    """GET that must return JSON; an HTML error page with status 200 is an error too."""
    response = session.get(url, timeout=timeout, **kwargs)
    response.raise_for_status()
    return expect_json(response, url)


def expect_json(response: requests.Response, url: str) -> requests.Response:
    """The response, if it says it is JSON (an HTML maintenance page with 200 is not)."""
    kind = response.headers.get("Content-Type", "")
    if "json" not in kind:
        raise FeedError(f"{url} answered {kind or 'no content type'}, not JSON")
    return response
