"""Lasting trouble (a full disk, a WAL that cannot be copied back) is logged once, then again every ten
minutes while it goes on: the operator sees that it continues, and the log does not flood."""

from core.throttle import Throttle


def test_trouble_is_said_at_once_then_every_ten_minutes_while_it_lasts():
    now = [1000.0]
    throttle = Throttle(600.0, lambda: now[0])
    said = []
    for _ in range(25 * 60):  # one failure a second for 25 minutes
        said.append(throttle.due())
        now[0] += 1.0
    moments = [i for i, yes in enumerate(said) if yes]
    assert moments == [0, 601, 1202]


def test_each_trouble_has_its_own_rhythm():
    now = [0.0]
    disk, checkpoint = Throttle(600.0, lambda: now[0]), Throttle(600.0, lambda: now[0])
    assert disk.due()
    assert checkpoint.due()  # another trouble is not silenced by the first one's line
    now[0] = 300.0
    assert not disk.due() and not checkpoint.due()
