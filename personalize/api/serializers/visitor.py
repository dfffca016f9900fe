"""What visitors' browsers send and receive: decisions, events, consent, their own data."""

from __future__ import annotations

from django.core.validators import RegexValidator
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from personalize.api.pages import clean_path
from personalize.api.serializers.base import SLUG, StrictMixin
from personalize.conf import get_setting, is_excluded
from personalize.engine.selection import CONTROL, DEFAULT
from personalize.exceptions import InvalidEvent
from personalize.models import Event
from personalize.services.validation import (
    clean_event_name,
    clean_event_value,
    clean_properties,
)
from personalize.tracking.headers import clean_referrer

CLIENT_EVENT_ID = r"^[A-Za-z0-9_.:-]{1,64}$"
PAGE_VIEW = Event.PAGE_VIEW
IMPRESSION = Event.IMPRESSION
CLICK = Event.CLICK
#: Fields each kind of client event may carry besides ``id`` and ``name``.
ALLOWED = {
    PAGE_VIEW: {"path", "referrer"},
    IMPRESSION: {"path", "slot", "variant"},
    CLICK: {"path", "slot", "variant", "properties"},
}
CUSTOM_ALLOWED = {"path", "slot", "variant", "value", "properties"}
#: Set on a valid event the site does not keep (a slot or variant that no longer exists, a
#: page view of an excluded path): its messages per field.
REJECTED = "rejected"


#: What ``GET decisions/?include=`` may add to the answer.
INCLUDES = ("segments", "intent")


def parse_slot_keys(raw) -> list[str]:
    """``"home-hero, home-promo"`` -> keys in order, once each. Raises ValidationError."""
    if not isinstance(raw, str) or not raw.strip():
        raise serializers.ValidationError(_("Name at least one slot: ?slots=home-hero,home-promo"))
    keys = list(dict.fromkeys(part.strip() for part in raw.split(",") if part.strip()))
    limit = get_setting("API_MAX_SLOTS")
    if len(keys) > limit:
        raise serializers.ValidationError(
            _("At most %(n)d slots per request; got %(got)d.") % {"n": limit, "got": len(keys)}
        )
    bad = [key for key in keys if not SLUG.match(key)]
    if bad:
        raise serializers.ValidationError(
            _("Slot keys are letters, digits, - and _ (100 at most); got %(bad)s.")
            % {"bad": ", ".join(repr(key[:100]) for key in bad[:5])}
        )
    return keys


class ReferrerField(serializers.CharField):
    """``document.referrer``: any length, cut by :func:`clean_referrer` rather than refused
    (events store it without its query string, cut to the length of ``Event.referrer``)."""

    def __init__(self, **kwargs):
        super().__init__(required=False, allow_blank=True, **kwargs)

    def to_internal_value(self, data):
        return clean_referrer(super().to_internal_value(data))


class DecisionQuerySerializer(serializers.Serializer):
    """Query parameters of ``GET decisions/``."""

    slots = serializers.CharField(
        max_length=2500, help_text="Comma-separated slot keys, e.g. home-hero,home-promo."
    )
    path = serializers.CharField(
        max_length=2000,
        required=False,
        help_text="The page the slots are on, a path of this site with its query string "
        "(e.g. /offers/?utm_medium=email). Rules see it as the current page.",
    )
    referrer = ReferrerField(
        help_text="Where the visit came from (document.referrer), for acquisition rules."
    )
    track = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Count a page view of `path` (before deciding), for pages the server did "
        "not see (shared caches).",
    )

    include = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=200,
        help_text="What to add to the answer, comma-separated: `segments` (the visitor's "
        "segments), `intent` (the current intent and every intent's score). Default: the "
        "slots only.",
    )

    def validate_slots(self, value):
        return parse_slot_keys(value)

    def validate_include(self, value):
        parts = list(dict.fromkeys(part.strip() for part in value.split(",") if part.strip()))
        unknown = [part for part in parts if part not in INCLUDES]
        if unknown:
            raise serializers.ValidationError(
                _("Cannot include %(bad)s; choose from: %(choices)s.")
                % {
                    "bad": ", ".join(repr(part[:50]) for part in unknown[:5]),
                    "choices": ", ".join(INCLUDES),
                }
            )
        return set(parts)

    def validate(self, attrs):
        if attrs.get("track") and not attrs.get("path"):
            raise serializers.ValidationError({"path": [_("track=1 needs the page's path.")]})
        if attrs.get("path"):
            path, query = clean_path(attrs["path"])
            attrs["page_path"], attrs["page_query"] = path, query
        attrs.setdefault("referrer", "")
        attrs.setdefault("include", set())
        return attrs


