"""AG Grid's sort and filter models as SQL over a named row query, so a table of 50,000
rows is sorted, filtered and paged in DuckDB and the browser gets only what it shows."""

from __future__ import annotations

import duckdb
import pyarrow as pa

TEXT_OPS = {
    "contains": ("ILIKE '%' || ? || '%'", 1),
    "notContains": ("NOT ILIKE '%' || ? || '%'", 1),
    "equals": ("= ?", 1),
    "notEqual": ("<> ?", 1),
    "startsWith": ("ILIKE ? || '%'", 1),
    "endsWith": ("ILIKE '%' || ?", 1),
}
NUMBER_OPS = {
    "equals": ("= ?", 1),
    "notEqual": ("<> ?", 1),
    "greaterThan": ("> ?", 1),
    "greaterThanOrEqual": (">= ?", 1),
    "lessThan": ("< ?", 1),
    "lessThanOrEqual": ("<= ?", 1),
    "inRange": ("BETWEEN ? AND ?", 2),
}


def _condition(column: str, model: dict) -> tuple[str, list]:
    """One column filter (or two joined by AND/OR) as SQL with its parameters."""
    if "conditions" in model:
        parts = [_condition(column, m) for m in model["conditions"]]
        joiner = " OR " if model.get("operator") == "OR" else " AND "
        return "(" + joiner.join(p for p, _ in parts) + ")", [v for _, vs in parts for v in vs]
    kind, op = model.get("filterType", "text"), model.get("type", "contains")
    target = f'"{column}"' if kind == "number" else f'CAST("{column}" AS VARCHAR)'
    if op == "blank":
        return f"{target} IS NULL", []
    if op == "notBlank":
        return f"{target} IS NOT NULL", []
    ops = NUMBER_OPS if kind == "number" else TEXT_OPS
    if op not in ops:
        raise ValueError(f"unsupported filter {kind}/{op} on {column}")
    sql, arity = ops[op]
    values = [model.get("filter"), model.get("filterTo")][:arity]
    return f"{target} {sql}", values


def page(
    cur: duckdb.DuckDBPyConnection,
    sql: str,
    params: dict,
    columns: list[str],
    sort: list[dict] | None = None,
    filters: dict | None = None,
    offset: int = 0,
    limit: int | None = None,
) -> tuple[pa.Table, int]:
    """Rows [offset, offset + limit) of `sql` (named params) after the grid's column filters
    and sort (columns not in `columns` are ignored), and how many rows match in all."""
    where, values = ["TRUE"], []
    for column, model in (filters or {}).items():
        if column in columns:
            clause, vals = _condition(column, model)
            where.append(clause)
            values += vals
    order = [
        f'"{s["colId"]}" {"DESC" if s.get("sort") == "desc" else "ASC"} NULLS LAST'
        for s in sort or []
        if s.get("colId") in columns
    ]
    # named parameters for the row query, positional ones for the grid's filters
    named = {f"grid_{i}": v for i, v in enumerate(values)}
    for i in range(len(values)):
        where_sql = " AND ".join(where)
        where = [where_sql.replace("?", f"$grid_{i}", 1)]
    select = ", ".join(f'"{c}"' for c in columns)
    base = f"SELECT {select} FROM ({sql}) WHERE {' AND '.join(where)}"
    total = cur.execute(f"SELECT count(*) FROM ({base})", {**params, **named}).fetchone()[0]
    paged = base + (f" ORDER BY {', '.join(order)}" if order else "")
    if limit is not None:
        paged += f" LIMIT {int(limit)} OFFSET {int(offset)}"
    return cur.execute(paged, {**params, **named}).fetch_arrow_table(), total
