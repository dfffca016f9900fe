import pytest

from personalize.models import Intent, IntentSignal


def add_signal(intent, **fields):
    signal = IntentSignal(intent=intent, **fields)
    signal.full_clean()
    signal.save()
    return signal


@pytest.fixture
def deal(db):
    """A deal-seeking intent with one signal of each kind."""
    intent = Intent.objects.create(
        slug="deal-seeking", name="Deal seeking", threshold=10, half_life_hours=24
    )
    signals = {
        "deals": add_signal(
            intent, kind="page_path", operator="starts_with", pattern="/deals/", points=6, cap=12
        ),
        "campaign": add_signal(
            intent,
            kind="utm",
            parameter="utm_campaign",
            operator="contains",
            pattern="sale",
            points=10,
            cap=10,
        ),
        "medium": add_signal(intent, kind="referrer_medium", pattern="email", points=3, cap=3),
        "search": add_signal(
            intent, kind="search_term", operator="regex", pattern=r"\bcheap\b", points=10, cap=10
        ),
        "sort": add_signal(
            intent,
            kind="query_param",
            parameter="sort",
            operator="starts_with",
            pattern="price",
            points=4,
            cap=8,
        ),
        "coupon": add_signal(
            intent, kind="event", operator="equals", pattern="coupon_copied", points=5, cap=5
        ),
    }
    return intent, signals


@pytest.fixture
def concerns(db):
    intent = Intent.objects.create(
        slug="decided-with-concerns",
        name="Decided, with concerns",
        threshold=10,
        half_life_hours=72,
    )
    signals = {
        "product": add_signal(
            intent,
            kind="page_path",
            operator="glob",
            pattern="/clubs/*/",
            min_count=3,
            points=10,
            cap=10,
        ),
        "returns": add_signal(
            intent, kind="page_path", operator="equals", pattern="/help/returns/", points=6, cap=6
        ),
    }
    return intent, signals


def scores(client, path="/deals/", **extra):
    """GET ``path`` and return the visitor's intent scores as the page saw them."""
    response = client.get(path, **extra)
    assert response.status_code == 200
    return response.wsgi_request.visitor.intent_scores
