"""Sending what C3 owes the sources (issue #18): the job worker's pass over the queued
updates that are due, each POSTed to its feed's source; one that fails waits longer
each time (1 min, 2, 4, … up to an hour) and is tried again, in the order the changes
happened, until the source has it. One the source still refuses as wrong at its third
attempt (a 4xx answer that no retry changes) is given up with the source's reason,
shown on /feeds. A feed no
longer configured to take updates keeps its updates queued, with why."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from connectors.http import FeedError
from connectors.source_updates import UpdateRefused, send
from services.public_requests import status_link
from store import Store
from store import source_updates as queue

log = logging.getLogger(__name__)
FIRST_WAIT = timedelta(minutes=1)
LONGEST_WAIT = timedelta(hours=1)
# a refusal (a 4xx that is no time-out, rate limit or sign-in problem) at this attempt gives
# the update up: the first could be a wrong address or a rotated webhook, since fixed
GIVE_UP_AFTER = 3


def send_due(store: Store, settings, now: datetime | None = None, http=None) -> dict:
    """Send every due update; {"sent": n, "failed": n (tried again later), "refused": n
    (given up: the source refused the update itself)}."""
    now = now or datetime.now(UTC)
    with store.reading() as cur:
        due = queue.due(cur, now)
    feeds = {f.name: f for f in settings.feeds if f.post_updates != "off"}
    failed_requests: set[tuple[str, str]] = set()
    counts = {"sent": 0, "failed": 0, "refused": 0}
    for update in due:
        key = (update["connector"], update["request_id"])
        if key in failed_requests:  # keep a request's updates in order: not past a failure
            continue
        feed = feeds.get(update["connector"])
        try:
            if feed is None:
                raise FeedError(f"connector {update['connector']!r} no longer takes updates")
            remote = send(feed, _with_status_link(settings, update), http)
        except UpdateRefused as exc:
            if update["attempts"] + 1 >= GIVE_UP_AFTER:  # never taken: the later ones go on
                store.write(lambda cur, u=update, e=str(exc):
                            queue.mark_given_up(cur, u["update_id"], e, now))  # fmt: skip
                counts["refused"] += 1
                log.warning("update of %s/%s refused by the source %d times, given up: %s",
                            *key, GIVE_UP_AFTER, exc)  # fmt: skip
                continue
            failed_requests.add(key)  # a wrong address is refused too: tried again first
            _failed(store, update, exc, now)
            counts["failed"] += 1
            continue
        except FeedError as exc:
            failed_requests.add(key)
            _failed(store, update, exc, now)
            counts["failed"] += 1
            continue
        sent_at = datetime.now(UTC)
        store.write(lambda cur, u=update, r=remote, at=sent_at:
                    queue.mark_sent(cur, u["update_id"], at, r))  # fmt: skip
        counts["sent"] += 1
    return counts


def _with_status_link(settings, update: dict) -> dict:
    """The update with the resident's status page named, so the source's own message
    to the resident can carry it (issue 20), when C3 has a public address."""
    link = status_link(settings, update["connector"], update["request_id"])
    if link is None:
        return update
    return {**update, "description": f"{update['description']} Follow it at {link}"}


def _failed(store: Store, update: dict, exc: Exception, now: datetime) -> None:
    """Not taken this time: tried again after a wait that doubles each time."""
    # capped before it is raised: 2 ** 45 minutes overflows a timedelta
    wait = min(LONGEST_WAIT, FIRST_WAIT * 2 ** min(update["attempts"], 10))
    store.write(lambda cur: queue.mark_failed(cur, update["update_id"], str(exc), now + wait))
    log.warning("update of %s/%s not taken (attempt %d, next in %s): %s", update["connector"],
                update["request_id"], update["attempts"] + 1, wait, exc)  # fmt: skip
