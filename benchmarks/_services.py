"""Shared set-up of the service benchmarks (ingest, rebuild, sink overhead).

They run against a PostgreSQL database and a Redis server of their own choosing:

``BENCH_DATABASE_URL``  default: ``DATABASE_URL`` with ``_bench`` appended to the database name
                        when it is PostgreSQL, else ``postgres://postgres@127.0.0.1:5432/
                        personalize_bench``. The database is created and migrated if needed,
                        and its personalize tables are emptied: never point it at real data.
``BENCH_REDIS_URL``     default: ``REDIS_URL``, else ``redis://127.0.0.1:6379/0``. Only keys
                        prefixed ``personalize-bench-<pid>`` are written, and deleted afterwards.

When a service is unreachable the benchmark prints one ``SKIP`` line and exits 0.
"""

from __future__ import annotations

import os
import sys
import time
import urllib.parse

DEFAULT_DATABASE = "postgres://postgres@127.0.0.1:5432/personalize_bench"
DEFAULT_REDIS = "redis://127.0.0.1:6379/0"


def database_url(suffix: str = "") -> str:
    """The benchmark database; ``suffix`` names a sibling database (kept between runs)."""
    url = os.environ.get("BENCH_DATABASE_URL", "")
    if not url:
        url = os.environ.get("DATABASE_URL", "")
        if url.startswith("postgres"):
            parts = urllib.parse.urlsplit(url)
            name = parts.path.lstrip("/") or "postgres"
            url = urllib.parse.urlunsplit(parts._replace(path=f"/{name}_bench"))
        else:
            url = DEFAULT_DATABASE
    if suffix and url.startswith("postgres"):
        parts = urllib.parse.urlsplit(url)
        url = urllib.parse.urlunsplit(parts._replace(path=f"{parts.path}{suffix}"))
    return url


def redis_url() -> str:
    return os.environ.get("BENCH_REDIS_URL") or os.environ.get("REDIS_URL") or DEFAULT_REDIS


def skip(name: str, why: str) -> None:
    print(f"SKIP {name}: {why}")
    sys.exit(0)


def schema_fingerprint() -> str:
    """A digest of every migration file: a kept database with another schema is rebuilt."""
    import hashlib
    import pathlib

    digest = hashlib.sha256()
    root = pathlib.Path(__file__).resolve().parent.parent
    for path in sorted(root.glob("*/migrations/0*.py")) + sorted(
        root.glob("demo_site/*/migrations/0*.py")
    ):
        digest.update(path.read_bytes())
    return f"personalize-schema:{digest.hexdigest()[:16]}"


def _ensure_database(url: str) -> None:
    import psycopg

    parts = urllib.parse.urlsplit(url)
    name = parts.path.lstrip("/")
    admin = urllib.parse.urlunsplit(parts._replace(path="/postgres"))
    fingerprint = schema_fingerprint()
    with psycopg.connect(admin, autocommit=True, connect_timeout=3) as conn:
        row = conn.execute(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s",
            [name],
        ).fetchone()
        if row is not None and row[0] != fingerprint:
            print(f"(rebuilding {name}: its schema is out of date)", flush=True)
            conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
            row = None
        if row is None:
            conn.execute(f'CREATE DATABASE "{name}"')
            conn.execute(f"COMMENT ON DATABASE \"{name}\" IS '{fingerprint}'")


def setup(name: str, *, redis: bool = True, database_suffix: str = "") -> dict:
    """Check the services, configure Django on them (demo settings, no DEBUG) and migrate."""
    db = database_url(database_suffix)
    if not db.startswith("postgres"):
        skip(name, f"needs PostgreSQL; BENCH_DATABASE_URL is {db!r}")
    try:
        _ensure_database(db)
    except Exception as exc:
        skip(name, f"PostgreSQL unavailable at {db} ({exc.__class__.__name__}: {exc})")
    cache_url = redis_url()
    if redis:
        try:
            import redis as redis_lib

            redis_lib.Redis.from_url(cache_url, socket_connect_timeout=2).ping()
        except Exception as exc:
            skip(name, f"Redis unavailable at {cache_url} ({exc.__class__.__name__}: {exc})")
    os.environ["DATABASE_URL"] = db
    os.environ["REDIS_URL"] = cache_url
    os.environ["DJANGO_DEBUG"] = "0"
    os.environ.pop("CELERY_BROKER_URL", None)  # tasks are called directly
    os.environ["DJANGO_SETTINGS_MODULE"] = "demo_site.settings"
    import django
    from django.conf import settings

    django.setup()
    prefix = f"personalize-bench-{os.getpid()}"
    settings.CACHES["default"]["KEY_PREFIX"] = prefix
    settings.PERSONALIZE_BUFFER_KEY = f"{prefix}:events"
    settings.PERSONALIZE_BUFFER_REDIS_URL = cache_url
    import logging

    logging.getLogger("personalize").setLevel(logging.ERROR)  # logged-once notices are noise here
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    return {"database": db, "redis": cache_url, "prefix": prefix}


def cleanup_redis(prefix: str) -> None:
    import redis

    client = redis.Redis.from_url(redis_url(), socket_timeout=5)
    keys = list(client.scan_iter(match=f"{prefix}*", count=1000))
    for start in range(0, len(keys), 1000):
        client.delete(*keys[start : start + 1000])


def empty_tables(*models) -> None:
    from django.db import connection

    tables = ", ".join(connection.ops.quote_name(model._meta.db_table) for model in models)
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {tables} CASCADE")


class Timer:
    def __enter__(self):
        self.started = time.perf_counter()
        return self

    def __exit__(self, *exc):
        self.seconds = time.perf_counter() - self.started


def line(label: str, value: str) -> None:
    print(f"  {label:<50} {value}")


def run_isolated(module: str, argv: list[str]) -> None:
    """Run ``module`` in a fresh interpreter: it configures Django its own way (services of its
    own), whatever the calling process configured."""
    import pathlib
    import subprocess

    root = pathlib.Path(__file__).resolve().parent.parent
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(root), os.environ.get("PYTHONPATH")])),
    }
    subprocess.run([sys.executable, "-m", module, *argv], cwd=root, env=env, check=False)


def option(argv: list[str], name: str, default: int) -> int:
    for arg in argv:
        key, _, value = arg.lstrip("-").partition("=")
        if key == name and value.isdigit():
            return int(value)
    return default
