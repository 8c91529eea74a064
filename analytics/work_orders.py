"""A work order's states and the actions that move it between them: new → triaged →
assigned → in progress → done (awaiting validation) → validated (closed), or an
inspector's rejection back to assigned; a validated order a resident reopens at the
source goes back to new (the queue); an order not yet done can be cancelled (its
requests go back to the queue). Linking another request changes no state.

Who may take an action is `services.work_orders`'; this module only says which moves
exist, so a refused move has one readable reason wherever it is asked."""

from __future__ import annotations

STATES = ("new", "triaged", "assigned", "in_progress", "done", "validated", "cancelled")
STATE_LABELS = {
    "new": "New",
    "triaged": "Triaged",
    "assigned": "Assigned",
    "in_progress": "In progress",
    "done": "Done, awaiting validation",
    "validated": "Validated (closed)",
    "cancelled": "Cancelled",
}
OPEN_STATES = frozenset(STATES) - {"validated", "cancelled"}

# action -> (the states it may start from, the state it leads to; None = unchanged)
MOVES: dict[str, tuple[frozenset[str], str | None]] = {
    "link": (OPEN_STATES, None),
    "triage": (frozenset({"new"}), "triaged"),
    # again = reassign, also a job started (its crew called away): the new crew has it to start
    "assign": (frozenset({"new", "triaged", "assigned", "in_progress"}), "assigned"),
    "start": (frozenset({"assigned"}), "in_progress"),
    "done": (frozenset({"in_progress"}), "done"),
    "validate": (frozenset({"done"}), "validated"),
    "reject": (frozenset({"done"}), "assigned"),
    # a resident reopened a fixed request at the source: back to the queue, to triage again
    "reopen": (frozenset({"validated"}), "new"),
    # opened by mistake, or its request closed at the source: its requests are released
    "cancel": (frozenset({"new", "triaged", "assigned", "in_progress"}), "cancelled"),
}
ACTION_LABELS = {
    "open": "opened",
    "link": "linked a request",
    "triage": "triaged",
    "assign": "assigned",
    "start": "started",
    "done": "marked done",
    "validate": "validated",
    "reject": "rejected the fix",
    "reopen": "reopened at the source",
    "cancel": "cancelled",
}


class MoveRefused(ValueError):
    """An action the order's state does not allow, with why (shown as it is)."""


def next_state(state: str, action: str) -> str:
    """The state `action` leads to from `state`, or MoveRefused saying why not."""
    if action not in MOVES:
        raise MoveRefused(f"unknown action {action!r}: one of {', '.join(MOVES)}")
    starts, to = MOVES[action]
    if state not in starts:
        allowed = " or ".join(STATE_LABELS[s].lower() for s in STATES if s in starts)
        raise MoveRefused(
            f"cannot {action} an order that is {STATE_LABELS[state].lower()}"
            f" (only one that is {allowed})"
        )
    return to or state


def actions_from(state: str) -> list[str]:
    """The actions an order in `state` allows, in the loop's order."""
    return [a for a, (starts, _) in MOVES.items() if state in starts]


# What the source of a request is told (the Open311 update extension's statuses), and in
# words a resident may read: nothing of crews' names or inspectors' notes.
SOURCE_UPDATES = {
    "triage": ("INVESTIGATING", "Received and checked; a crew will be scheduled."),
    "assign": ("ACTION_SCHEDULED", "A crew is scheduled to fix it."),
    "start": ("IN_PROGRESS", "A crew is working on it."),
    "done": ("IN_PROGRESS", "The crew reports it fixed; an inspector will check the fix."),
    "validate": ("FIXED", "Fixed, and the fix checked by an inspector."),
    "reject": ("ACTION_SCHEDULED", "The inspection found it not fixed yet; the crew goes back."),
}


def linked_update(primary_request_id: str) -> tuple[str, str]:
    """What a request linked to another's order is closed with: closed, with a note
    (never a "duplicate" status, which cities' systems have choked on)."""
    return ("CLOSED", f"Closed: the same problem as request {primary_request_id}, which is "
                      "being fixed; follow it there.")
