"""Stored strings are cut to the length of their column, read from the model field."""

import importlib.util
import uuid

import pytest
from django.db.models import CharField

from personalize import request_facts, visitor
from personalize.middleware import referrer_for_storage
from personalize.models import Event, Slot, Visitor
from personalize.services.ingest import ingest
from personalize.services.slots import register_slot
from personalize.services.validation import clean_email
from tests.scale.helpers import batch, event

pytestmark = pytest.mark.django_db

#: Read from the model, not from ingest: a text column ingest forgets fails the test below.
EVENT_TEXT = [
    f.name
    for f in Event._meta.concrete_fields
    if isinstance(f, CharField) and f.name != "idempotency_key"
]
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


@pytest.mark.parametrize(
    ("module", "constant", "field"),
    [(request_facts, "MAX_PATH", "path"), (visitor, "MAX_EVENT_NAME", "name")],
)
def test_request_lengths_are_read_from_the_event_columns(monkeypatch, module, constant, field):
    assert getattr(module, constant) == longest(Event, field)
    monkeypatch.setattr(Event._meta.get_field(field), "max_length", 37)
    spec = importlib.util.find_spec(module.__name__)
    fresh = importlib.util.module_from_spec(spec)  # a copy: sys.modules keeps the original
    spec.loader.exec_module(fresh)
    assert getattr(fresh, constant) == 37


def test_a_long_path_and_event_name_are_cut_to_their_columns(rf):
    current = visitor.CurrentVisitor(rf.get("/" + "p" * 2000))
    assert len(current.path) == longest(Event, "path")
    assert len(current.record_event("n" * 300)["name"]) == longest(Event, "name")
