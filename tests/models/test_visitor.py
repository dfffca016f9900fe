"""The Visitor queryset's named filters, used wherever these groups of visitors are meant."""

import pytest
from django.contrib.auth.models import User

from personalize.models import Visitor

pytestmark = pytest.mark.django_db


def test_live_identified_and_anonymous_visitors():
    known = Visitor.objects.create(email="jeff@example.com")
    member = Visitor.objects.create(user=User.objects.create_user("ann"))
    stranger = Visitor.objects.create()
    merged = Visitor.objects.create(merged_into=known)

    def pks(queryset):
        return set(queryset.values_list("pk", flat=True))

    assert pks(Visitor.objects.live()) == {known.pk, member.pk, stranger.pk}
    assert pks(Visitor.objects.identified()) == {known.pk, member.pk}
    assert pks(Visitor.objects.anonymous()) == {stranger.pk, merged.pk}
    assert pks(Visitor.objects.live().anonymous()) == {stranger.pk}
    assert pks(Visitor.objects.identified()) | pks(Visitor.objects.anonymous()) == pks(
        Visitor.objects.all()
    )
