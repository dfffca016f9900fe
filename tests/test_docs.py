"""Every setting is documented, with its real default."""

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


def test_documented_defaults_are_the_defaults():
    """Each settings table row (`| `PERSONALIZE_X` | `default` | ...`) gives the real default."""
    import ast
    import re

    row = re.compile(rf"^\| `{PREFIX}([A-Z_0-9]+)` \| `([^`]*)`", re.MULTILINE)
    rows = [
        (path.name, name, text)
        for path in sorted((ROOT / "docs").glob("*.md"))
        for name, text in row.findall(path.read_text())
    ]
    assert {name for _, name, _ in rows} == set(DEFAULTS)  # every setting has a row somewhere
    wrong = [
        (page, name, text)
        for page, name, text in rows
        if (value := ast.literal_eval(text)) != DEFAULTS[name]
        or type(value) is not type(DEFAULTS[name])
    ]
    assert wrong == []
