#!/usr/bin/python
# -*- coding: utf-8 -*-
"""Ansible module: make addresses members of this node's GlusterFS trusted pool."""

from __future__ import annotations

import time
import xml.etree.ElementTree as ET

from ansible.module_utils.basic import AnsibleModule

DOCUMENTATION = r"""
module: gluster_peer
short_description: Probe peers into the GlusterFS trusted storage pool
description:
  - Probes each address that is not yet a pool member, then waits until every
    requested peer is connected and in the cluster. Run it on one node.
  - With probe=false it probes nothing and only waits until this node sees as many
    other members connected and in the cluster as the peers requested (counted: a
    member may know the node that probed it by another name): run it on every member after the
    probe, since the other members connect to each other only after it (a volume
    created before that fails to stage, "Host ... not connected").
options:
  peers:
    description: Addresses (or hostnames) that must be in the pool, this node's own may be included.
    type: list
    elements: str
    required: true
  probe:
    description: Probe the peers that are not members yet (false - only wait for them).
    type: bool
    default: true
  timeout:
    description: Seconds to wait for every peer to be connected.
    type: int
    default: 60
author: glance-ha
"""

EXAMPLES = r"""
- name: Form the pool
  gluster_peer:
    peers: [10.0.0.11, 10.0.0.12, 10.0.0.13]
"""

RETURN = r"""
probed:
  description: Peers this run probed.
  type: list
  returned: always
"""

# gluster's peer state 3 is "Peer in Cluster"; anything else is still joining.
PEER_IN_CLUSTER = "3"


def gluster(module, *args):
    rc, out, err = module.run_command(["gluster", "--mode=script", "--xml", *args])
    if rc != 0:
        module.fail_json(msg="gluster %s failed: %s" % (" ".join(args), (err or out).strip()))
    root = ET.fromstring(out)
    if root.findtext("opRet") not in ("0", None):
        module.fail_json(msg="gluster %s failed: %s" % (" ".join(args), root.findtext("opErrstr")))
    return root


def pool(module):
    """Map every name a pool member is known by to (connected, state)."""
    members = {}
    for peer in gluster(module, "pool", "list").iter("peer"):
        status = (peer.findtext("connected") == "1", peer.findtext("state"))
        names = {peer.findtext("hostname")}
        names.update(h.text for h in peer.iter("hostname"))
        for name in names:
            members[name] = status
    return members


def others_in_cluster(module):
    """How many other members this node sees connected and in the cluster. Counted, not
    named: a member knows the node that probed it by whatever name that one connected
    from (its hostname, not the address it was probed by)."""
    count = 0
    for peer in gluster(module, "pool", "list").iter("peer"):
        if peer.findtext("hostname") == "localhost":  # this node itself
            continue
        count += (peer.findtext("connected"), peer.findtext("state")) == ("1", PEER_IN_CLUSTER)
    return count


def local_names(module):
    rc, out, _ = module.run_command(["hostname", "--all-ip-addresses"])
    names = set(out.split()) if rc == 0 else set()
    rc, out, _ = module.run_command(["hostname"])
    if rc == 0:
        names.add(out.strip())
    return names


def main():
    module = AnsibleModule(
        argument_spec=dict(
            peers=dict(type="list", elements="str", required=True),
            probe=dict(type="bool", default=True),
            timeout=dict(type="int", default=60),
        ),
        supports_check_mode=True,
    )
    own = local_names(module)
    wanted = [p for p in module.params["peers"] if p not in own]
    deadline = time.monotonic() + module.params["timeout"]
    if not module.params["probe"]:
        while others_in_cluster(module) < len(wanted):
            if time.monotonic() > deadline:
                module.fail_json(msg="after %ss this node sees %d of its %d peers connected and in the cluster"
                                 % (module.params["timeout"], others_in_cluster(module), len(wanted)), probed=[])
            time.sleep(1)
        module.exit_json(changed=False, probed=[])

    members = pool(module)
    missing = [p for p in wanted if p not in members]
    if module.check_mode or not missing:
        module.exit_json(changed=bool(missing), probed=missing)

    for peer in missing:
        gluster(module, "peer", "probe", peer)

    while True:
        members = pool(module)
        pending = [p for p in wanted if members.get(p) != (True, PEER_IN_CLUSTER)]
        if not pending:
            break
        if time.monotonic() > deadline:
            module.fail_json(msg="peers not in cluster after %ss: %s" % (module.params["timeout"], pending),
                             probed=missing)
        time.sleep(1)
    module.exit_json(changed=True, probed=missing)


if __name__ == "__main__":
    main()
