"""The three starter intents, shipped as editable data.

``python manage.py personalize_starter_intents`` installs them; editors then tune them in the
admin. Running it again adds what is missing and leaves the editors' changes alone; with
``--reset`` it restores the shipped definitions. Signals are matched on what they look at
(kind, parameter, operator, pattern), so restoring keeps their ids, and visitors keep the
points they earned.

The page patterns cover common URL shapes (``/deals/``, ``/sale/``, ``/products/<slug>/``...):
adapt them to your site's URLs in the admin.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

STARTER_INTENTS = [
    dict(
        slug="inspiration",
        name="Browsing for inspiration",
        threshold=10,
        half_life_hours=48,
        description="Arrives from social media or a blog, reads inspiration pages, browses "
        "broadly without a clear target.",
        signals=[
            dict(kind="referrer_medium", pattern="social", points=10, cap=10),
            dict(kind="referrer_medium", pattern="referral", points=5, cap=5),
            dict(
                kind="page_path",
                operator="regex",
                pattern=r"^/(inspiration|blog|stories|ideas|magazine)/",
                points=10,
                cap=20,
            ),
            dict(
                kind="page_path",
                operator="regex",
                pattern=r"^/(clubs|products|shop|collections|catalog)/",
                points=2,
                cap=6,
            ),
        ],
    ),
    dict(
        slug="deal-seeking",
        name="Hunting for the best deal",
        threshold=10,
        half_life_hours=24,
        description="Looks at deals and comparisons, arrives from sale campaigns, searches for "
        "cheap or discount, sorts by price.",
        signals=[
            dict(
                kind="page_path",
                operator="regex",
                pattern=r"^/(deals|sale|offers|outlet)/",
                points=6,
                cap=12,
            ),
            dict(kind="page_path", operator="starts_with", pattern="/compare/", points=6, cap=12),
            dict(
                kind="utm",
                parameter="utm_campaign",
                operator="regex",
                pattern=r"sale|deal|discount|offer|promo|black.?friday",
                points=10,
                cap=10,
            ),
            dict(
                kind="search_term",
                operator="regex",
                pattern=r"\b(cheap|cheapest|discount|deals?|sale|offers?|voucher|coupon)\b",
                points=10,
                cap=10,
            ),
            dict(
                kind="query_param",
                parameter="sort",
                operator="starts_with",
                pattern="price",
                points=4,
                cap=8,
            ),
        ],
    ),
    dict(
        slug="decided-with-concerns",
        name="Decided, with concerns",
        threshold=10,
        half_life_hours=72,
        description="Keeps coming back to the same product and reads shipping and returns.",
        signals=[
            dict(
                kind="page_path",
                operator="regex",
                pattern=r"^/(clubs|products?|p)/[^/]+/$",
                min_count=3,
                points=10,
                cap=10,
            ),
            dict(
                kind="page_path",
                operator="regex",
                pattern=r"^/(help/)?returns?/",
                points=6,
                cap=6,
            ),
            dict(
                kind="page_path",
                operator="regex",
                pattern=r"^/(help/)?(shipping|delivery)/",
                points=6,
                cap=6,
            ),
        ],
    ),
]

_SIGNAL_DEFAULTS = dict(parameter="", operator="equals", min_count=1)


@dataclass
class StarterResult:
    created: list[str]
    reset: list[str]
    kept: list[str]


def _signal_identity(signal) -> tuple:
    return (signal.kind, signal.parameter, signal.operator, signal.pattern)


def install_starter_intents(*, reset: bool = False) -> StarterResult:
    """Create the starter intents that are missing; with ``reset``, restore all three."""
    from personalize.models import Intent, IntentSignal

    result = StarterResult(created=[], reset=[], kept=[])
    with transaction.atomic():
        for data in STARTER_INTENTS:
            data = dict(data)
            signals = [{**_SIGNAL_DEFAULTS, **signal} for signal in data.pop("signals")]
            slug = data.pop("slug")
            intent = Intent.objects.filter(slug=slug).first()
            if intent is not None and not reset:
                result.kept.append(slug)
                continue
            if intent is None:
                intent = Intent(slug=slug)
                result.created.append(slug)
            else:
                result.reset.append(slug)
            for name, value in {**data, "is_active": True}.items():
                setattr(intent, name, value)
            intent.full_clean()
            intent.save()

            existing = {_signal_identity(s): s.pk for s in intent.signals.all()}
            keep = set()
            for fields in signals:
                signal = IntentSignal(intent=intent, **fields)
                signal.full_clean()  # normalizes, so the identity compares like with like
                signal.pk = existing.get(_signal_identity(signal))
                signal.save()
                keep.add(signal.pk)
            intent.signals.exclude(pk__in=keep).delete()
    return result
