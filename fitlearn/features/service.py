"""Features over the store, cached per session so a new day costs one day.

Per-session features are stored in `session_features`, keyed by the feature
code's version and the profile they were computed with. Refreshing computes only
sessions that are new or whose key is stale, then rebuilds the daily table from
the cached rows, which is cheap (one row per session).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import polars as pl
from sqlalchemy.exc import OperationalError

from fitlearn.features.daily import SESSION_COLUMNS, daily_features
from fitlearn.features.profile import Profile, ResolvedProfile, resolve_profile
from fitlearn.features.session import FEATURE_COLUMNS, session_features, sustained_peaks
from fitlearn.store import Store
from fitlearn.store.schema import SessionFeatures

logger = logging.getLogger(__name__)

FEATURES_VERSION = 1
"""Bump when per-session feature code changes: cached rows are then recomputed."""

SESSIONS_PER_BATCH = 16
"""Sessions read from the store at once. Even day-long 1 Hz recordings then stay
near 1.4 M samples in memory, whatever the length of the history."""

SESSION_META_SCHEMA = {
    "session_id": pl.Int64,
    "source": pl.String,
    "sport": pl.String,
    "clock": pl.String,
    "meta_start_ms": pl.Int64,
    "utc_offset_s": pl.Int64,
    "duplicate_of": pl.Int64,
}


@dataclass(frozen=True)
class FeatureSnapshot:
    """Everything computed from the store at one moment."""

    profile: ResolvedProfile
    sessions: pl.DataFrame
    """Per-session features with `source`, `sport`, `clock`, `utc_offset_s` and
    `duplicate_of`, oldest first."""
    daily: pl.DataFrame
    """Per-day features (see `fitlearn.features.daily`)."""

    def day(self, when: date | None = None) -> dict[str, object] | None:
        """The daily row for `when` (default: the latest day), or None."""
        if self.daily.is_empty():
            return None
        if when is None:
            return self.daily.row(-1, named=True)
        rows = self.daily.filter(pl.col("date") == when)
        return rows.row(0, named=True) if not rows.is_empty() else None


class FeatureService:
    """Computes and caches features for one store and profile."""

    def __init__(self, store: Store, profile: Profile) -> None:
        self.store = store
        self.profile = profile

    def refresh(self, until: date | None = None) -> FeatureSnapshot:
        """Bring cached session features up to date and derive the daily table."""
        meta = self._session_meta()
        cached = self._cached_rows()
        current = {
            sid
            for sid, (version, _k, _p) in cached.items()
            if version == FEATURES_VERSION
        }
        new_ids = [sid for sid in meta["session_id"].to_list() if sid not in current]

        resolved = resolve_profile(
            self.profile, self._observed_peak(cached, current, new_ids)
        )
        key = resolved.key()
        todo = [
            sid
            for sid in meta["session_id"].to_list()
            if sid not in current or cached[sid][1] != key
        ]
        if todo:
            fresh = self._compute(todo, resolved)
            self._save(fresh, key)
            for row in fresh.iter_rows(named=True):
                cached[row["session_id"]] = (FEATURES_VERSION, key, row)

        features = _features_frame(
            [cached[sid][2] for sid in meta["session_id"].to_list()]
        )
        # A session without a date keeps a null start, whatever its relative times say.
        sessions = (
            meta.join(features, on="session_id", how="left")
            .with_columns(start_ms=pl.col("meta_start_ms"))
            .drop("meta_start_ms")
        )
        daily = daily_features(sessions.select(list(SESSION_COLUMNS)), until)
        return FeatureSnapshot(resolved, sessions, daily)

    def _observed_peak(
        self,
        cached: dict[int, tuple[int, str, dict[str, object]]],
        current: set[int],
        new_ids: list[int],
    ) -> float | None:
        if self.profile.hr_max is not None:
            return None  # the person's own value wins; no need to read samples
        peaks = [cached[sid][2].get("hr_peak") for sid in current]
        for batch in _batches(new_ids):
            peaks += sustained_peaks(self.store.heart_rate(batch))["hr_peak"].to_list()
        known = [float(p) for p in peaks if isinstance(p, int | float)]
        return max(known) if known else None

    def _compute(
        self, session_ids: Sequence[int], profile: ResolvedProfile
    ) -> pl.DataFrame:
        parts = [
            session_features(
                self.store.heart_rate(batch), self.store.rr_intervals(batch), profile
            )
            for batch in _batches(session_ids)
        ]
        return pl.concat(parts)

    def _session_meta(self) -> pl.DataFrame:
        rows = [
            (
                s.id,
                s.source,
                s.sport,
                s.clock,
                s.start_ms,
                s.utc_offset_s,
                s.duplicate_of,
            )
            for s in self.store.sessions()
        ]
        return pl.DataFrame(rows, schema=SESSION_META_SCHEMA, orient="row")

    def _cached_rows(self) -> dict[int, tuple[int, str, dict[str, object]]]:
        with self.store.reading() as orm:
            return {
                row.session_id: (row.version, row.profile_key, json.loads(row.payload))
                for row in orm.query(SessionFeatures)
            }

    def _save(self, fresh: pl.DataFrame, key: str) -> None:
        rows = [
            {
                "session_id": row["session_id"],
                "version": FEATURES_VERSION,
                "profile_key": key,
                "payload": json.dumps(row),
            }
            for row in fresh.iter_rows(named=True)
        ]
        try:
            with self.store.writing() as orm:
                for row in rows:
                    orm.merge(SessionFeatures(**row))
        except OperationalError as exc:
            # A read-only database still answers; it only cannot remember the work.
            logger.warning(
                "Could not cache session features (%s); continuing without", exc
            )


def _batches(session_ids: Sequence[int]) -> list[list[int]]:
    ids = list(session_ids)
    return [
        ids[i : i + SESSIONS_PER_BATCH] for i in range(0, len(ids), SESSIONS_PER_BATCH)
    ]


def _features_frame(payloads: list[dict[str, object]]) -> pl.DataFrame:
    schema: dict[str, type[pl.DataType]] = dict.fromkeys(FEATURE_COLUMNS, pl.Float64)
    schema |= {
        "session_id": pl.Int64,
        "samples": pl.Int64,
        "start_ms": pl.Int64,
        "end_ms": pl.Int64,
        "rr_count": pl.Int64,
        "rr_artifacts": pl.Int64,
        "rr_pairs_used": pl.Int64,
        "rr_pairs_total": pl.Int64,
    }
    rows = [[payload.get(name) for name in FEATURE_COLUMNS] for payload in payloads]
    return pl.DataFrame(rows, schema=schema, orient="row")
