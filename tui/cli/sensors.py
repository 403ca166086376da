"""Bluetooth commands: `sensors scan`, `sensors decode`, and `record`."""

from __future__ import annotations

import asyncio
import json
import math
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import click

from fitlearn.recording import (
    BatteryUpdate,
    ConnectionUpdate,
    HeartRateUpdate,
    LiveEvent,
    LiveFeed,
    RecordingReport,
)
from sensors.ble.backends import BACKENDS, DEFAULT_BACKEND
from sensors.ble.hrm import parse_heart_rate_measurement, parse_hex
from sensors.ble.link import Advertisement
from sensors.errors import MalformedNotificationError
from tui.cli.app import AppContext, pass_app, positive
from tui.cli.data import stderr, stdout
from tui.recording import (
    EmulationPlan,
    close_backend,
    load_rr_series,
    open_backend,
    record_emulated,
    record_sensors,
)

backend_option = click.option(
    "--backend",
    type=click.Choice(list(BACKENDS)),
    default=DEFAULT_BACKEND,
    show_default=True,
    help="Bluetooth stack: the system's (bleak) or a dongle (bumble).",
)
transport_option = click.option(
    "--transport",
    metavar="SPEC",
    default=None,
    help="bumble only: the HCI transport, e.g. usb:0 for the first USB dongle.",
)


@click.group("sensors")
def sensors_group() -> None:
    """Find Bluetooth heart-rate sensors and decode what they send."""


