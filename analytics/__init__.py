"""Pure functions over plain data: KPIs, freshness, derived traffic measures."""
