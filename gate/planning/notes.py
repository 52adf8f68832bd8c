"""Where each part of a simulated day came from, said as notes that carry a key and numbers,
not sentences: the command line writes them in English (``ENGLISH``), the statistics page in
the page's language (``planner_note_<key>`` in frontend/i18n/{vi,zh,en}.json, with the same
``{placeholders}``)."""

from __future__ import annotations

from dataclasses import dataclass

ENGLISH = {
    "arrivals_measured": "arrivals: the {count} trucks that arrived that day, replayed",
    "arrivals_today": (
        "arrivals: from {hour:02d}:{minute:02d} on, the {booked} trucks still booked from this "
        "hour on (those booked for hours gone by and not come are late: left out)"
    ),
    "queue_now": (
        "the forecast starts at {hour:02d}:{minute:02d} from the yard as it is: {waiting} trucks "
        "checked in and not yet called, with the time each has waited ({earlier} of them since "
        "before midnight, counted in the hour 00:00), {busy} lanes finishing a truck"
    ),
    "measured_so_far": (
        "measured so far: the {count} trucks arrived today up to {hour:02d}:{minute:02d}; "
        "those not called by then are counted as still waiting, with their waits so far"
    ),
    "arrivals_booked": "arrivals: the {booked} trucks booked for that day",
    "lanes_measured": (
        "lanes: the {count} that called trucks that day, each from the hour of its first call "
        "to the end of the hour of its last"
    ),
    "lanes_configured": "lanes: the {count} set open, over the direction's opening hours",
    "lanes_unrecorded": (
        "lanes: no truck was called that day and lane openings are not recorded; the {count} "
        "set open now, over the hours that day offered places"
    ),
    "service_day": "service: {count} calls to exit of that day",
    "service_history": "service: {count} calls to exit of the {days} days before",
    "service_planned": "service: nothing measured; the planned capacity shared by the lanes",
    "places_calendar": "the other side's places per hour: the calendar (schedule, hours, closures)",
    "places_recorded": (
        "the other side's places per hour: {recorded} hours as that day's slots recorded them; "
        "{other} hours without a slot from the calendar as it is now (closures and changed "
        "hours as kept, the ordinary day's past values are not kept)"
    ),
    "closing": (
        "closing: lanes work their hours only and the day ends at 24:00; trucks still waiting "
        "then are counted apart, their waits so far (a lower bound) not in the mean"
    ),
    "extra_class": (
        "extra trucks: spread over the day as trucks of their class arrived in the {days} "
        "days up to that day"
    ),
    "extra_direction": (
        "extra trucks: none of their class arrived in the {days} days up to that day; spread "
        "as the direction's trucks arrived"
    ),
    "extra_even": "extra trucks: no arrival measured; spread evenly over the lanes' hours",
    "extra_exact": (
        "extra trucks: exactly {count} more in every replication, each arriving at a random "
        "time by that spread, from {hour:02d}:{minute:02d} on"
    ),
}


@dataclass(frozen=True, slots=True)
class Note:
    """One note: ``key`` of ``ENGLISH`` (and of the page's catalogue, ``planner_note_<key>``)
    and the numbers its sentence takes, as (name, value) pairs."""

    key: str
    values: tuple[tuple[str, int], ...] = ()

    def english(self) -> str:
        """The note in English (the command line's words)."""
        return ENGLISH[self.key].format(**dict(self.values))


def note(key: str, **values: int) -> Note:
    """A note ``key`` with its numbers; KeyError for a key ``ENGLISH`` has not."""
    if key not in ENGLISH:  # a typo fails here, where the note is made
        raise KeyError(key)
    return Note(key, tuple(sorted(values.items())))
