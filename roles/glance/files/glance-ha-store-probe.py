#!/usr/bin/python3
"""Write, read back and delete a probe object in one glance store backend.

Runs glance's own store driver (glance_store) with a glance-api.conf, so the probe
takes exactly the path and the credentials glance-api would: a store that passes
can take uploads from this node. Used by playbooks/reconfigure-store.yml before any
node is changed, on every controller, against the candidate configuration.

Prints one JSON line: {"backend", "ok", "location" (scheme only), "error"}.
Exit status 0 when the round trip worked, 1 when it did not, 2 on bad usage.

Installed by the glance role of glance-ha.
"""

from __future__ import annotations

import argparse
import functools
import hashlib
import io
import json
import os
import re
import socket
import sys
import time
import uuid

# Credentials embedded in a location URL (s3://KEY:SECRET@host/...) never reach the output.
_CREDENTIALS = re.compile(r"(//)[^/@]*@")


def redact(text: str) -> str:
    return _CREDENTIALS.sub(r"\1***@", text)


def payload() -> bytes:
    stamp = f"glance-ha store probe from {socket.gethostname()} at {time.time():.3f}\n"
    return stamp.encode() * 64


# swiftclient retries a failed request 5 times, waiting 1, 2, 4, 8 and 16 s: a probe of an
# endpoint nobody answers took 31 s on each node. One retry still rides out a dropped
# connection; the operator learns of a dead endpoint in about a second.
SWIFT_RETRIES = 1


def _fewer_swift_retries() -> None:
    try:
        import swiftclient
    except ImportError:  # no swift driver on this node: no swift backend to probe
        return
    swiftclient.Connection = functools.partial(swiftclient.Connection, retries=SWIFT_RETRIES)


def round_trip(config_file: str, backend: str) -> str:
    """Add, read back and delete a probe object; return the location's scheme."""
    from glance_ha_store import open_backend

    _fewer_swift_retries()

    store, locate = open_backend(config_file, backend)
    data = payload()
    image_id = str(uuid.uuid4())
    result = store.add(image_id, io.BytesIO(data), len(data), hashing_algo="sha256")
    url = result[0]
    try:
        chunks, size = store.get(locate(url))
        read = b"".join(chunks)
        if read != data or hashlib.sha256(read).digest() != hashlib.sha256(data).digest():
            raise RuntimeError(f"probe object read back differs ({len(read)} of {size} bytes)")
    finally:
        store.delete(locate(url))
    return url.split(":", 1)[0]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config-file", required=True, help="glance-api.conf to read")
    parser.add_argument("--backend", required=True, help="backend id, e.g. swift")
    args = parser.parse_args(argv)
    if not os.access(args.config_file, os.R_OK):
        print(json.dumps({"backend": args.backend, "ok": False,
                          "error": f"cannot read {args.config_file}"}))
        return 2

    try:
        scheme = round_trip(args.config_file, args.backend)
    except Exception as exc:  # any driver error is the answer, not a crash
        print(json.dumps({"backend": args.backend, "ok": False,
                          "error": redact(f"{type(exc).__name__}: {exc}")}))
        return 1
    print(json.dumps({"backend": args.backend, "ok": True, "location": scheme, "error": None}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
