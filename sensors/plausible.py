"""What counts as a heart rate or an RR interval at all.

Files and sensors pad gaps with sentinels (0xFF, 0xFFFF) or zeros; those are not
readings. The bounds are generous on purpose: judging whether a plausible value is
an artifact is the features' job, not the importer's.
"""

MIN_BPM = 25
MAX_BPM = 250
MIN_RR_MS = 200.0
MAX_RR_MS = 3000.0


def is_plausible_bpm(bpm: float) -> bool:
    """Whether a heart-rate value can be a real reading (25-250 bpm)."""
    return MIN_BPM <= bpm <= MAX_BPM


def is_plausible_rr_ms(rr_ms: float) -> bool:
    """Whether an RR interval can be a real beat (200-3000 ms: 20-300 bpm)."""
    return MIN_RR_MS <= rr_ms <= MAX_RR_MS


MAX_VALUES_PER_FILE = 3_000_000
"""Rows (or RR values) one file may hold: about a month of 1 Hz heart rate or of
continuous beats. Each value costs about 100 bytes until it is stored, so this
keeps an import within a few hundred MB on a Raspberry Pi."""


def too_many_values(file_name: str) -> str:
    """The message for a file over `MAX_VALUES_PER_FILE`."""
    return (
        f"{file_name}: more than {MAX_VALUES_PER_FILE:,} values in one file; not "
        "imported. Split it into files of at most that many rows (a month of 1 Hz "
        "data each) and import them together."
    )
