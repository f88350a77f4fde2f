"""The clinic simulation (bench/simulation.py) in CI: one patient per behaviour, the clock two hours a
step, the same twelve weeks and invariants."""

import pytest

from bench.simulation import BEHAVIOURS, simulate


@pytest.mark.django_db(transaction=True)  # real commits: emails go out on commit, as in production
def test_twelve_weeks_of_a_clinic_keep_every_invariant(capsys, require_postgres):
    """Once, on PostgreSQL (CI's second run); by hand on any database with `python -m bench.simulation`."""
    result = simulate(patients=len(BEHAVIOURS), weeks=12, tick_hours=2)
    with capsys.disabled():
        print("\n" + result.table())
    assert result.violations == []
    assert len(result.weeks) == 12
    assert result.alerts["red_flag"] == 1 and result.alerts["odi_worse"] >= 1
