#!/usr/bin/python3
"""Probe glance's image store and fail glance-api's /healthcheck while it is unusable.

glance-api's healthcheck (oslo.middleware, backend disable_by_file) answers 503 while
the flag file exists. This loop creates the flag when the store is not a mount, or
when writing, syncing and reading back a small probe file fails or hangs (FUSE client
gone: ENOTCONN; quorum lost: EROFS; a hung brick), and removes it when the store works
again. It starts unhealthy: glance is in service only after a probe succeeded.

With --galera SOCKET it also asks the local Galera member (as the glance user over the socket,
unix_socket authentication) and sets the flag while the member is not Synced (or donating)
in a Primary component: a node cut off from the others, or donating a state transfer, would answer
clients with errors; the load balancers take it out until it has rejoined.

Installed by the glance role of glance-ha; one instance per controller.
"""

from __future__ import annotations

import argparse
import getpass
import os
import re
import socket
import sys
import threading
import time
import uuid


def probe(store: str, sweep_first: bool = True) -> bool:
    """Raise when the store cannot take and return a write; else whether the probe file
    is gone again (False: a sweep is due). `sweep_first`: remove leftovers before."""
    if not os.path.ismount(store):
        raise RuntimeError(f"{store} is not a mount point")
    directory = os.path.join(store, ".glance-ha")
    os.makedirs(directory, exist_ok=True)
    prefix = f"probe-{socket.gethostname()}"
    if sweep_first:
        sweep(directory, prefix)
    # A name is used once. A name written again (rename over it) while one brick is away
    # gets a different gfid on that brick: AFR does not heal that without a
    # favorite-child policy and every lookup of the name answers EIO, so the probe of
    # a node that had been cut off (or of all three after a power loss) never passed again.
    path = os.path.join(directory, f"{prefix}-{uuid.uuid4().hex}")
    payload = f"{time.time():.3f}\n".encode()
    try:
        with open(path, "xb") as handle:
            handle.write(payload)
            handle.flush()
            os.fsync(handle.fileno())
        with open(path, "rb") as handle:
            if handle.read() != payload:
                raise RuntimeError("probe file read back differs")
    finally:
        try:
            os.unlink(path)
            removed = True
        except OSError:
            removed = False  # the write's verdict stands; the next sweep removes it
    return removed


def sweep(directory: str, prefix: str) -> None:
    """Remove this node's probe files an interrupted probe left (best effort)."""
    # Exactly this node's names (and the fixed name and .tmp of earlier versions), not
    # those of a node whose hostname merely starts with this one's.
    own = re.compile(re.escape(prefix) + r"(-[0-9a-f]{32}|\.tmp)?")
    for name in os.listdir(directory):
        if own.fullmatch(name):
            try:
                os.unlink(os.path.join(directory, name))
            except OSError:
                # Not this probe's verdict: the write below says whether the store works.
                pass


class Prober:
    """Runs probes in a thread so that a hung file system cannot stall the loop."""

    def __init__(self, store: str):
        self.store = store
        self.thread: threading.Thread | None = None
        self.error: str | None = None
        # Leftovers are looked for at start (earlier versions' names, a killed probe's
        # file) and after a probe that could not remove its file: not on every probe.
        self.sweep_due = True

    def _run(self) -> None:
        try:
            self.sweep_due = not probe(self.store, sweep_first=self.sweep_due)
            self.error = None
        except Exception as err:  # every failure means "unusable"; say which
            self.error = f"{type(err).__name__}: {err}"
            self.sweep_due = True  # it may have left its file

    def check(self, timeout: float) -> str | None:
        """None when healthy, else the reason."""
        if self.thread is not None and self.thread.is_alive():
            return "previous probe still hanging"
        self.error = "probe did not finish"
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()
        self.thread.join(timeout)
        if self.thread.is_alive():
            return f"probe hung for more than {timeout:g} s"
        return self.error


GALERA_QUERY = ("SHOW GLOBAL STATUS WHERE Variable_name IN "
                "('wsrep_cluster_status', 'wsrep_local_state_comment')")


# A donor keeps serving: taking it out too, while a rolling restart has its joiner drained,
# left one controller for every client (two out at once, 3 requests over 5 s in the lab).
SERVING = ("Synced", "Donor/Desynced")


class Galera:
    """The local Galera member's state, asked over one connection kept between probes (as
    the glance OS user over the socket, unix_socket authentication). A `mariadb` client
    started for every probe, and mariadbd's login for it, cost each controller 0.03 of a
    core (docs/benchmarks.md). A connection that fails is dropped and the next probe logs in
    again: after the member restarted, the first probe answers "unusable" once."""

    def __init__(self, socket_path: str, timeout: float, connect=None):
        self.socket_path, self.timeout = socket_path, timeout
        self._connect = connect
        self.conn = None

    def _open(self):
        connect = self._connect
        if connect is None:
            import pymysql  # the galera role's package; only this check needs it

            connect = pymysql.connect
        return connect(unix_socket=self.socket_path, user=getpass.getuser(), connect_timeout=1,
                       read_timeout=self.timeout, write_timeout=self.timeout, autocommit=True)

    def close(self) -> None:
        conn, self.conn = self.conn, None
        if conn is not None:
            try:
                conn.close()
            except Exception:  # closing a broken connection: nothing left to do
                pass

    def check(self) -> str | None:
        """None when the member is Synced (or a donor) in a Primary component, else the reason."""
        try:
            if self.conn is None:
                self.conn = self._open()
            with self.conn.cursor() as cursor:
                cursor.execute(GALERA_QUERY)
                status = dict(cursor.fetchall())
        except Exception as err:  # every failure means "unusable"; say which
            self.close()
            return f"database: {type(err).__name__}: {err}"
        if status.get("wsrep_cluster_status") != "Primary" or status.get("wsrep_local_state_comment") not in SERVING:
            return (f"Galera member {status.get('wsrep_local_state_comment', '?')} "
                    f"in a {status.get('wsrep_cluster_status', '?')} component")
        return None


def set_flag(flag: str, reason: str | None) -> None:
    if reason is None:
        try:
            os.unlink(flag)
        except FileNotFoundError:
            pass
        return
    tmp = flag + ".tmp"
    with open(tmp, "w", encoding="utf-8") as handle:
        handle.write(reason + "\n")
    os.replace(tmp, flag)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", required=True, help="glance's filesystem_store_datadir (the mount)")
    parser.add_argument("--flag", required=True, help="file whose presence makes /healthcheck 503")
    parser.add_argument("--interval", type=float, default=2.0, help="seconds between probes")
    parser.add_argument("--timeout", type=float, default=5.0, help="seconds before a probe counts as hung")
    parser.add_argument("--galera", metavar="SOCKET",
                        help="also require the local Galera member (at this socket) Synced and Primary")
    parser.add_argument("--once", action="store_true", help="probe once, print the verdict, exit 0 when healthy")
    args = parser.parse_args(argv)

    prober = Prober(args.store)
    member = Galera(args.galera, timeout=2.0) if args.galera else None

    def verdict() -> str | None:
        return prober.check(args.timeout) or (member.check() if member else None)

    if args.once:
        reason = verdict()
        print(reason or "healthy")
        return 0 if reason is None else 1

    set_flag(args.flag, "starting: no probe yet")
    last: str | None = "starting"
    while True:
        reason = verdict()
        set_flag(args.flag, reason)
        if reason != last:
            print(f"{'healthy' if reason is None else 'UNUSABLE: ' + reason}", flush=True)
            last = reason
        time.sleep(args.interval)


if __name__ == "__main__":
    sys.exit(main())
