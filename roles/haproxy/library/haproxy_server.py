#!/usr/bin/python
# -*- coding: utf-8 -*-
"""Ansible module: drain a server on this node's HAProxy, or put it back, through the admin socket."""

from __future__ import annotations

import socket
import time

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.haproxy_stat import haproxy_server_load, haproxy_server_rows, haproxy_server_status

DOCUMENTATION = r"""
module: haproxy_server
short_description: Drain a server on this node's HAProxy, or put it back in service
description:
  - One call per load balancer does what took a task per step (read, set, wait), each an
    execution of its own; the waits poll the admin socket here, twice a second.
  - A load balancer that does not run, or whose backends do not list the server yet (a
    first deployment restarts glance before HAProxy has its configuration), has nothing to
    drain or put back - the result says so (carried false) and nothing changes.
options:
  socket:
    description: The admin socket (stats socket ... level admin).
    type: path
    required: true
  server:
    description: The server's name in the backends.
    type: str
    required: true
  backends:
    description: The backends whose server state is set (the data backends' servers track them).
    type: list
    elements: str
    required: true
  state:
    description:
      - drain - no new request goes to the server (set only, see wait_idle).
      - ready - wait until this load balancer sees the server healthy, then back in service.
    type: str
    choices: [drain, ready]
    required: true
  wait_idle:
    description: With state=drain, only wait (set nothing) until the server holds no request
      on idle_backends.
    type: bool
    default: false
  idle_backends:
    description: The backends whose requests wait_idle waits for (data backends included).
    type: list
    elements: str
    default: []
  weight:
    description: With state=ready, a weight set on weight_backends too (0 - leave them).
    type: int
    default: 0
  weight_backends:
    description: Every backend that lists the server (the data ones track its state, not its weight).
    type: list
    elements: str
    default: []
  timeout:
    description: Seconds to wait (idle, or healthy) before failing.
    type: int
    default: 60
author: glance-ha
"""

EXAMPLES = r"""
- name: Drain glance on every load balancer
  haproxy_server:
    socket: /run/haproxy/admin.sock
    server: ctl-1
    backends: [glance_api]
    state: drain
  delegate_to: "{{ item }}"
  loop: "{{ groups['controllers'] }}"
"""

RETURN = r"""
carried:
  description: Whether this load balancer runs and lists the server (false - nothing was done).
  type: bool
  returned: always
status:
  description: The server's status in the first backend at the end (UP, DRAIN, DOWN, ...).
  type: str
  returned: when carried
"""

POLL = 0.5


def ask(path: str, command: str) -> str:
    """One command on the admin socket; its answer (empty when a setting was taken)."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
        conn.settimeout(10)
        conn.connect(path)
        conn.sendall(command.encode() + b"\n")
        chunks = []
        while chunk := conn.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks).decode()


def carries(stat: str, server: str, backends: list[str]) -> bool:
    """Whether this load balancer lists the server in any of the backends."""
    return bool(haproxy_server_rows(stat, server, backends))


def wait(module, what: str, done) -> str:
    """Poll `show stat` until done(stat); fail after the timeout, saying what was awaited."""
    params = module.params
    deadline = time.monotonic() + params["timeout"]
    while True:
        stat = ask(params["socket"], "show stat")
        if done(stat):
            return stat
        if time.monotonic() > deadline:
            module.fail_json(msg=f"{params['server']}: {what} after {params['timeout']} s", carried=True,
                             status=haproxy_server_status(stat, params["server"], params["backends"][0]))
        time.sleep(POLL)


def main():
    module = AnsibleModule(
        argument_spec=dict(
            socket=dict(type="path", required=True),
            server=dict(type="str", required=True),
            backends=dict(type="list", elements="str", required=True),
            state=dict(type="str", choices=["drain", "ready"], required=True),
            wait_idle=dict(type="bool", default=False),
            idle_backends=dict(type="list", elements="str", default=[]),
            weight=dict(type="int", default=0),
            weight_backends=dict(type="list", elements="str", default=[]),
            timeout=dict(type="int", default=60),
        ),
        supports_check_mode=True,
    )
    params = module.params
    server, backends = params["server"], params["backends"]
    try:
        stat = ask(params["socket"], "show stat")
    except OSError as err:
        module.exit_json(changed=False, carried=False, msg=f"no load balancer answers on {params['socket']}: {err}")
    if not carries(stat, server, backends):
        module.exit_json(changed=False, carried=False, msg=f"{server} is in none of {backends} here")

    if params["state"] == "drain" and params["wait_idle"]:
        # Check mode drains nothing, so there is nothing to wait for.
        if not module.check_mode:
            stat = wait(module, "still holds requests",
                        lambda s: haproxy_server_load(s, server, params["idle_backends"]) == 0)
        module.exit_json(changed=False, carried=True, status=haproxy_server_status(stat, server, backends[0]))

    if params["state"] == "drain":
        commands = [f"set server {backend}/{server} state drain" for backend in backends]
    else:
        if not module.check_mode:
            # A restart may have marked it DOWN meanwhile: back only once its checks pass here.
            wait(module, "not seen healthy",
                 lambda s: all(haproxy_server_status(s, server, b) in ("DRAIN", "UP") for b in backends))
        commands = [f"set server {backend}/{server} state ready" for backend in backends]
        if params["weight"] > 0:
            commands += [f"set weight {backend}/{server} {params['weight']}" for backend in params["weight_backends"]]
    if not module.check_mode:
        for command in commands:
            answer = ask(params["socket"], command).strip()
            if answer:
                module.fail_json(msg=f"HAProxy refused '{command}': {answer}", carried=True)
        stat = ask(params["socket"], "show stat")
    module.exit_json(changed=True, carried=True, commands=commands,
                     status=haproxy_server_status(stat, server, backends[0]))


if __name__ == "__main__":
    main()
