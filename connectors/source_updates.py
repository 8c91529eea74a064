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

import requests

from config import ConnectorSettings
from connectors.http import USER_AGENT, FeedError, mask, mask_in_logs

TIMEOUT_S = 15.0


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
    _post(http, feed.webhook_url, None, data=body, headers=headers)
    return str(update["update_id"])


def _post(http: requests.Session, url: str, secret: str | None, **kwargs) -> requests.Response:
    headers = {"User-Agent": USER_AGENT, **kwargs.pop("headers", {})}
    try:
        answer = http.post(url, timeout=TIMEOUT_S, headers=headers, **kwargs)
    except requests.RequestException as exc:
        raise FeedError(mask(f"{url}: {type(exc).__name__}: {exc}", secret)) from None
    if answer.status_code >= 300:
        raise FeedError(f"{url} answered {answer.status_code}: {mask(answer.text[:200], secret)}")
    return answer


def _xml_update_id(text: str) -> str | None:
    start, end = text.find("<update_id>"), text.find("</update_id>")
    return text[start + len("<update_id>"):end].strip() if 0 <= start < end else None
