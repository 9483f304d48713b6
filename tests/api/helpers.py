"""Independent truths for API tests: computed with plain DuckDB over the stand-in's tables, never with the product's
SQL, so a bug in a product query cannot also be in the expectation."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal


def truth(workspace, sql: str, params: list | None = None) -> list[tuple]:
    cur = workspace.state.db.cursor()
    cur.execute("SET TimeZone = 'UTC'")
    return cur.execute(sql, params or []).fetchall()


def case(workspace, name: str, *, home: bool = False) -> tuple[str, str, str]:
    """Where the generator put a hard case; `home`: in the workspace whose Jobs API the stand-in serves."""
    rows = truth(workspace, "SELECT workspace_id, job_id, run_id FROM workspace_state.cases WHERE case_name = ? "
                            "AND (NOT ? OR workspace_id = (SELECT value FROM workspace_state.meta "
                            "WHERE key = 'home_workspace_id')) ORDER BY job_id, run_id", [name, home])
    assert rows, f"the generator has no case {name!r}"
    return rows[0]


def priced_usage_rows(workspace, start: datetime, end: datetime, where: str = "TRUE", params: list | None = None):
    """(quantity, price) of every usage row that started in [start, end), priced by a row-by-row lookup in Python."""
    prices = truth(workspace, "SELECT sku_name, cloud, usage_unit, price_start_time, price_end_time, "
                              "coalesce(pricing.effective_list.default, pricing.default) FROM billing.list_prices "
                              "WHERE currency_code = 'USD'")
    usage = truth(workspace, f"SELECT sku_name, cloud, usage_unit, usage_start_time, usage_quantity FROM billing.usage "
                             f"WHERE usage_start_time >= ? AND usage_start_time < ? AND ({where})",
                  [start, end, *(params or [])])
    out = []
    for sku, cloud, unit, at, quantity in usage:
        matches = [p[5] for p in prices if p[0] == sku and p[1] == cloud and p[2] == unit and p[3] <= at
                   and (p[4] is None or at < p[4])]
        assert len(matches) <= 1, f"{sku} at {at} matches {len(matches)} prices"
        out.append((quantity, matches[0] if matches else None))
    return out


def amount(rows) -> Decimal:
    return sum((q * p for q, p in rows if p is not None), Decimal(0))


def cents(value) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.01"))


def prices(workspace) -> list[tuple]:
    return truth(workspace, "SELECT sku_name, cloud, usage_unit, price_start_time, price_end_time, "
                            "coalesce(pricing.effective_list.default, pricing.default) FROM billing.list_prices "
                            "WHERE currency_code = 'USD'")


def priced_amounts(workspace, key_sql: str, where: str = "TRUE", params: list | None = None) -> dict:
    """{key: exact list cost} of the usage rows matching `where`, grouped by the SQL expression `key_sql`, each row
    priced by a row-by-row lookup in Python; unpriced rows add nothing."""
    price_rows = prices(workspace)
    usage = truth(workspace, f"SELECT {key_sql}, sku_name, cloud, usage_unit, usage_start_time, usage_quantity "
                             f"FROM billing.usage WHERE {where}", params)
    out: dict = {}
    for key, sku, cloud, unit, at, quantity in usage:
        matches = [p[5] for p in price_rows if p[0] == sku and p[1] == cloud and p[2] == unit and p[3] <= at
                   and (p[4] is None or at < p[4])]
        out[key] = out.get(key, Decimal(0)) + (quantity * matches[0] if matches else Decimal(0))
    return out
