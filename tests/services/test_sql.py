"""services.sql.pk_chunks: the one loop that reads primary keys (or rows) a chunk at a time."""

import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from personalize.models import Event, Visitor
from personalize.services import privacy
from personalize.services.sql import delete_in_chunks, pk_chunks

pytestmark = pytest.mark.django_db


def test_ids_come_sorted_in_chunks_without_repeats():
    assert list(pk_chunks([5, 3, 1, 2, 4, 3], 2)) == [[1, 2], [3, 4], [5]]
    assert list(pk_chunks([], 2)) == []


def test_a_queryset_is_read_by_keyset_one_query_per_chunk(django_assert_num_queries):
    ids = sorted(Visitor.objects.create().pk for _ in range(5))
    with django_assert_num_queries(3):  # two full chunks, then the short last one
        assert list(pk_chunks(Visitor.objects.all(), 2)) == [ids[:2], ids[2:4], ids[4:]]
    with django_assert_num_queries(2):  # a full last chunk costs one look further
        assert list(pk_chunks(Visitor.objects.all(), 5)) == [ids]


def test_rows_carry_the_primary_key_and_the_fields_asked_for():
    visitor = Visitor.objects.create(country="GB", visit_count=3)
    [[row]] = pk_chunks(Visitor.objects.all(), 10, fields=("country", "visit_count"))
    assert row == {"pk": visitor.pk, "country": "GB", "visit_count": 3}


def test_changing_what_was_read_does_not_skip_the_next_chunk():
    for _ in range(7):
        Visitor.objects.create()
    seen = []
    for ids in pk_chunks(Visitor.objects.all(), 3):
        seen += ids
        Visitor.objects.filter(pk__in=ids).delete()  # an offset would now skip rows
    assert len(seen) == 7
    assert not Visitor.objects.exists()


def test_delete_in_chunks_deletes_everything_selected_and_nothing_else():
    visitor = Visitor.objects.create()
    for n in range(7):
        Event.objects.create(visitor=visitor, name="old" if n < 5 else "new")
    assert delete_in_chunks(Event.objects.filter(name="old"), 2) == 5
    assert list(Event.objects.values_list("name", flat=True)) == ["new", "new"]


def test_erase_visitors_erases_a_selection_a_chunk_at_a_time(monkeypatch):
    monkeypatch.setattr(privacy, "ERASE_CHUNK", 2)
    chosen = [Visitor.objects.create(country="GB").pk for _ in range(5)]
    kept = Visitor.objects.create(country="FR")
    assert privacy.erase_visitors(Visitor.objects.filter(country="GB")) == 5
    assert list(Visitor.objects.values_list("pk", flat=True)) == [kept.pk]
    assert all(privacy.is_erased(pk) for pk in chosen)
    assert privacy.erase_visitors([uuid.uuid4()]) == 0


def test_erase_visitors_spends_the_same_queries_on_a_chunk_of_one_or_of_many():
    def queries_to_erase(count):
        for _ in range(count):
            person = Visitor.objects.create()
            Visitor.objects.create(merged_into=person)
            Event.objects.create(visitor=person, name="page_view")
        with CaptureQueriesContext(connection) as captured:
            assert privacy.erase_visitors(Visitor.objects.filter(merged_into=None)) == count
        assert not Visitor.objects.exists()
        assert not Event.objects.exists()
        return len(captured)

    assert queries_to_erase(6) == queries_to_erase(1)
