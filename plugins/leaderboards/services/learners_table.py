"""The dashboard's table of learners and their levels, kept between visits and caught up with changes.

Building it reads every recorded level and every member of the community: at 100,000 members several
seconds, with holds of the bot's loop up to a fifth of a second. So it is built once, like the /progress counts
(services/progress.py) it follows, then brought up to date at each visit: the persons whose levels changed
(`store.level_changes_since`) or whose membership or name changed (`ctx.members.changes_since`) are read
again, and only their rows, their part of the chart and of the "one module away" list move. When the counts
are counted again (hourly: who became staff), only the persons whose learner accounts differ move; the
table is built again only when accounts are linked or a change log no longer reaches back far enough.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from typing import Any

from core import Context, User, sliced
from plugins.leaderboards import store
from plugins.leaderboards.logic import modules_to_champion
from plugins.leaderboards.services import progress
from plugins.leaderboards.services.progress import Counts

_STATE = "learners_table"
Recorded = dict[str, tuple[int, bool, str]]  # module -> (level, confirmed, updated at)


@dataclass(frozen=True, slots=True)
class Learner:
    """A row: one person, named by one of their accounts, with every level they recorded here."""

    key: tuple[str, str]  # (name casefolded, uid): the page's order
    person: str
    user: User
    recorded: Recorded

    def confirmed(self) -> dict[str, int]:
        return {m: level for m, (level, ok, _) in self.recorded.items() if ok}


@dataclass
class Table:
    """Learners by name, the chart's counts and who is one module away, as of the versions it has seen."""

    modules: tuple[str, ...]
    counts: Counts  # the kept /progress counts whose learners these are (counted again: `_follow`)
    members_version: int
    levels_version: int
    rows: list[Learner] = field(default_factory=list)  # sorted by key
    by_person: dict[str, Learner] = field(default_factory=dict)
    chart: dict[str, list[int]] = field(default_factory=dict)  # module -> learners confirmed familiar, proficient, expert
    one_away: list[tuple[tuple[str, str], str, str]] = field(default_factory=list)  # (key, name, module missing), by key

    def _tally(self, row: Learner, sign: int) -> None:
        confirmed = row.confirmed()
        for key in self.modules:
            if confirmed.get(key, 0):
                self.chart[key][confirmed[key] - 1] += sign
        if len(self.modules) > 1 and modules_to_champion(confirmed, self.modules) == 1:
            entry = (row.key, row.user.name, next(key for key in self.modules if confirmed.get(key, 0) < 3))
            if sign > 0:
                bisect.insort(self.one_away, entry)
            else:
                del self.one_away[bisect.bisect_left(self.one_away, entry)]

    def put(self, row: Learner | None, person: str) -> None:
        """Replace `person`'s row by `row` (None: they are no learner here any more)."""
        old = self.by_person.pop(person, None)
        if old is not None:
            self._tally(old, -1)
            del self.rows[bisect.bisect_left(self.rows, old.key, key=lambda r: r.key)]
        if row is not None:
            self.by_person[person] = row
            bisect.insort(self.rows, row, key=lambda r: r.key)
            self._tally(row, +1)


def _learner(person: str, accounts: list[User], recorded: Recorded) -> Learner:
    """The row of `person`, named by their own account when it is a learner here, else the first by name."""
    user = next((u for u in accounts if u.uid == person), None) or min(accounts, key=lambda u: (u.name.casefold(), u.uid))
    return Learner((user.name.casefold(), user.uid), person, user, recorded)


async def table(ctx: Context, modules: dict[str, str]) -> Table:
    """The table of this community, brought up to date (built from scratch when it cannot be)."""
    counts = await progress.counts(ctx, modules)
    kept: dict[Any, Table] = ctx.state.setdefault(_STATE, {})
    key = (ctx.community.name, tuple(modules))
    held = kept.get(key)
    if held is not None and held.counts is not counts and held.counts.links_version == counts.links_version:
        await _follow(ctx, held, counts)  # counted again (hourly): only who became or stopped being a learner moves
    if held is None or held.counts is not counts or not await _catch_up(ctx, held):
        held = kept[key] = await _build(ctx, counts)
    return held


async def _build(ctx: Context, counts: Counts) -> Table:
    """Every learner of the counts, with every level recorded in the community; in slices of the loop."""
    found = Table(counts.modules, counts, ctx.members.version(), store.levels_version(ctx.db))
    found.chart = {key: [0, 0, 0] for key in counts.modules}
    recorded = await store.all_levels(ctx.db, ctx.community.name)
    accounts: dict[str, list[User]] = {}
    async for chunk in sliced(await ctx.members.active()):
        for user in chunk:
            person = counts.accounts.get(user.uid)
            if person is not None:
                accounts.setdefault(person, []).append(user)
    rows: list[Learner] = []
    async for people in sliced(list(accounts.items())):
        rows.extend(_learner(person, users, recorded.get(person, {})) for person, users in people)
    rows.sort(key=lambda r: r.key)
    async for part in sliced(rows):
        for row in part:
            found.rows.append(row)
            found.by_person[row.person] = row
            found._tally(row, +1)
    return found


async def _catch_up(ctx: Context, held: Table) -> bool:
    """Read again the persons whose levels, membership or name changed since `held` saw them; False when
    that cannot be told (then the table is built again)."""
    changes = progress.changes_since(ctx, held.members_version, held.levels_version)
    if changes is None:
        return False
    await _read_again(ctx, held, changes.levels | {ctx.identity.person_of(uid) for uid in changes.members})
    held.members_version, held.levels_version = changes.members_version, changes.levels_version
    return True


async def _follow(ctx: Context, held: Table, counts: Counts) -> None:
    """Take the counts' new learners (counted again from scratch: platform roles move) without building
    the table again: only the persons whose learner accounts differ are read again."""
    old, new = held.counts.accounts, counts.accounts
    persons: set[str] = set()
    async for chunk in sliced([*old.items(), *new.items()]):
        persons.update(person for uid, person in chunk if old.get(uid) != new.get(uid))
    held.counts = counts
    await _read_again(ctx, held, persons)


async def _read_again(ctx: Context, held: Table, persons: set[str]) -> None:
    """Read `persons`' learner accounts, names and levels again and put their rows in place."""
    if not persons:
        return
    learning = {person: [a for a in ctx.identity.accounts_of(person) if held.counts.accounts.get(a) == person]
                for person in sorted(persons)}
    known = await ctx.members.by_ids([a for accounts in learning.values() for a in accounts])
    recorded = await store.all_levels(ctx.db, ctx.community.name, [p for p, accounts in learning.items() if accounts])
    for person, accounts in learning.items():
        users = [known[a] for a in accounts if a in known]
        held.put(_learner(person, users, recorded.get(person, {})) if users else None, person)
