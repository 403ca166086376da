"""Simulated training histories: how a body might answer months of training.

A person rarely has months of daily load and morning HRV on record, so the
model first learns from simulated people. Each simulated athlete follows
Banister's impulse-response model: every day's training load (TRIMP) adds to a
slow *fitness* and a fast *fatigue* trace, each decaying exponentially with its
own time constant, and the next morning's lnRMSSD is

    lnRMSSD_d = base + k_fit x fitness_{d-1} - k_fat x fatigue_{d-1}
                + AR(1) day-to-day noise + illness

Resting heart rate moves the opposite way with the same signal. On top of the
physiology the simulator draws a life: a weekly plan with easy and hard days,
a recovery week every fourth week, breaks (travel), illnesses (a few days of
depressed HRV, raised resting HR and no training), and mornings without a
measurement.

The result goes through the very same feature code as real data
(`fitlearn.features.daily.daily_features`), so a simulated history and the
person's own are one kind of table. Everything is drawn from `random.Random`
seeded per athlete: the same seed gives the same histories on every platform.

Note:
    The parameters are plausible, not fitted to a population: they make the
    model learn the *shape* of a load response (a dip after hard days that
    recovers over days, slow gains with fitness). How closely they match any
    one person is what fine-tuning on the person's own days corrects.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta

import polars as pl

from fitlearn.features.daily import SESSION_COLUMNS, daily_features

SIMULATION_START = date(2024, 1, 1)
MORNING_MS = 7 * 3600 * 1000
TRIMP_PER_MINUTE = 1.4
"""A rough average for converting simulated load back to a session length."""


@dataclass(frozen=True)
class AthleteType:
    """The typical parameters of one kind of athlete; each athlete varies them."""

    name: str
    sessions_per_week: float
    easy_trimp: tuple[float, float]
    hard_trimp: tuple[float, float]
    hard_share: float
    """Share of sessions that are hard."""
    tau_fitness_days: float
    tau_fatigue_days: float
    k_fitness: float
    """lnRMSSD gained per unit of fitness (summed, decayed TRIMP)."""
    k_fatigue: float
    """lnRMSSD lost per unit of fatigue."""
    hrv_base: float
    """Resting lnRMSSD (ln ms) of a rested, untrained day."""
    noise_sd: float
    noise_ar: float
    """Day-to-day persistence of the noise (AR(1) coefficient)."""
    resting_hr: float
    illnesses_per_year: float
    breaks_per_year: float
    measured_share: float
    """Share of mornings with an HRV measurement."""


# Limitation: plausible parameters, not fitted to measured people (see the Note above).
ATHLETE_TYPES: dict[str, AthleteType] = {
    t.name: t
    for t in (
        AthleteType(
            "recreational",
            4.0,
            (40, 80),
            (100, 160),
            0.25,
            42,
            7,
            8e-5,
            1.2e-3,
            3.9,
            0.09,
            0.4,
            56,
            3,
            3,
            0.8,
        ),
        AthleteType(
            "endurance",
            6.0,
            (60, 120),
            (140, 240),
            0.3,
            45,
            6,
            1e-4,
            9e-4,
            4.3,
            0.07,
            0.5,
            46,
            2,
            2,
            0.9,
        ),
        AthleteType(
            "masters",
            4.0,
            (40, 80),
            (90, 150),
            0.2,
            40,
            10,
            6e-5,
            1.4e-3,
            3.4,
            0.10,
            0.5,
            60,
            3,
            3,
            0.7,
        ),
        AthleteType(
            "beginner",
            2.5,
            (30, 60),
            (70, 120),
            0.15,
            38,
            5,
            5e-5,
            2e-3,
            3.7,
            0.12,
            0.3,
            66,
            4,
            4,
            0.6,
        ),
    )
}


@dataclass(frozen=True)
class SimulatedHistory:
    """One simulated athlete's days."""

    athlete: str
    """`<type>-<index>`, e.g. `masters-3`."""
    kind: AthleteType
    """The athlete's own (varied) parameters."""
    daily: pl.DataFrame
    """The daily feature table, as `fitlearn.features.daily` computes it."""


@dataclass
class _Body:
    fitness: float = 0.0
    fatigue: float = 0.0
    noise: float = 0.0
    ill_days_left: int = 0
    ill_days_total: int = 0
    break_days_left: int = 0
    last_hard: bool = False


