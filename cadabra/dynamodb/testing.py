"""A real PostgreSQL for tests: the configured one, or a throwaway server on a free port.

`CADABRA_TEST_POSTGRES_URL` names a server to use as it is. Otherwise Debian's PostgreSQL
binaries (/usr/lib/postgresql/<version>/bin) run a fresh cluster in a temporary folder; where they
are missing and the process runs as root, Debian's `postgresql` package is installed first with
apt-get. PostgreSQL refuses to run as root, so as root the cluster belongs to the `postgres` user
the package creates (or to a system user made for it) and runs through `runuser`.
"""

from __future__ import annotations

import atexit
import logging
import os
import pwd
import shutil
import subprocess
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict

from cadabra.dynamodb.store import TableStore
from cadabra.errors import CadabraError
from cadabra.stack.net import free_port_block

__all__ = [
    "PostgresTestSettings",
    "PostgresUnavailable",
    "find_postgres_bin",
    "fresh_database",
    "install_postgres",
    "open_backend",
    "shared_postgres_url",
    "throwaway_postgres",
]

logger = logging.getLogger(__name__)

_DEBIAN_BIN = Path("/usr/lib/postgresql")
_SUPERUSER = "cadabra"
_OS_USER = "postgres"
_shared: dict[str, str] = {}
_shared_lock = threading.Lock()


class PostgresTestSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CADABRA_TEST_")

    # A PostgreSQL server for the tests (postgresql://...); None = a throwaway one.
    postgres_url: str | None = None


class PostgresUnavailable(CadabraError):
    """No PostgreSQL binaries, and no right to install them (not root)."""


def find_postgres_bin() -> Path | None:
    """The newest Debian PostgreSQL bin folder holding initdb and pg_ctl."""
    found = [
        d
        for d in _DEBIAN_BIN.glob("*/bin")
        if (d / "initdb").is_file() and (d / "pg_ctl").is_file()
    ]
    return max(found, key=lambda d: _version(d.parent.name), default=None)


def _version(name: str) -> tuple[int, ...]:
    return tuple(int(p) for p in name.split(".") if p.isdigit())


def install_postgres() -> Path:
    """Installs Debian's `postgresql` with apt-get (root only); its bin folder."""
    if os.geteuid() != 0:
        raise PostgresUnavailable(
            "PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb) and only root "
            "may install it: apt-get install postgresql, or set CADABRA_TEST_POSTGRES_URL"
        )
    started = time.monotonic()
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    apt = ["apt-get", "-q", "-y", "-o", "Dpkg::Use-Pty=0"]
    subprocess.run([*apt, "update"], check=True, env=env, capture_output=True)  # noqa: S603
    subprocess.run(  # noqa: S603
        [*apt, "install", "--no-install-recommends", "postgresql"],
        check=True,
        env=env,
        capture_output=True,
    )
    logger.warning("installed Debian's postgresql in %.1f s", time.monotonic() - started)
    found = find_postgres_bin()
    if found is None:
        raise PostgresUnavailable("apt-get installed postgresql but no initdb was found")
    return found


def shared_postgres_url() -> str:
    """One PostgreSQL for the whole test process (stopped when the process exits)."""
    with _shared_lock:
        if "url" not in _shared:
            configured = PostgresTestSettings().postgres_url
            if configured:
                _shared["url"] = configured
            else:
                server = throwaway_postgres()
                _shared["url"] = server.__enter__()
                atexit.register(server.__exit__, None, None, None)
        return _shared["url"]


def open_backend(kind: str, folder: Path) -> TableStore:
    """A fresh store of one kind: "sqlite" (a file in `folder`) or "postgresql" (a new database)."""
    if kind == "sqlite":
        from cadabra.dynamodb.sqlite_store import SqliteStore

        return SqliteStore(folder / "dynamodb.sqlite3")
    from cadabra.dynamodb.postgres_store import PostgresStore

    return PostgresStore(fresh_database(shared_postgres_url()))


def fresh_database(url: str) -> str:
    """A new, empty database on the server of `url` (one per test module keeps tests apart).

    The answer is a libpq connection string (`host=... dbname=...`), which psycopg takes as well.
    """
    import psycopg

    name = f"cadabra_{uuid.uuid4().hex[:16]}"
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute(f"CREATE DATABASE {name}")  # the name is made here, not given
    return psycopg.conninfo.make_conninfo(url, dbname=name)


@contextmanager
def throwaway_postgres() -> Iterator[str]:
    """A fresh cluster on a free port of 127.0.0.1, trust auth; yields its URL."""
    bin_dir = find_postgres_bin() or install_postgres()
    owner = _os_user()
    folder = Path(tempfile.mkdtemp(prefix="cadabra-postgres-"))
    data, log = folder / "data", folder / "postgres.log"
    port = free_port_block(1)
    try:
        if owner is not None:
            shutil.chown(folder, owner)
        _run(owner, bin_dir / "initdb", "-D", str(data), "-U", _SUPERUSER, "-A", "trust",
             "-E", "UTF8", "--no-locale", "--no-sync")  # fmt: skip
        options = f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off"
        _run(owner, bin_dir / "pg_ctl", "-D", str(data), "-o", options, "-l", str(log), "-w",
             "-t", "60", "start")  # fmt: skip
        yield f"postgresql://{_SUPERUSER}@127.0.0.1:{port}/postgres"
    finally:
        if (data / "postmaster.pid").exists():
            _run(owner, bin_dir / "pg_ctl", "-D", str(data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(folder, ignore_errors=True)


def _os_user() -> str | None:
    """Who runs the cluster: None = this process's user (not root), else a system user."""
    if os.geteuid() != 0:
        return None
    try:
        pwd.getpwnam(_OS_USER)
    except KeyError:
        subprocess.run(  # noqa: S603
            ["useradd", "--system", "--no-create-home", _OS_USER],  # noqa: S607
            check=True,
            capture_output=True,
        )
    return _OS_USER


def _run(owner: str | None, program: Path, *args: str) -> None:
    command = [str(program), *args]
    if owner is not None:
        command = ["runuser", "-u", owner, "--", *command]
    result = subprocess.run(command, capture_output=True, text=True)  # noqa: S603
    if result.returncode != 0:
        raise PostgresUnavailable(
            f"{program.name} failed ({result.returncode}): {result.stderr.strip()[-2000:]}"
        )
