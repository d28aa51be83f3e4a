"""The simulation's seeded behaviour (docs/simulate.md)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from pledge.kernel.clock import local_time
from pledge.simulation.behaviour import LATENESS, PICKUP_AFTER, Behaviour
from pledge.simulation.config import SIM_ZONE, SimConfig


def test_orders_come_in_beijing_shopping_hours_of_the_simulated_day():
    day_start = SimConfig(start=date(2026, 9, 1)).starts_at
    for when in Behaviour(3, 0.12).order_times(day_start, 500):
        local = local_time(when, SIM_ZONE)
        assert local.date() == date(2026, 9, 1) and 9 <= local.hour <= 22, local


@pytest.mark.parametrize("late_share, late", [(0.0, False), (1.0, True)])
def test_lateness_follows_the_late_share(late_share, late):
    act, paid_at = Behaviour(0, late_share), SimConfig().starts_at
    ship_by = paid_at + timedelta(hours=48)
    shortest, longest = LATENESS[0][1][0], LATENESS[-1][1][1]
    for _ in range(200):
        shipping = act.shipping(paid_at, ship_by)
        picked_up = shipping.handed_over_at + PICKUP_AFTER[shipping.carrier]
        if late:
            assert ship_by + timedelta(hours=shortest) <= picked_up <= ship_by + timedelta(hours=longest)
        else:
            assert paid_at < shipping.handed_over_at and picked_up <= ship_by


def test_the_same_seed_draws_the_same_day():
    day_start = SimConfig().starts_at
    assert Behaviour(5, 0.12).order_times(day_start, 50) == Behaviour(5, 0.12).order_times(day_start, 50)
    assert Behaviour(5, 0.12).order_times(day_start, 50) != Behaviour(6, 0.12).order_times(day_start, 50)
