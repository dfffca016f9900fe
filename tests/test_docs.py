"""Every setting is documented, with its default."""

import pathlib

from personalize.conf import DEFAULTS, PREFIX

ROOT = pathlib.Path(__file__).resolve().parent.parent


def test_every_setting_is_documented():
    docs = "\n".join(path.read_text() for path in (ROOT / "docs").glob("*.md"))
    missing = [name for name in DEFAULTS if f"`{PREFIX}{name}`" not in docs]
    assert missing == []


def test_every_documented_setting_exists():
    import re

    docs = "\n".join(path.read_text() for path in (ROOT / "docs").glob("*.md"))
    documented = set(re.findall(rf"`{PREFIX}([A-Z_]+)`", docs))
    assert documented - set(DEFAULTS) == set()
