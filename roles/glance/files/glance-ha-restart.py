#!/usr/bin/python3
"""Restart one systemd unit and wait until its health URL answers 200.

    glance-ha-restart UNIT URL [TIMEOUT] [--warm-up GLANCE_API_CONF]

The glance role's handlers run it one node at a time (throttle 1), so the next node's
service is restarted only once this one serves again: never two nodes down at once. (Two
handlers, restart then wait, would restart every node before waiting for any.) Exit
status 0 when healthy, 1 when the URL did not answer 200 within TIMEOUT seconds (120).

With --warm-up, once healthy, glance-api's workers each serve a first image listing with
the service user's token (from the config's [keystone_authtoken]) before the load
balancers send them clients: a fresh worker's first request fetches its own token, loads
the policies and opens its database connection, and took over 5 s on a busy node. A
warm-up that fails is reported and ends nothing: the healthcheck decides.

Installed by the glance role of glance-ha.
"""

from __future__ import annotations

import argparse
import configparser
import json
import subprocess
import sys
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor


def healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except (OSError, urllib.error.URLError):
        return False


def service_token(auth: configparser.SectionProxy, timeout: float) -> str:
    """A token of the service user glance-api authenticates with."""
    body = {"auth": {
        "identity": {"methods": ["password"], "password": {"user": {
            # The role writes its values literal for oslo.config: `$$` is one `$`
            # (filter glance_oslo_literal).
            "name": auth["username"], "password": auth["password"].replace("$$", "$"),
            "domain": {"name": auth.get("user_domain_name", "Default")}}}},
        "scope": {"project": {"name": auth["project_name"],
                              "domain": {"name": auth.get("project_domain_name", "Default")}}}}}
    request = urllib.request.Request(f"{auth['auth_url'].rstrip('/')}/auth/tokens", data=json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json"}, method="POST")
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return response.headers["X-Subject-Token"]


def warm_up(config_file: str, health_url: str, timeout: float = 30.0) -> str:
    """Send every worker of the glance-api behind `health_url` a first authenticated
    request (twice as many concurrent listings as workers); returns what happened."""
    config = configparser.ConfigParser(interpolation=None, strict=False)
    if not config.read(config_file) or not config.has_section("keystone_authtoken"):
        return f"no warm-up: no [keystone_authtoken] in {config_file}"
    try:
        token = service_token(config["keystone_authtoken"], timeout)
    except (OSError, urllib.error.URLError, KeyError) as err:
        return f"no warm-up: no token ({err})"
    base = health_url.rsplit("/healthcheck", 1)[0]
    workers = config.getint("DEFAULT", "workers", fallback=1)

    def listing(_):
        request = urllib.request.Request(f"{base}/v2/images?limit=1", headers={"X-Auth-Token": token})
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return response.status
        except urllib.error.HTTPError as err:
            return err.code
        except (OSError, urllib.error.URLError):
            return None

    with ThreadPoolExecutor(max_workers=2 * workers) as pool:
        statuses = list(pool.map(listing, range(2 * workers)))
    return f"warmed up: {len(statuses)} listings answered {statuses}"


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("unit")
    parser.add_argument("url", help="health URL that answers 200 when the service serves")
    parser.add_argument("timeout", nargs="?", type=float, default=120.0)
    parser.add_argument("--warm-up", metavar="GLANCE_API_CONF", help="warm glance-api's workers up")
    args = parser.parse_args(argv)
    # Unit files or drop-ins may have changed with the configuration.
    subprocess.run(["systemctl", "daemon-reload"], check=True)
    subprocess.run(["systemctl", "restart", args.unit], check=True)
    deadline = time.monotonic() + args.timeout
    while not healthy(args.url):
        if time.monotonic() > deadline:
            print(f"{args.unit} restarted, but {args.url} did not answer 200 within {args.timeout:.0f} s")
            return 1
        time.sleep(0.5)
    print(f"{args.unit} restarted and healthy")
    if args.warm_up:
        print(warm_up(args.warm_up, args.url))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