class CtaSerializer(serializers.Serializer):
    label = serializers.CharField()
    url = serializers.CharField(
        help_text="Through the click-through endpoint, which records "
        "the click and redirects to the variant's link."
    )


class SlotDecisionSerializer(serializers.Serializer):
    variant = serializers.CharField(
        help_text='Variant slug; "default" for the template\'s own '
        'default content, "control" for the control group.'
    )
    control = serializers.BooleanField()
    html = serializers.CharField(
        allow_null=True,
        help_text="Markup to put inside the slot's wrapper element; null: keep the page's "
        "default content.",
    )
    title = serializers.CharField(allow_null=True)
    body = serializers.CharField(allow_null=True, help_text="Sanitized HTML.")
    image = serializers.CharField(allow_null=True)
    image_alt = serializers.CharField(allow_null=True)
    cta = CtaSerializer(allow_null=True)


class DecisionSerializer(serializers.Serializer):
    slots = serializers.DictField(child=SlotDecisionSerializer())
    preview = serializers.CharField(
        required=False,
        help_text="Only in a staff preview (the page's preview parameter passed on, from staff "
        "allowed to preview): the preview bar's HTML, for the script to add to the page.",
    )
    unknown_slots = serializers.ListField(
        child=serializers.CharField(),
        required=False,
        help_text="Only when some keys name no slot (deleted since the page was made): those "
        "keys. The other slots are answered.",
    )
    segments = serializers.ListField(
        child=serializers.CharField(),
        required=False,
        help_text="With `include=segments`: slugs of the segments the visitor is in.",
    )
    intent = serializers.CharField(
        allow_null=True,
        required=False,
        help_text="With `include=intent`: the strongest intent above its threshold, or null.",
    )
    intent_scores = serializers.DictField(
        child=serializers.FloatField(),
        required=False,
        help_text="With `include=intent`: every intent's current score.",
    )
    tracked = serializers.BooleanField(help_text="Whether this visitor is tracked (consent).")


@extend_schema_field({"oneOf": [{"type": "number"}, {"type": "string"}], "nullable": True})
class EventValueField(serializers.Field):
    """A number (or numeric text) up to 999,999,999,999.99; two decimals kept."""

    def to_internal_value(self, data):
        if isinstance(data, dict | list):
            raise serializers.ValidationError(_("A value is a number."))
        try:
            return clean_event_value(data)
        except InvalidEvent as exc:
            raise serializers.ValidationError(str(exc)) from None

    def to_representation(self, value):
        return None if value is None else str(value)


class ClientEventSerializer(StrictMixin, serializers.Serializer):
    """One event sent by a page: ``page_view`` (pages served from a shared cache),
    ``impression``, ``click`` or a custom event (``newsletter_signup``...)."""

    id = serializers.CharField(
        required=False,
        validators=[RegexValidator(CLIENT_EVENT_ID, _("1-64 letters, digits, _ . : or -."))],
        help_text="Client event id: an event sent twice with the same id is stored once.",
    )
    name = serializers.CharField(max_length=64)
    path = serializers.CharField(max_length=2000, required=False)
    referrer = ReferrerField(help_text="page_view only: where the visit came from.")
    slot = serializers.CharField(max_length=100, required=False)
    variant = serializers.CharField(max_length=100, required=False)
    value = EventValueField(required=False, allow_null=True)
    properties = serializers.DictField(required=False)

    def validate(self, attrs):
        name = attrs["name"]
        allowed = ALLOWED.get(name, CUSTOM_ALLOWED)
        extra = sorted(set(attrs) - allowed - {"id", "name"})
        if extra:
            raise serializers.ValidationError(
                {
                    field: [_("Not accepted on a %(name)s event.") % {"name": name}]
                    for field in extra
                }
            )
        if name not in ALLOWED:
            self._validate_custom(name, attrs)
        if name in (IMPRESSION, CLICK) and not (attrs.get("slot") and attrs.get("variant")):
            raise serializers.ValidationError(
                {"slot": [_("Impressions and clicks name their slot and variant.")]}
            )
        if name == PAGE_VIEW and not attrs.get("path"):
            raise serializers.ValidationError({"path": [_("A page view names its path.")]})
        if "path" in attrs:
            attrs["path"], attrs["query"] = clean_path(attrs["path"])
            if name == PAGE_VIEW and is_excluded(attrs["path"]):
                # Well formed, just not kept: set aside like a stale slot's event, so the
                # clicks sent with it are not lost.
                attrs[REJECTED] = {
                    "path": [_("This path is not tracked (PERSONALIZE_EXCLUDED_PATHS).")]
                }
        if "slot" in attrs or "variant" in attrs:
            self._validate_slot(attrs)
        if "properties" in attrs:
            try:
                attrs["properties"] = clean_properties(attrs["properties"])
            except InvalidEvent as exc:
                raise serializers.ValidationError({"properties": [str(exc)]}) from None
        return attrs

    def _validate_custom(self, name, attrs) -> None:
        try:
            clean_event_name(name)
        except InvalidEvent as exc:
            raise serializers.ValidationError({"name": [str(exc)]}) from None
        accepted = get_setting("API_EVENT_NAMES")
        if accepted is not None and name not in accepted:
            raise serializers.ValidationError(
                {
                    "name": [
                        _("This site does not accept %(name)r events from browsers.")
                        % {"name": name}
                    ]
                }
            )

    def _validate_slot(self, attrs) -> None:
        slot_key, variant = attrs.get("slot", ""), attrs.get("variant", "")
        if not (slot_key and variant):
            raise serializers.ValidationError({"slot": [_("Give both slot and variant.")]})
        snapshot = self.context.get("snapshot")
        if snapshot is None:
            return  # definitions unavailable: the names are stored as sent (bounded)
        # A page can be older than the definitions (a cached page, an open tab): an event of a
        # slot or variant deleted since is set aside and reported, not fatal to the batch.
        slot = snapshot.slots.get(slot_key)
        if slot is None:
            attrs[REJECTED] = {"slot": [_("No slot has this key.")]}
        elif variant not in (DEFAULT, CONTROL) and variant not in slot.variants:
            attrs[REJECTED] = {"variant": [_("This slot has no such variant.")]}


