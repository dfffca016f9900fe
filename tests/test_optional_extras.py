"""The core package imports and runs without its optional extras (Wagtail)."""

import subprocess
import sys

from tests.settings import BASE_DIR

BLOCK_WAGTAIL = """
import importlib, pkgutil, sys

class NoWagtail:
    def find_spec(self, name, path=None, target=None):
        if name == "wagtail" or name.startswith("wagtail."):
            raise ImportError(f"{name} is not installed")

sys.meta_path.insert(0, NoWagtail())
import django
django.setup()
import personalize
for module in pkgutil.walk_packages(personalize.__path__, "personalize."):
    if not module.name.startswith("personalize.contrib."):
        importlib.import_module(module.name)
assert not [name for name in sys.modules if name.split(".")[0] == "wagtail"]
"""


def test_the_core_package_imports_without_wagtail():
    result = subprocess.run(
        [sys.executable, "-c", BLOCK_WAGTAIL],
        cwd=BASE_DIR,
        env={"DJANGO_SETTINGS_MODULE": "tests.settings", "PATH": ""},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