@sensors_group.command("scan")
@click.option(
    "--timeout",
    "timeout_s",
    type=float,
    default=5.0,
    show_default=True,
    help="Seconds to listen.",
)
@click.option(
    "--all",
    "show_all",
    is_flag=True,
    help="List every device, not only heart-rate sensors.",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@backend_option
@transport_option
def scan_command(
    timeout_s: float, show_all: bool, as_json: bool, backend: str, transport: str | None
) -> None:
    """List nearby heart-rate sensors: name, address, signal strength (RSSI).

    A sensor counts when its advertisement names the Heart Rate service (0x180D).
    Wear the strap (moist pads) so it wakes up and advertises.
    """
    found = asyncio.run(_scan(backend, transport, timeout_s))
    shown = sorted(
        (a for a in found if show_all or a.is_heart_rate_sensor),
        key=lambda a: -(a.rssi if a.rssi is not None else -999),
    )
    if as_json:
        stdout.print_json(json.dumps([_advertisement_dict(a) for a in shown]))
        return
    if not shown:
        stderr.print(
            f"No heart-rate sensor answered within {timeout_s:g} s. Wake the strap (moisten "
            "the pads), check Bluetooth is on, then retry with a longer --timeout."
        )
        raise SystemExit(1)
    for adv in shown:
        rssi = f"{adv.rssi} dBm" if adv.rssi is not None else "?"
        stdout.print(f"{adv.address:<40} {rssi:>8}  {adv.name or '(no name)'}")


async def _scan(
    backend_name: str, transport: str | None, timeout_s: float
) -> list[Advertisement]:
    backend = await open_backend(backend_name, transport)
    try:
        return await backend.scan(timeout_s)
    finally:
        await close_backend(backend)


def _advertisement_dict(adv: Advertisement) -> dict[str, Any]:
    return {
        "address": adv.address,
        "name": adv.name,
        "rssi": adv.rssi,
        "heart_rate": adv.is_heart_rate_sensor,
        "service_uuids": list(adv.service_uuids),
    }


@sensors_group.command("decode")
@click.argument("hex_bytes", metavar="HEX", nargs=-1, required=True)
def decode_command(hex_bytes: tuple[str, ...]) -> None:
    """Decode one Heart Rate Measurement (0x2A37) notification given in hex.

    Spaces between bytes are fine, quoted or not: `fitlearn sensors decode 16 4B 1F 03`.
    Prints JSON: bpm, contact (null when the sensor cannot tell), energy_kj and
    rr_ms (RR intervals in milliseconds, oldest first).
    """
    text = " ".join(hex_bytes)
    try:
        payload = parse_hex(text)
    except ValueError as exc:
        raise click.ClickException(
            f"{text!r} is not hexadecimal bytes ({exc}). Write two hex digits per byte, "
            "e.g. 16 4B 1F 03."
        ) from exc
    try:
        measurement = parse_heart_rate_measurement(payload)
    except MalformedNotificationError as exc:
        raise click.ClickException(f"{exc}. Nothing was decoded.") from exc
    if (
        measurement.reading_bpm is None
        and measurement.bpm != 0
        and measurement.contact is not False
    ):
        stderr.print(
            f"note: {measurement.bpm} bpm is not a plausible heart rate; the recorder "
            "would not store it as one."
        )
    if measurement.energy_saturated:
        stderr.print(
            "note: the energy counter is saturated (0xFFFF); the sensor needs a reset."
        )
    click.echo(
        json.dumps(
            {
                "bpm": measurement.bpm,
                "contact": measurement.contact,
                "energy_kj": measurement.energy_kj,
                "rr_ms": list(measurement.rr_ms),
            }
        )
    )


@click.command("record")
@click.option(
    "--address",
    "addresses",
    multiple=True,
    metavar="A",
    help="Sensor address (repeat for several). Default: every heart-rate sensor "
    "found by a 5 s scan.",
)
@click.option(
    "--emulate",
    "emulate",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="Replay this RR recording through an emulated strap "
    "(no hardware needed), e.g. data-samples/rest-rr.txt.",
)
@click.option(
    "--duration",
    "duration_s",
    type=positive(),
    default=None,
    help="Stop after this many seconds (emulated seconds with --emulate; "
    "default there: the recording's length).",
)
@click.option(
    "--speed",
    type=positive(1000),
    default=1.0,
    show_default=True,
    help="--emulate only: emulated seconds per real second.",
)
@click.option(
    "--rate",
    "rate_hz",
    type=positive(10),
    default=1.0,
    show_default=True,
    help="--emulate only: notifications per second (1-4).",
)
@click.option(
    "--outage",
    "outages",
    multiple=True,
    metavar="START,SECONDS",
    help="--emulate only: take the strap out of range at START for SECONDS.",
)
@click.option("--quiet", is_flag=True, help="Do not print each measurement.")
@backend_option
@transport_option
@pass_app
def record_command(
    app: AppContext,
    addresses: tuple[str, ...],
    emulate: Path | None,
    duration_s: float | None,
    speed: float,
    rate_hz: float,
    outages: tuple[str, ...],
    quiet: bool,
    backend: str,
    transport: str | None,
) -> None:
    """Record live heart rate and RR intervals into the database.

    One session per sensor. Writes happen about once a second; Ctrl-C (or
    SIGTERM) writes what is left and closes the sessions cleanly. A dropped
    sensor is reconnected by itself; the time without data is stored as a gap.
    """
    feed = LiveFeed()
    if not quiet:
        feed.add_listener(_print_event)
    store = app.store(create=True)
    if emulate is not None:
        report = asyncio.run(
            record_emulated(
                store,
                emulation_plan(emulate, duration_s, speed, rate_hz, outages),
                feed=feed,
            )
        ).recording
    else:
        report = asyncio.run(
            _record_live(store, backend, transport, addresses, duration_s, feed)
        )
    _print_report(report)


async def _record_live(
    store: Any,
    backend_name: str,
    transport: str | None,
    addresses: Sequence[str],
    duration_s: float | None,
    feed: LiveFeed,
) -> RecordingReport:
    backend = await open_backend(backend_name, transport)
    try:
        names: dict[str, str | None] = {}
        if not addresses:
            found = [a for a in await backend.scan(5.0) if a.is_heart_rate_sensor]
            if not found:
                raise click.ClickException(
                    "No heart-rate sensor answered within 5 s. Wake the strap (moisten the "
                    "pads), check Bluetooth is on, or pass --address (see 'fitlearn sensors scan')."
                )
            names = {a.address: a.name for a in found}
            addresses = list(names)
            listed = ", ".join(
                f"{name or '?'} ({address})" for address, name in names.items()
            )
            stderr.print(f"Recording {listed}")
        return await record_sensors(
            store, backend, addresses, feed=feed, duration_s=duration_s, names=names
        )
    finally:
        await close_backend(backend)


def emulation_plan(
    path: Path,
    duration_s: float | None = None,
    speed: float = 1.0,
    rate_hz: float = 1.0,
    outages: Sequence[str] = (),
) -> EmulationPlan:
    """An emulated session replaying `path`; bad numbers are a usage error."""
    if speed <= 0 or not 0 < rate_hz <= 10:
        raise click.BadParameter(
            "--speed must be positive and --rate between 0 and 10 Hz."
        )
    rr_ms = load_rr_series(path)
    return EmulationPlan(
        rr_ms=rr_ms,
        duration_s=duration_s or sum(rr_ms) / 1000,
        rate_hz=rate_hz,
        speed=speed,
        outages=[_window(text) for text in outages],
    )


def _window(text: str) -> tuple[float, float]:
    try:
        start, seconds = (float(part) for part in text.split(","))
    except ValueError:
        start = seconds = math.nan
    if not (math.isfinite(start) and math.isfinite(seconds) and start >= 0 < seconds):
        raise click.BadParameter(
            f"{text!r}: write START,SECONDS with START >= 0 and SECONDS > 0, "
            "e.g. --outage 60,15",
            param_hint="--outage",
        )
    return start, seconds


def _print_event(event: LiveEvent) -> None:
    clock = datetime.fromtimestamp(event.t_ms / 1000).strftime("%H:%M:%S")
    if isinstance(event, HeartRateUpdate):
        bpm = f"{event.bpm:>3} bpm" if event.bpm is not None else "--- bpm"
        contact = {None: "", True: "", False: "  NO CONTACT"}[event.contact]
        rr = " ".join(f"{v:.0f}" for v in event.rr_ms)
        stdout.print(f"{clock}  {bpm}{contact}  RR {rr or '-'}", highlight=False)
    elif isinstance(event, BatteryUpdate):
        stdout.print(f"{clock}  battery {event.percent} %")
    elif isinstance(event, ConnectionUpdate) and event.state in (
        "connected",
        "disconnected",
    ):
        stdout.print(f"{clock}  {event.address} {event.state}")


def _print_report(report: RecordingReport) -> None:
    for sensor in report.sensors:
        if sensor.session_id is None:
            stderr.print(f"{sensor.address}: never connected; nothing recorded.")
            continue
        stdout.print(
            f"{sensor.address}: session {sensor.session_id}: {sensor.samples_stored} heart-rate "
            f"samples, {sensor.rr_stored} RR intervals stored; {sensor.malformed} malformed, "
            f"{sensor.duplicates} duplicate notifications dropped; {len(sensor.gaps)} gap(s)."
        )
        for start, end in sensor.gaps:
            until = (
                datetime.fromtimestamp(end / 1000).strftime("%H:%M:%S")
                if end
                else "end"
            )
            length = f" ({(end - start) / 1000:.1f} s)" if end else ""
            since = datetime.fromtimestamp(start / 1000).strftime("%H:%M:%S")
            stdout.print(f"  gap {since} - {until}{length}")
