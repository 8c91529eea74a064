"""The simulator's side of the Open311 update extension (mySociety's, as FixMyStreet and
open311-adapter speak it): `POST servicerequestupdates` records a status change of a
request, and the requests the simulator serves from then on carry it (status, notes,
updated time), so a client that posted an update reads it back with its next poll.

Statuses of the extension; CLOSED, FIXED and the other closing ones close a request,
REOPEN and the working ones open it again."""

from __future__ import annotations

import itertools
import threading
from datetime import datetime

import numpy as np
import pandas as pd

STATUSES = {"OPEN", "CLOSED", "FIXED", "IN_PROGRESS", "ACTION_SCHEDULED", "INVESTIGATING",
            "DUPLICATE", "NOT_COUNCILS_RESPONSIBILITY", "NO_FURTHER_ACTION",
            "INTERNAL_REFERRAL", "REOPEN"}  # fmt: skip
CLOSING = {"CLOSED", "FIXED", "DUPLICATE", "NOT_COUNCILS_RESPONSIBILITY", "NO_FURTHER_ACTION",
           "INTERNAL_REFERRAL"}  # fmt: skip
REQUIRED = ("service_request_id", "update_id", "status", "updated_datetime", "description")


class UpdateRefused(ValueError):
    """An update the server does not take (Open311's 400), with why."""


class RequestUpdates:
    """Updates posted to the simulator, newest per request, in memory."""

    def __init__(self):
        self._lock = threading.Lock()
        self._newest: dict[str, dict] = {}
        self._ids = itertools.count(1)
        self.received: list[dict] = []  # every update as posted, in order (tests read it)

    def accept(self, form: dict, known_ids) -> str:
        """Record one posted update; its id on this server."""
        missing = [k for k in REQUIRED if not form.get(k)]
        if missing:
            raise UpdateRefused(f"missing {', '.join(missing)}")
        if form["status"] not in STATUSES:
            raise UpdateRefused(f"unknown status {form['status']!r}")
        if form["service_request_id"] not in known_ids:
            raise UpdateRefused(f"no request {form['service_request_id']}")
        try:
            at = datetime.fromisoformat(form["updated_datetime"].replace("Z", "+00:00"))
        except ValueError:
            raise UpdateRefused(f"bad updated_datetime {form['updated_datetime']!r}") from None
        with self._lock:
            server_id = f"sim-{next(self._ids)}"
            update = {**form, "at_s": at.timestamp(), "server_id": server_id}
            self.received.append(update)
            newest = self._newest.get(form["service_request_id"])
            if newest is None or newest["at_s"] <= update["at_s"]:
                self._newest[form["service_request_id"]] = update
        return server_id

    def apply(self, frame: pd.DataFrame, now_s: float) -> pd.DataFrame:
        """`frame` (the simulator's requests at `now_s`) with the updates made by then."""
        with self._lock:
            newest = {k: u for k, u in self._newest.items() if u["at_s"] <= now_s}
        hit = frame["service_request_id"].isin(newest)
        if not hit.any():
            return frame
        frame = frame.copy()
        for index in frame.index[hit]:
            update = newest[frame.at[index, "service_request_id"]]
            if update["at_s"] < frame.at[index, "updated_s"] and \
                    frame.at[index, "status"] == "closed":  # fmt: skip
                continue  # the city closed it after the update: its own closing stands
            frame.at[index, "status"] = "closed" if update["status"] in CLOSING else "open"
            frame.at[index, "status_notes"] = update["description"]
            frame.at[index, "updated_s"] = np.int64(update["at_s"])
        return frame
