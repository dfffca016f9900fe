"""Context rules: when the visit happens, in the rule's own time zone.

Every rule here has a ``time_zone`` (an IANA name such as ``Europe/London``; new rules start with
``PERSONALIZE_TIME_ZONE``, else ``TIME_ZONE``). The current instant is converted to that zone,
which never fails, so daylight-saving changes cannot raise:

* ``TimeOfDayRule`` compares wall-clock times. On the day clocks go forward, a window that lies
  entirely in the skipped hour does not happen; on the day they go back, the repeated hour is
  inside the window both times.
* ``DateRangeRule`` boundaries are instants: a boundary that falls in a skipped hour takes
  effect as if the clocks had not changed yet (01:30 on the spring-forward day in London is
  02:30 summer time); one that falls in a repeated hour means its first occurrence.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from personalize.conf import time_zone_name
from personalize.fields import MultipleChoiceField
from personalize.models.segment import Segment
from personalize.rules.base import Rule
from personalize.utils import log_once

MAX_TIME_ZONE = 64


def default_time_zone() -> str:
    """The time zone a new rule starts with (read when the rule is created)."""
    return time_zone_name()


def load_zone(name: str) -> zoneinfo.ZoneInfo | None:
    """The time zone called ``name``, or None when there is no such zone."""
    if not name or len(name) > MAX_TIME_ZONE:
        return None
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
        return None


def validate_time_zone(name: str) -> None:
    if not name or len(name) > MAX_TIME_ZONE:
        raise ValidationError(_("Enter a time zone such as Europe/London."))
    if load_zone(name) is None:
        raise ValidationError(
            _("Unknown time zone %(name)s: use a name such as Europe/London or UTC."),
            params={"name": name[:MAX_TIME_ZONE]},
        )


def time_zone_field():
    return models.CharField(
        _("time zone"),
        max_length=MAX_TIME_ZONE,
        default=default_time_zone,
        validators=[validate_time_zone],
        help_text=_("IANA name, e.g. Europe/London, America/New_York or UTC."),
    )


class ZonedRule(Rule):
    """Shared behaviour of the rules that read the local time (not a rule type itself).

    A time zone that does not exist (stored around validation, or gone from the system's time
    zone database) makes the rule match nobody, negated or not; it is logged once here and
    reported by the ``personalize.E008`` system check.
    """

    category = Segment.Category.OTHER

    class Meta:
        abstract = True

    def prepare_for(self, snapshot) -> None:
        super().prepare_for(snapshot)
        self._zone = load_zone(self.time_zone)
        if self._zone is None:
            log_once(
                ("time-zone", self.pk, self.time_zone),
                "personalize: %s %s has an unknown time zone %r; it matches nobody.",
                type(self).__name__,
                self.pk,
                self.time_zone,
            )

    def evaluate(self, ctx) -> bool:
        matched = super().evaluate(ctx)  # prepares the rule, hence its zone, first
        return matched and self._zone is not None

    def evaluate_condition(self, ctx) -> bool:
        if self._zone is None:
            return False
        return self.holds_at(ctx.now.astimezone(self._zone))

    def holds_at(self, local: dt.datetime) -> bool:  # pragma: no cover - abstract
        """Whether the condition holds at ``local``, an aware time on the rule's clock."""
        raise NotImplementedError

    def to_q(self, now):
        """Everyone or nobody: these rules read only the clock, the same for every visitor at
        ``now``. Decided by the Python evaluation itself, so both always agree."""
        from personalize.engine.context import Context
        from personalize.profile import Profile
        from personalize.rules.sql import EVERYONE, NOBODY

        condition = self.evaluate(Context(Profile(""), now=now)) != self.negate
        return EVERYONE if condition else NOBODY

    def clean_time_zone(self):
        self.time_zone = (self.time_zone or "").strip()
        try:
            validate_time_zone(self.time_zone)
        except ValidationError as exc:
            raise ValidationError({"time_zone": exc.messages}) from exc

    def zone_words(self) -> str:
        return f" ({self.time_zone} time)"


def _clock(value: dt.time) -> str:
    return value.strftime("%H:%M")


class TimeOfDayRule(ZonedRule):
    """The local time is inside a window. A window whose end is earlier than its start (22:00
    to 02:00) crosses midnight. The start is included, the end is not."""

    start = models.TimeField(_("from"), help_text=_("e.g. 22:00"))
    end = models.TimeField(_("until"), help_text=_("e.g. 02:00 (not included)"))
    time_zone = time_zone_field()

    class Meta:
        verbose_name = _("time of day rule")
        verbose_name_plural = _("time of day rules")

    def clean(self):
        self.clean_time_zone()
        if self.start is not None and self.start == self.end:
            raise ValidationError(
                {"end": _("The window would be empty: choose an end different from the start.")}
            )

    def holds_at(self, local: dt.datetime) -> bool:
        return in_window(local.time().replace(tzinfo=None), self.start, self.end)

    def describe_condition(self) -> str:
        return f"visits between {_clock(self.start)} and {_clock(self.end)}{self.zone_words()}"


def in_window(now: dt.time, start: dt.time, end: dt.time) -> bool:
    """``start <= now < end``, wrapping past midnight when ``end <= start``."""
    if start < end:
        return start <= now < end
    if start > end:
        return now >= start or now < end
    return False


