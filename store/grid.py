"""AG Grid's sort and filter models as SQL over a named row query, so a table of 50,000
rows is sorted, filtered and paged in DuckDB and the browser gets only what it shows."""

from __future__ import annotations

import duckdb
import pyarrow as pa

# Case-insensitive, like AG Grid's own text filter; no wildcards (a typed % is a %).
TEXT_OPS = {
    "contains": ("contains(lower({col}), lower(?))", 1),
    "notContains": ("NOT contains(lower({col}), lower(?))", 1),
    "equals": ("lower({col}) = lower(?)", 1),
    "notEqual": ("lower({col}) <> lower(?)", 1),
    "startsWith": ("starts_with(lower({col}), lower(?))", 1),
    "endsWith": ("ends_with(lower({col}), lower(?))", 1),
}
NUMBER_OPS = {
    "equals": ("{col} = ?", 1),
    "notEqual": ("{col} <> ?", 1),
    "greaterThan": ("{col} > ?", 1),
    "greaterThanOrEqual": ("{col} >= ?", 1),
    "lessThan": ("{col} < ?", 1),
    "lessThanOrEqual": ("{col} <= ?", 1),
    "inRange": ("{col} BETWEEN ? AND ?", 2),
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
    if kind == "number":
        try:
            values = [float(v) for v in values]
        except (TypeError, ValueError):
            raise ValueError(f"not a number in the filter on {column}: {values}") from None
    return sql.format(col=target), values


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
    and sort (columns not in `columns` are ignored), and how many rows match in all.
    `columns[0]` is the row's key. Unsupported filters raise ValueError."""
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
    if order:  # the key last, so pages never repeat or skip rows that tie
        order.append(f'"{columns[0]}"')
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