class EventBatchSerializer(StrictMixin, serializers.Serializer):
    events = ClientEventSerializer(many=True, allow_empty=False)

    def validate_events(self, events):
        if sum(1 for event in events if event["name"] == PAGE_VIEW) > 1:
            raise serializers.ValidationError(
                _("A batch holds one page view at most: the page it was sent from.")
            )
        return events


class EventBatchResultSerializer(serializers.Serializer):
    accepted = serializers.IntegerField(help_text="Events stored (or queued).")
    duplicates = serializers.IntegerField(
        help_text="Events already received (same id), or impressions already counted this visit."
    )
    tracked = serializers.BooleanField(
        help_text="False when this visitor is not tracked (no consent, Do Not Track...): "
        "nothing was stored."
    )
    rejected = serializers.DictField(
        child=serializers.DictField(child=serializers.ListField(child=serializers.CharField())),
        required=False,
        help_text="Only when some events name a slot or variant that no longer exists: their "
        "positions in the batch, with messages per field. They were not stored; the rest was.",
    )


class ConsentSerializer(StrictMixin, serializers.Serializer):
    consent = serializers.ChoiceField(
        choices=["granted", "denied"],
        help_text="granted: the visitor may be tracked; denied: stop tracking and forget the "
        "visitor cookie.",
    )


class ConsentResultSerializer(serializers.Serializer):
    consent = serializers.ChoiceField(choices=["granted", "denied"])
    tracked = serializers.BooleanField()


class StoredEventSerializer(serializers.ModelSerializer):
    class Meta:
        model = Event
        fields = [
            "name",
            "timestamp",
            "path",
            "referrer",
            "medium",
            "source",
            "utm_source",
            "utm_medium",
            "utm_campaign",
            "slot",
            "variant",
            "value",
            "properties",
        ]
        read_only_fields = fields


class EventPageSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    next = serializers.CharField(allow_null=True)
    previous = serializers.CharField(allow_null=True)
    results = StoredEventSerializer(many=True)


class VisitorDataSerializer(serializers.Serializer):
    id = serializers.CharField(allow_null=True, help_text="null: no visitor cookie yet.")
    consent = serializers.CharField(
        help_text="granted, denied, or unknown (no choice made: the site's default applies)."
    )
    tracked = serializers.BooleanField()
    email = serializers.CharField(allow_null=True)
    first_seen = serializers.DateTimeField(allow_null=True)
    last_seen = serializers.DateTimeField(allow_null=True)
    visits = serializers.IntegerField()
    page_views = serializers.IntegerField()
    segments = serializers.ListField(child=serializers.CharField())
    intent = serializers.CharField(allow_null=True)
    intent_scores = serializers.DictField(child=serializers.FloatField())
    interests = serializers.DictField(child=serializers.FloatField())
    traits = serializers.DictField()
    events = EventPageSerializer()


class ErasureResultSerializer(serializers.Serializer):
    erased = serializers.BooleanField(help_text="Whether anything was stored about the visitor.")
