"""Telling a feed's source what became of its requests (issue #18): one status change
POSTed as the Open311 update extension (mySociety's `servicerequestupdates`, which
FixMyStreet and open311-adapter speak: form fields, the source's api_key) or as a JSON
webhook signed with HMAC-SHA256 (`X-C3-Signature: sha256=<hex of the body>`). A POST
is never retried here: the queue (services.source_updates) tries again later, so one
update is never sent twice at once."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from urllib.parse import urlsplit

import requests

from config import ConnectorSettings
from connectors.http import USER_AGENT, FeedError, mask, mask_in_logs

TIMEOUT_S = 15.0
# 4xx answers that may pass: a time-out, a conflict, too early, a rate limit, and a
# sign-in problem (fixed in the config, then the update is taken)
TRY_AGAIN = {401, 403, 408, 409, 425, 429}


class UpdateRefused(FeedError):
    """The source refused the update itself (an unknown request, a status it does not
    take): sending it again would be refused again."""


def send(feed: ConnectorSettings, update: dict, http: requests.Session | None = None) -> str:
    """POST one queued update (update_id, request_id, status, description, updated_at)
    to `feed`'s source; the id the source gave it. FeedError when it was not taken."""
    http = http or requests.Session()
    if feed.post_updates == "webhook":
        return _webhook(feed, update, http)
    return _open311(feed, update, http)


def _open311(feed: ConnectorSettings, update: dict, http: requests.Session) -> str:
    url = feed.url.rstrip("/") + f"/servicerequestupdates.{feed.format}"
    form = {
        "service_request_id": update["request_id"],
        "update_id": str(update["update_id"]),
        "status": update["status"],
        "updated_datetime": update["updated_at"].isoformat(),
        "description": update["description"],
    }
    if feed.jurisdiction_id:
        form["jurisdiction_id"] = feed.jurisdiction_id
    if feed.api_key:
        mask_in_logs(feed.api_key)
        form["api_key"] = feed.api_key
    answer = _post(http, url, feed.api_key, data=form)
    if feed.format == "xml":
        return _xml_update_id(answer.text) or str(update["update_id"])
    try:
        return str(answer.json()["service_request_updates"][0]["update_id"])
    except (ValueError, KeyError, IndexError, TypeError):
        raise FeedError(f"{url} took the update but answered without its update_id") from None


def _webhook(feed: ConnectorSettings, update: dict, http: requests.Session) -> str:
    secret = os.environ.get(feed.webhook_secret_env or "", "")
    if not secret:
        raise FeedError(f"{feed.webhook_secret_env} is not set: the webhook cannot be signed")
    body = json.dumps({
        "connector": feed.name, "service_request_id": update["request_id"],
        "update_id": str(update["update_id"]), "status": update["status"],
        "updated_datetime": update["updated_at"].isoformat(),
        "description": update["description"],
    }, separators=(",", ":")).encode()  # fmt: skip
    signature = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    headers = {"Content-Type": "application/json", "X-C3-Signature": f"sha256={signature}"}
    # a webhook's address often carries its token: errors name only its host
    parts = urlsplit(feed.webhook_url or "")
    _post(http, feed.webhook_url, None, shown=f"webhook {parts.scheme}://{parts.netloc}",
          data=body, headers=headers)  # fmt: skip
    return str(update["update_id"])


def _post(http: requests.Session, url: str, secret: str | None, shown: str | None = None,
          **kwargs) -> requests.Response:  # fmt: skip
    """POST; FeedError (UpdateRefused for a 4xx that will not pass) naming `shown`, or
    the url, and never the `secret`."""
    headers = {"User-Agent": USER_AGENT, **kwargs.pop("headers", {})}
    shown = shown or url
    try:
        answer = http.post(url, timeout=TIMEOUT_S, headers=headers, **kwargs)
    except requests.RequestException as exc:
        kind = type(exc).__name__  # its text names the full url: not shown for a webhook
        detail = kind if shown != url else mask(f"{kind}: {exc}", secret)
        raise FeedError(f"{shown}: {detail}") from None
    if answer.status_code >= 300:
        said = f"{shown} answered {answer.status_code}: {mask(answer.text[:200], secret)}"
        refused = 400 <= answer.status_code < 500 and answer.status_code not in TRY_AGAIN
        raise (UpdateRefused if refused else FeedError)(said)
    return answer


def _xml_update_id(text: str) -> str | None:
    start, end = text.find("<update_id>"), text.find("</update_id>")
    return text[start + len("<update_id>"):end].strip() if 0 <= start < end else None
