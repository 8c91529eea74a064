"""The rows every service KPI is computed from (issue #18): each source request filed by
the window's end and still open then, or resolved within the window, with when it was
resolved (the validation of the work order covering it, else the source's own closing
where no order covers it), its order's first response and reopenings. The figures are
`analytics.service_kpis`'; this module only reads."""

from __future__ import annotations

from datetime import datetime

import duckdb
import pandas as pd


def resolution_rows(cur: duckdb.DuckDBPyConnection, start: datetime, end: datetime,
                    zones: list[str] | None = None) -> pd.DataFrame:  # fmt: skip
    """source, request_id, service_code, service_name, department, zone_id,
    requested_at, expected_at, resolved_at (None: open at `end`), order_id,
    first_response_at, reopened."""
    return cur.execute(
        """
        SELECT * FROM (
            SELECT r.source, r.request_id, r.service_code, r.service_name,
                   r.agency_responsible AS department, r.zone_id, r.requested_at,
                   r.expected_at,
                   CASE WHEN l.order_id IS NOT NULL THEN o.closed_at
                        WHEN r.status = 'closed' THEN r.updated_at END AS resolved_at,
                   l.order_id, o.first_response_at, coalesce(o.reopened, 0) AS reopened
            FROM service_requests r
            LEFT JOIN work_order_requests l USING (source, request_id)
            LEFT JOIN work_orders o ON o.order_id = l.order_id
            WHERE r.requested_at <= $end
              AND (len($zones) = 0 OR list_contains($zones, r.zone_id))
        )
        WHERE resolved_at IS NULL OR resolved_at > $end
           OR resolved_at >= $start
        """,
        {"start": start, "end": end, "zones": zones or []},
    ).df()
