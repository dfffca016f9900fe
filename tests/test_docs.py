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


def _anchors(text: str) -> set[str]:
    """The anchors a Markdown renderer gives the headings of ``text`` (GitHub's rules: lower
    case, punctuation dropped, spaces to hyphens), code blocks skipped."""
    import re

    anchors, fenced = set(), False
    for line in text.splitlines():
        if line.startswith("```"):
            fenced = not fenced
        elif not fenced and (match := re.match(r"#+ (.+)", line)):
            slug = re.sub(r"[^\w\- ]", "", match.group(1).strip().lower()).replace(" ", "-")
            anchors.add(slug)
    return anchors


def test_links_between_the_docs_lead_somewhere():
    import re

    pages = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    broken = []
    for page in pages:
        text = re.sub(r"```.*?```", "", page.read_text(), flags=re.S)
        for target in re.findall(r"\]\(([^)\s]+)\)", text):
            if re.match(r"[a-z]+:", target):
                continue  # another site
            path, _, anchor = target.partition("#")
            linked = (page.parent / path).resolve() if path else page
            found = linked.exists() and (
                not anchor or linked.suffix != ".md" or anchor in _anchors(linked.read_text())
            )
            if not found:
                broken.append((page.name, target))
    assert broken == []


def test_installed_apps_lines_of_the_docs_add_to_the_readme_install():
    """A developer who follows the README's install and then a page's `INSTALLED_APPS +=`
    line gets an app list Django accepts: no app listed twice (Django refuses duplicate
    labels)."""
    import re

    def additions(text):
        blocks = re.findall(r"```python\n(.*?)```", text, flags=re.S)
        return [
            app
            for block in blocks
            for line in re.findall(r"^INSTALLED_APPS \+= \[(.*)\]", block, flags=re.M)
            for app in re.findall(r'"([^"]+)"', line)
        ]

    readme = additions((ROOT / "README.md").read_text())
    assert "personalize" in readme
    doubled = []
    for page in sorted((ROOT / "docs").glob("*.md")):
        apps = readme + additions(page.read_text())
        doubled += [(page.name, app) for app in set(apps) if apps.count(app) > 1]
    assert doubled == []
