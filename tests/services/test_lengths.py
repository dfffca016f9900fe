"""Stored strings are cut to the length of their column, read from the model field."""

import uuid

import pytest

from personalize.middleware import referrer_for_storage
from personalize.models import Event, Slot, Visitor
from personalize.services.ingest import ingest
from personalize.services.slots import register_slot
from personalize.services.validation import clean_email
from tests.scale.helpers import batch, event

pytestmark = pytest.mark.django_db

EVENT_TEXT = (
    "name",
    "path",
    "referrer",
    "medium",
    "source",
    "utm_source",
    "utm_medium",
    "utm_campaign",
    "slot",
    "variant",
)
FACTS = ("device_type", "browser", "os", "country", "region", "city", "language")


def longest(model, name) -> int:
    return model._meta.get_field(name).max_length


def test_ingest_cuts_every_text_to_its_column():
    vid = uuid.uuid4()
    texts = {name: "a" * (longest(Event, name) + 40) for name in EVENT_TEXT}
    facts = {name: "b" * (longest(Visitor, name) + 40) for name in FACTS}
    result = ingest([batch(vid, event(**texts, key="k" * 300), **facts)])
    assert result.events == 1
    stored = Event.objects.get()
    for name in EVENT_TEXT:
        assert len(getattr(stored, name)) == longest(Event, name), name
    assert stored.idempotency_key == "k" * longest(Event, "idempotency_key")
    visitor = Visitor.objects.get(pk=vid)
    for name in FACTS:
        assert len(getattr(visitor, name)) == longest(Visitor, name), name


def test_a_stored_referrer_fits_its_column():
    stored = referrer_for_storage("https://example.com/" + "a" * 2000 + "?q=secret")
    assert len(stored) == longest(Event, "referrer")


def test_a_registered_slot_key_fits_its_column():
    register_slot("k" * 300)
    assert Slot.objects.get().key == "k" * longest(Slot, "key")


def test_an_email_address_longer_than_its_column_is_refused():
    local = "a" * 64
    address = f"{local}@{'b' * 63}.{'c' * 63}.{'d' * 63}.com"  # 260 characters
    with pytest.raises(ValueError, match=f"at most {longest(Visitor, 'email')} characters"):
        clean_email(address)
