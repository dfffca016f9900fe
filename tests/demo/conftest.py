import re
from io import StringIO

import pytest
from django.core.management import call_command

HERO = re.compile(r'data-personalize-slot="home-hero" data-personalize-variant="([^"]+)"')


@pytest.fixture
def demo(db):
    """The Fairway Golf demo, loaded as ``make demo`` loads it."""
    call_command("loaddemo", no_admin=True, stdout=StringIO())


def hero(response) -> str:
    """The ``home-hero`` variant a home page response shows."""
    assert response.status_code == 200
    found = HERO.findall(response.content.decode())
    assert len(found) == 1, "the home page renders the home-hero slot once"
    return found[0]


class MemorySink:
    """An event sink that keeps batches in memory: no database writes at all."""

    def __init__(self):
        self.batches = []

    def emit(self, batch):
        self.batches.append(batch)
