#!/usr/bin/python3
"""glance-manage db_sync, run only when the database or glance's migrations changed since
the last sync this node ran.

    glance-ha-db-sync [--timeout SECONDS] STAMP GLANCE_API_CONF -- COMMAND...

COMMAND is the db_sync to run (the role gives `runuser -u glance -- glance-manage ...
db_sync`). `glance-manage db_sync` imports all of glance to find, on a converged cluster,
nothing to do: 2.3-4.6 s of every site.yml here. This helper, run with glance's own
interpreter, reads what decides whether there is anything to do:

- the schema's revisions (`alembic_version`, one query over glance's own database URL);
- glance's migrations: its version and the names and sizes of its migration scripts
  (found without importing glance).

It runs COMMAND unless both equal what STAMP recorded after the last successful sync. A
database restored from an older backup, another glance, a failed earlier sync (no stamp
written), a database it cannot read: each runs the sync. After a sync that succeeded it
records the new state. Output and exit status are COMMAND's; a skipped sync prints
"Database is up to date", as glance-manage does when it has nothing to do.

With --timeout, a COMMAND still running after SECONDS is stopped, and what it waited for
is printed first: the local database server's sessions and Galera state (when its client
is installed here), then every Python thread's stack (SIGABRT, with faulthandler on).
Exit status 124 then, as timeout(1) gives: the sync may be run again.

Installed by the glance role of glance-ha.
"""

from __future__ import annotations

import configparser
import hashlib
import importlib.metadata
import importlib.util
import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

MIGRATION_DIRS = ("db/sqlalchemy/alembic_migrations/versions", "db/sqlalchemy/alembic_migrations/data_migrations")


def code_identity() -> str | None:
    """glance's version and a digest of its migration scripts' names and sizes."""
    spec = importlib.util.find_spec("glance")
    if spec is None or not spec.submodule_search_locations:
        return None
    root = Path(next(iter(spec.submodule_search_locations)))
    digest = hashlib.sha256()
    for sub in MIGRATION_DIRS:
        for script in sorted((root / sub).glob("*.py")):
            digest.update(f"{sub}/{script.name} {script.stat().st_size}\n".encode())
    return f"{importlib.metadata.version('glance')} {digest.hexdigest()[:16]}"


def database_url(config_file: str) -> str | None:
    config = configparser.ConfigParser(interpolation=None, strict=False)
    if not config.read(config_file) or not config.has_option("database", "connection"):
        return None
    # The role writes its values literal for oslo.config: `$$` is one `$` (filter glance_oslo_literal).
    return config.get("database", "connection").replace("$$", "$")


def schema_revisions(url: str) -> list[str] | None:
    """The alembic revisions of the database at `url` (mysql only); None when unreadable."""
    parts = urlsplit(url)
    if not parts.scheme.startswith("mysql"):
        return None
    query = {key: values[-1] for key, values in parse_qs(parts.query).items()}
    try:
        import pymysql  # glance's own driver (mysql+pymysql)

        connection = pymysql.connect(
            host=parts.hostname or "localhost", port=parts.port or 3306,
            user=unquote(parts.username or ""), password=unquote(parts.password or ""),
            database=unquote(parts.path.lstrip("/")), unix_socket=query.get("unix_socket"),
            connect_timeout=5, read_timeout=5)
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT version_num FROM alembic_version")
                return sorted(row[0] for row in cursor.fetchall())
        finally:
            connection.close()
    except Exception:  # noqa: BLE001 - anything unreadable means: run the sync
        return None


def state(config_file: str) -> dict | None:
    url = database_url(config_file)
    revisions = schema_revisions(url) if url else None
    code = code_identity()
    if not revisions or code is None:
        return None
    return {"code": code, "revisions": revisions}


# What a stalled sync waits for, as the local server sees it (root over the socket).
DIAGNOSIS_SQL = (
    "SELECT id, user, db, command, time, state, LEFT(info, 120) FROM information_schema.processlist "
    "WHERE command <> 'Daemon' ORDER BY time DESC; "
    "SHOW GLOBAL STATUS WHERE Variable_name IN ('wsrep_cluster_status', 'wsrep_cluster_size', "
    "'wsrep_local_state_comment', 'wsrep_flow_control_paused', 'wsrep_local_recv_queue', "
    "'wsrep_local_send_queue')")


def report_stall(seconds: float) -> None:
    print(f"glance-ha-db-sync: the sync is still running after {seconds:g} s; the database's sessions:",
          file=sys.stderr, flush=True)
    client = shutil.which("mariadb") or shutil.which("mysql")
    if client is None:
        print("(no database client on this node)", file=sys.stderr, flush=True)
        return
    try:
        found = subprocess.run([client, "--batch", "-e", DIAGNOSIS_SQL], capture_output=True, text=True,
                               timeout=15, check=False)
        print(found.stdout + found.stderr, file=sys.stderr, flush=True)
    except subprocess.TimeoutExpired:
        print("(the database did not answer within 15 s)", file=sys.stderr, flush=True)


def run_bounded(command: list[str], timeout: float | None) -> int:
    # A session of its own: the stop reaches glance-manage under runuser too.
    process = subprocess.Popen(command, start_new_session=True, env={**os.environ, "PYTHONFAULTHANDLER": "1"})
    try:
        return process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        report_stall(timeout)
        os.killpg(process.pid, signal.SIGABRT)  # faulthandler prints every thread's stack
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        return 124


def main(argv: list[str]) -> int:
    timeout = None
    if argv[:1] == ["--timeout"] and len(argv) > 1:
        timeout, argv = float(argv[1]) or None, argv[2:]
    if len(argv) < 4 or argv[2] != "--":
        print(__doc__, file=sys.stderr)
        return 2
    stamp, config_file, command = Path(argv[0]), argv[1], argv[3:]
    before = state(config_file)
    try:
        recorded = json.loads(stamp.read_text())
    except (OSError, ValueError):
        recorded = None
    if before is not None and before == recorded:
        print(f"Database is up to date (revision {', '.join(before['revisions'])}, glance {before['code']}: "
              "as the last db_sync left it; glance-manage not run).")
        return 0
    returncode = run_bounded(command, timeout)
    if returncode == 0:
        after = state(config_file)
        if after is not None:
            stamp.parent.mkdir(parents=True, exist_ok=True)
            stamp.write_text(json.dumps(after) + "\n")
    else:
        stamp.unlink(missing_ok=True)
    return returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
