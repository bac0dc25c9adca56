"""Moving rows from several accounts to one person, in SQL both engines run (what SQLite's
`UPDATE OR IGNORE` did): a row moves unless the person already has one with the same key; among the
accounts, the first one (by id) wins for a key. Callers then delete what did not move."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from core.storage import Storage


async def move_rows(db: Storage, table: str, column: str, to: str, accounts: Sequence[str], *,
                    keys: Sequence[str] = (), where: str = "", params: Sequence[Any] = ()) -> int:
    """Set `column` to `to` in `table`'s rows of `accounts` (and `where`, with `params`), except where
    a row with the same `keys` columns would then exist twice; returns how many rows moved.

    `table`, `column`, `keys` and `where` are the caller's SQL (never member input).
    """
    if not accounts:
        return 0
    marks = ", ".join("?" for _ in accounts)
    same = "".join(f" AND o.{key} = {table}.{key}" for key in keys)
    scope = f" AND {where}" if where else ""
    scope_o = f" AND {where.replace(table + '.', 'o.')}" if where else ""
    sql = (f"UPDATE {table} SET {column} = ? WHERE {column} IN ({marks}){scope} AND NOT EXISTS ("
           f"SELECT 1 FROM {table} AS o WHERE (o.{column} = ? OR (o.{column} IN ({marks}) AND o.{column} < {table}.{column}))"
           f"{same}{scope_o})")
    return await db.execute_rowcount(sql, (to, *accounts, *params, to, *accounts, *params))
