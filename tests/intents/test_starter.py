"""``personalize_starter_intents``: the starter intents as editable data."""

from io import StringIO

import pytest
from django.core.management import call_command

from personalize.models import Intent, IntentSignal
from personalize.services.starter import STARTER_INTENTS

pytestmark = pytest.mark.django_db

SLUGS = ["inspiration", "deal-seeking", "decided-with-concerns"]


def run(*args) -> str:
    out = StringIO()
    call_command("personalize_starter_intents", *args, stdout=out)
    return out.getvalue()


def definitions():
    return {
        intent.slug: (
            intent.threshold,
            intent.half_life_hours,
            sorted(
                (s.kind, s.parameter, s.operator, s.pattern, s.points, s.cap)
                for s in intent.signals.all()
            ),
        )
        for intent in Intent.objects.all()
    }


def test_installs_the_three_starter_intents_with_valid_signals():
    output = run()
    assert "Created: inspiration, deal-seeking, decided-with-concerns" in output
    assert sorted(Intent.objects.values_list("slug", flat=True)) == sorted(SLUGS)
    expected = sum(len(data["signals"]) for data in STARTER_INTENTS)
    assert IntentSignal.objects.count() == expected
    for signal in IntentSignal.objects.all():
        signal.full_clean()  # every shipped pattern passes the editor's validation
    kinds = set(IntentSignal.objects.values_list("kind", flat=True))
    assert kinds == {"page_path", "utm", "referrer_medium", "search_term", "query_param"}


def test_running_again_keeps_the_editors_changes():
    run()
    before = definitions()
    deal = Intent.objects.get(slug="deal-seeking")
    deal.threshold = 25
    deal.save()
    deal.signals.filter(kind="query_param").delete()
    output = run()
    assert "Kept as edited: inspiration, deal-seeking, decided-with-concerns" in output
    after = definitions()
    assert after["deal-seeking"][0] == 25
    assert len(after["deal-seeking"][2]) == len(before["deal-seeking"][2]) - 1
    assert after["inspiration"] == before["inspiration"]


def test_reset_restores_the_shipped_definitions_and_keeps_signal_ids():
    run()
    shipped = definitions()
    ids = set(IntentSignal.objects.values_list("pk", flat=True))
    deal = Intent.objects.get(slug="deal-seeking")
    Intent.objects.filter(pk=deal.pk).update(threshold=99, is_active=False)
    deal.signals.filter(kind="query_param").update(points=-50)
    deal.signals.filter(kind="utm").delete()
    IntentSignal.objects.create(intent=deal, kind="event", pattern="extra", points=1, cap=1)
    output = run("--reset")
    assert "Restored: inspiration, deal-seeking, decided-with-concerns" in output
    assert definitions() == shipped
    assert Intent.objects.filter(is_active=True).count() == 3
    kept = set(IntentSignal.objects.values_list("pk", flat=True))
    assert len(ids - kept) == 1  # only the deleted campaign signal was created anew
    assert run("--reset")
    assert set(IntentSignal.objects.values_list("pk", flat=True)) == kept


def test_a_removed_starter_intent_is_installed_again():
    run()
    Intent.objects.filter(slug="inspiration").delete()
    assert "Created: inspiration" in run()
    assert Intent.objects.count() == 3


def test_the_demo_loads_the_starter_intents_from_the_command():
    from demo_site.shop import demo_data

    assert not hasattr(demo_data, "INTENTS")
    call_command("loaddemo", no_admin=True, stdout=StringIO())
    run()
    assert sorted(Intent.objects.values_list("slug", flat=True)) == sorted(SLUGS)
    from personalize.models import Variant

    targeted = dict(
        Variant.objects.filter(intent__isnull=False).values_list("slug", "intent__slug")
    )
    assert targeted == {
        "reassurance-hero": "decided-with-concerns",
        "deal-hero": "deal-seeking",
        "inspiration-hero": "inspiration",
    }
