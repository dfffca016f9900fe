"""Run every benchmark module (or the ones named on the command line)."""

import importlib
import pkgutil
import sys

import benchmarks

SKIP = {"__main__", "settings", "common", "urls"}  # helpers, not benchmarks


def main(argv: list[str]) -> int:
    names = [arg for arg in argv if not arg.startswith("-")]
    options = [arg for arg in argv if arg.startswith("-")]
    available = sorted(
        info.name
        for info in pkgutil.iter_modules(benchmarks.__path__)
        if info.name not in SKIP and not info.name.startswith("_")
    )
    for name in names or available:
        if name not in available:
            print(f"unknown benchmark {name!r}; available: {', '.join(available)}")
            return 2
        module = importlib.import_module(f"benchmarks.{name}")
        print(f"\n== {name}: {(module.__doc__ or '').strip().splitlines()[0]}", flush=True)
        module.main(options)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
