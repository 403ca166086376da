"""The person's heart-rate profile, and how missing values are estimated.

Zones, TRIMP and readiness all depend on maximum and resting heart rate. When the
person has not set them, they are estimated, and every output says so.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from datetime import date
from typing import Literal

Sex = Literal["male", "female"]

DEFAULT_HR_REST = 60.0
DEFAULT_HR_MAX = 190.0
MIN_ESTIMATED_HR_MAX = 170.0
"""An estimate from recordings alone never goes below this: recordings that never
reach a hard effort (resting or easy sessions) show no maximum at all."""


@dataclass(frozen=True)
class Profile:
    """What the person told us (config file `[profile]`); every field optional."""

    hr_max: float | None = None
    """Maximum heart rate, bpm."""
    hr_rest: float | None = None
    """Resting heart rate, bpm (measured lying down after waking)."""
    sex: Sex | None = None
    """Chooses Banister's TRIMP weighting; unset uses the mean of both."""
    birth_year: int | None = None
    """Used to estimate maximum heart rate (Tanaka: 208 - 0.7 x age)."""


@dataclass(frozen=True)
class ResolvedProfile:
    """A profile with every value filled in, and where each value came from."""

    hr_max: float
    hr_rest: float
    sex: Sex | None
    hr_max_source: str
    hr_rest_source: str
    hr_max_observed: float | None = None
    """The highest sustained heart rate in the data, whatever was used."""

    @property
    def estimated(self) -> bool:
        """Whether any value was not given by the person."""
        return (
            "profile" not in self.hr_max_source or "profile" not in self.hr_rest_source
        )

    def key(self) -> str:
        """A short stable hash: cached features are valid only for the same key."""
        blob = json.dumps([self.hr_max, self.hr_rest, self.sex], sort_keys=True)
        return hashlib.sha256(blob.encode()).hexdigest()[:16]

    def as_dict(self) -> dict[str, object]:
        """The profile as plain JSON-ready values."""
        return asdict(self)


def resolve_profile(
    profile: Profile, observed_hr_max: float | None, today: date | None = None
) -> ResolvedProfile:
    """Fill in what the profile lacks.

    Args:
        profile: What the person set.
        observed_hr_max: The highest sustained heart rate in the store, if any.
        today: For the age estimate; defaults to the current date.

    Returns:
        The resolved profile. Maximum heart rate, when not set, is the larger of
        the age formula and the highest sustained reading (a real reading proves
        the maximum is at least that); resting heart rate defaults to 60 bpm.
    """
    hr_max, max_source = _resolve_hr_max(
        profile, observed_hr_max, today or date.today()
    )
    if profile.hr_rest is not None:
        hr_rest, rest_source = float(profile.hr_rest), "profile"
    else:
        hr_rest, rest_source = DEFAULT_HR_REST, "default (set hr_rest in the profile)"
    if hr_rest >= hr_max:
        hr_rest, rest_source = (
            DEFAULT_HR_REST,
            "default (profile hr_rest was not below hr_max)",
        )
    return ResolvedProfile(
        hr_max, hr_rest, profile.sex, max_source, rest_source, observed_hr_max
    )


def _resolve_hr_max(
    profile: Profile, observed: float | None, today: date
) -> tuple[float, str]:
    if profile.hr_max is not None:
        return float(profile.hr_max), "profile"
    by_age = None
    if profile.birth_year is not None:
        by_age = 208.0 - 0.7 * (today.year - profile.birth_year)
    if by_age is not None and (observed is None or by_age >= observed):
        return round(by_age, 1), "estimated from age (208 - 0.7 x age)"
    if observed is not None and observed >= MIN_ESTIMATED_HR_MAX:
        return float(observed), "estimated: highest sustained heart rate recorded"
    if observed is not None:
        return MIN_ESTIMATED_HR_MAX, (
            f"estimated: at least {MIN_ESTIMATED_HR_MAX:.0f} (recordings peak at "
            f"{observed:.0f}, not a maximal effort; set hr_max or birth_year)"
        )
    return DEFAULT_HR_MAX, "default (set hr_max or birth_year in the profile)"
