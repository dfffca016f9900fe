"""The client script's own tests run in Node (skipped where node is not installed)."""

import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "personalize" / "static" / "personalize" / "personalize.js"


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_script_behaviour_in_node():
    result = subprocess.run(
        ["node", "--test", str(ROOT / "tests" / "js" / "personalize.test.js")],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert re.search(r"^# fail 0$", result.stdout, re.M)
    passed = int(re.search(r"^# pass (\d+)$", result.stdout, re.M).group(1))
    assert passed >= 15


def test_script_is_plain_es2017_without_inline_dependencies():
    source = SCRIPT.read_text()
    assert "require(" not in source
    assert "import " not in source
    # syntax newer than ES2017 that old browsers would choke on
    assert "?." not in source
    assert "??" not in source
    assert not re.search(r"catch\s*\{", source)
    assert not re.search(r"\.\.\.\w", source)
    assert len(source.encode()) < 16_000