class Weekday(models.TextChoices):
    MONDAY = "mon", _("Monday")
    TUESDAY = "tue", _("Tuesday")
    WEDNESDAY = "wed", _("Wednesday")
    THURSDAY = "thu", _("Thursday")
    FRIDAY = "fri", _("Friday")
    SATURDAY = "sat", _("Saturday")
    SUNDAY = "sun", _("Sunday")


WEEKDAYS = list(Weekday.values)  # index = datetime.weekday()


class DayOfWeekRule(ZonedRule):
    """The local day of the week is one of the chosen days."""

    days = MultipleChoiceField(
        _("days"),
        choices=Weekday.choices,
        error_messages={"blank": _("Choose at least one day.")},
    )
    time_zone = time_zone_field()

    class Meta:
        verbose_name = _("day of week rule")
        verbose_name_plural = _("day of week rules")

    def clean(self):
        self.clean_time_zone()
        self.days = [day for day in WEEKDAYS if day in (self.days or ())]

    def holds_at(self, local: dt.datetime) -> bool:
        return WEEKDAYS[local.weekday()] in (self.days or ())

    def describe_condition(self) -> str:
        labels = dict(Weekday.choices)
        names = [str(labels[day]) for day in WEEKDAYS if day in (self.days or ())]
        return f"visits on a {' or '.join(names) or '(no day)'}{self.zone_words()}"


#: The dates a :class:`DateRangeRule` may name: a day's bounds in any time zone, as UTC
#: instants, stay inside what ``datetime`` can hold.
FIRST_DATE = dt.date(2, 1, 1)
LAST_DATE = dt.date(9998, 12, 31)


class DateRangeRule(ZonedRule):
    """The visit falls between two local dates (and optional times); either end may be open.

    Dates go from :data:`FIRST_DATE` to :data:`LAST_DATE`; a rule stored around validation
    with a date whose bounds cannot be computed matches nobody, negated or not (logged once).
    """

    start_date = models.DateField(_("from date"), null=True, blank=True)
    start_time = models.TimeField(
        _("from time"), null=True, blank=True, help_text=_("Empty: from the start of the day.")
    )
    end_date = models.DateField(_("until date"), null=True, blank=True)
    end_time = models.TimeField(
        _("until time"),
        null=True,
        blank=True,
        help_text=_("Empty: until the end of that day (included)."),
    )
    time_zone = time_zone_field()

    class Meta:
        verbose_name = _("date range rule")
        verbose_name_plural = _("date range rules")

    def clean(self):
        self.clean_time_zone()
        if self.start_date is None and self.end_date is None:
            raise ValidationError(_("Enter a start date, an end date or both."))
        if self.start_time is not None and self.start_date is None:
            raise ValidationError({"start_date": _("A start time needs a start date.")})
        if self.end_time is not None and self.end_date is None:
            raise ValidationError({"end_date": _("An end time needs an end date.")})
        for name in ("start_date", "end_date"):
            value = getattr(self, name)
            if value is not None and not FIRST_DATE <= value <= LAST_DATE:
                message = _("Use a date from %(first)s to %(last)s.")
                raise ValidationError({name: message % {"first": FIRST_DATE, "last": LAST_DATE}})
        start, end = self.bounds(load_zone(self.time_zone))
        if start is not None and end is not None and end <= start:
            raise ValidationError({"end_date": _("The end must come after the start.")})

    def bounds(self, zone: zoneinfo.ZoneInfo) -> tuple[dt.datetime | None, dt.datetime | None]:
        """(start, end) as UTC instants; the start is included, the end is not."""
        start = end = None
        if self.start_date is not None:
            local = dt.datetime.combine(self.start_date, self.start_time or dt.time(0), zone)
            start = local.astimezone(dt.UTC)
        if self.end_date is not None:
            if self.end_time is None:
                local = dt.datetime.combine(self.end_date + dt.timedelta(days=1), dt.time(0), zone)
            else:
                local = dt.datetime.combine(self.end_date, self.end_time, zone)
            end = local.astimezone(dt.UTC)
        return start, end

    def prepare_for(self, snapshot) -> None:
        super().prepare_for(snapshot)
        self._bounds = (None, None)
        if self._zone is None:
            return
        try:
            self._bounds = self.bounds(self._zone)
        except OverflowError:  # a date at the very end of the calendar
            log_once(
                ("date-range", self.pk),
                "personalize: DateRangeRule %s has dates that cannot be placed on the clock; "
                "it matches nobody.",
                self.pk,
            )
            self._zone = None  # (what evaluate() reads: matches nobody, negated or not)

    def holds_at(self, local: dt.datetime) -> bool:
        start, end = self._bounds
        if start is not None and local < start:
            return False
        return end is None or local < end

    def describe_condition(self) -> str:
        def when(date, time, *, end: bool) -> str:
            if time is None:
                return f"{date:%Y-%m-%d}" + (" (end of day)" if end else "")
            return f"{date:%Y-%m-%d} {_clock(time)}"

        if self.start_date is not None and self.end_date is not None:
            text = (
                f"visits from {when(self.start_date, self.start_time, end=False)} "
                f"until {when(self.end_date, self.end_time, end=True)}"
            )
        elif self.start_date is not None:
            text = f"visits from {when(self.start_date, self.start_time, end=False)} on"
        else:
            text = f"visits until {when(self.end_date, self.end_time, end=True)}"
        return text + self.zone_words()