def vary(kind: AthleteType, rng: random.Random, spread: float = 0.2) -> AthleteType:
    """The same type with its response parameters scaled by up to +-`spread`."""

    def scaled(value: float) -> float:
        return value * (1 + rng.uniform(-spread, spread))

    return replace(
        kind,
        tau_fitness_days=scaled(kind.tau_fitness_days),
        tau_fatigue_days=scaled(kind.tau_fatigue_days),
        k_fitness=scaled(kind.k_fitness),
        k_fatigue=scaled(kind.k_fatigue),
        hrv_base=kind.hrv_base + rng.uniform(-0.3, 0.3),
        noise_sd=scaled(kind.noise_sd),
        resting_hr=kind.resting_hr + rng.uniform(-5, 5),
    )


def simulate_athlete(kind: AthleteType, days: int, seed: str) -> SimulatedHistory:
    """Simulate `days` days of one athlete of `kind`.

    Args:
        kind: The athlete type; the athlete's own parameters vary around it.
        days: Length of the history.
        seed: Any string; the same seed gives the same history.
    """
    rng = random.Random(seed)
    own = vary(kind, rng)
    body = _Body()
    rows = []
    for day in range(days):
        hrv, resting = _morning(own, body, rng)
        load = _training_load(own, body, day, rng)
        _absorb(own, body, load)
        rows.append(
            _session_row(day, load, hrv, resting, rng.random() < own.measured_share)
        )
    sessions = pl.DataFrame(
        [r for r in rows if r is not None], schema=SESSION_COLUMNS, orient="row"
    )
    last_day = SIMULATION_START + timedelta(days=days - 1)
    daily = daily_features(sessions, until=last_day)
    return SimulatedHistory(f"{kind.name}-{seed}", own, daily)


def simulate_cohort(count: int, days: int, seed: int) -> list[SimulatedHistory]:
    """`count` athletes, cycling through `ATHLETE_TYPES`, each `days` long."""
    kinds = list(ATHLETE_TYPES.values())
    return [
        simulate_athlete(kinds[i % len(kinds)], days, f"{seed}:{i}")
        for i in range(count)
    ]


def _morning(own: AthleteType, body: _Body, rng: random.Random) -> tuple[float, float]:
    body.noise = own.noise_ar * body.noise + rng.gauss(0.0, own.noise_sd) * math.sqrt(
        1 - own.noise_ar**2
    )
    signal = own.k_fitness * body.fitness - own.k_fatigue * body.fatigue
    illness = 0.0
    if body.ill_days_left == 0 and rng.random() < own.illnesses_per_year / 365:
        body.ill_days_total = body.ill_days_left = rng.randint(3, 7)
    if body.ill_days_left > 0:
        # Worst on the first day, fading out over the episode.
        illness = -0.35 * body.ill_days_left / body.ill_days_total
    hrv = own.hrv_base + signal + body.noise + illness
    resting = own.resting_hr - 15 * signal - 20 * illness + rng.gauss(0.0, 1.2)
    return hrv, resting


def _training_load(
    own: AthleteType, body: _Body, day: int, rng: random.Random
) -> float:
    if body.ill_days_left > 0:
        body.ill_days_left -= 1
        return 0.0
    if body.break_days_left == 0 and rng.random() < own.breaks_per_year / 365:
        body.break_days_left = rng.randint(4, 10)
    if body.break_days_left > 0:
        body.break_days_left -= 1
        return 0.0
    if rng.random() >= own.sessions_per_week / 7:
        body.last_hard = False
        return 0.0
    week = day // 7
    recovery_week = week % 4 == 3
    hard = not body.last_hard and not recovery_week and rng.random() < own.hard_share
    body.last_hard = hard
    low, high = own.hard_trimp if hard else own.easy_trimp
    build = 0.6 if recovery_week else 1.0 + 0.05 * (week % 4)
    return rng.uniform(low, high) * build * math.exp(rng.gauss(0.0, 0.1))


def _absorb(own: AthleteType, body: _Body, load: float) -> None:
    body.fitness = body.fitness * math.exp(-1 / own.tau_fitness_days) + load
    body.fatigue = body.fatigue * math.exp(-1 / own.tau_fatigue_days) + load


def _session_row(
    day: int, load: float, hrv: float, resting: float, measured: bool
) -> tuple[object, ...] | None:
    if load <= 0 and not measured:
        return None
    when = datetime.combine(
        SIMULATION_START + timedelta(days=day), datetime.min.time(), UTC
    )
    start_ms = int(when.timestamp() * 1000) + MORNING_MS
    duration_s = load / TRIMP_PER_MINUTE * 60 if load > 0 else 300.0
    return (
        day + 1,
        start_ms,
        0,
        "utc",
        None,
        load,
        duration_s,
        resting if measured else None,
        hrv if measured else None,
    )
