import re

HERO = re.compile(r'data-personalize-slot="home-hero" data-personalize-variant="([^"]+)"')


def hero(response) -> str:
    """The ``home-hero`` variant a home page response shows."""
    assert response.status_code == 200
    found = HERO.findall(response.content.decode())
    assert len(found) == 1, "the home page renders the home-hero slot once"
    return found[0]
