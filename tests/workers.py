"""Two workers on one PostgreSQL database in one test process: `a, b = await two_workers(make_bot, ...)`.

Worker A is the bot `make_bot` returns (with `[practica] several_workers = true`); worker B is a second
runtime on the same database (stop it with `await b.runtime.stop()`). Neither looks for other workers'
chats (their tick is stopped): each handles the one chat it is handed first (its fair share of two
workers), so a test knows which worker answers. Use the module with
`pytestmark = pytest.mark.parametrize("practica_engine", ["postgresql"])`."""

from __future__ import annotations

from typing import Any


async def two_workers(make_bot: Any, *, config: dict[str, Any] | None = None, **kwargs: Any) -> tuple[Any, Any]:
    raw = dict(config or {})
    raw["practica"] = {**raw.get("practica", {}), "several_workers": True}
    a = await make_bot(platform="telegram", config=raw, **kwargs)
    await a.runtime.idle()
    b = await a.build(a.clock, a.database)
    for bot in (a, b):
        assert bot.runtime.workers is not None
        await bot.runtime.workers.look()  # both see two live workers: a share of one chat each
        await bot.runtime.workers.stop_looking()
    return a, b
