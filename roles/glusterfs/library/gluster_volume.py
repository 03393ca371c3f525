#!/usr/bin/python
# -*- coding: utf-8 -*-
"""Ansible module: one GlusterFS volume, created, started and with its options set."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from ansible.module_utils.basic import AnsibleModule

DOCUMENTATION = r"""
module: gluster_volume
short_description: Create, start and configure a replicated GlusterFS volume
description:
  - Creates the volume from the given bricks when it does not exist, starts it,
    and sets every given option whose value differs. An existing volume whose
    bricks differ from the requested ones is reported, never reshaped: adding or
    replacing bricks is a day-2 decision for an operator.
  - Run it on one node of the trusted pool. Supports check mode.
options:
  name:
    description: Volume name.
    type: str
    required: true
  bricks:
    description: Bricks as C(address:/path), in replica-set order; the arbiter last.
    type: list
    elements: str
    required: true
  replica:
    description: Replica count (including the arbiter); 1 creates a plain single-brick volume.
    type: int
    required: true
  arbiter:
    description: Number of arbiter bricks per replica set (0 or 1).
    type: int
    default: 0
  force:
    description: Pass C(force) to create, which gluster needs for bricks on the root file system.
    type: bool
    default: false
  options:
    description: Volume options to set (values compared as strings).
    type: dict
    default: {}
author: glance-ha
"""

EXAMPLES = r"""
- name: Replica 3 volume for glance
  gluster_volume:
    name: glance
    replica: 3
    bricks: [10.0.0.11:/srv/gluster/bricks/glance, 10.0.0.12:/srv/gluster/bricks/glance,
             10.0.0.13:/srv/gluster/bricks/glance]
    options:
      auth.allow: 10.0.0.11,10.0.0.12,10.0.0.13
"""

RETURN = r"""
created:
  description: Whether this run created the volume.
  type: bool
  returned: always
started:
  description: Whether this run started the volume.
  type: bool
  returned: always
options_set:
  description: Options this run set, with their new values.
  type: dict
  returned: always
"""


def gluster(module, *args):
    rc, out, err = module.run_command(["gluster", "--mode=script", "--xml", *args])
    root = None
    if out.strip().startswith("<"):
        root = ET.fromstring(out)
    if rc != 0 or root is None or root.findtext("opRet") != "0":
        reason = root.findtext("opErrstr") if root is not None else (err or out).strip()
        module.fail_json(msg="gluster %s failed: %s" % (" ".join(args), reason))
    return root


def volume_info(module, name):
    """The volume's XML element, or None when no such volume exists."""
    root = gluster(module, "volume", "list")
    if name not in [v.text for v in root.iter("volume")]:
        return None
    return gluster(module, "volume", "info", name).find("volInfo/volumes/volume")


def main():
    module = AnsibleModule(
        argument_spec=dict(
            name=dict(type="str", required=True),
            bricks=dict(type="list", elements="str", required=True),
            replica=dict(type="int", required=True),
            arbiter=dict(type="int", default=0, choices=[0, 1]),
            force=dict(type="bool", default=False),
            options=dict(type="dict", default={}),
        ),
        supports_check_mode=True,
    )
    p = module.params
    name, bricks = p["name"], p["bricks"]
    wanted_options = {k: str(v) for k, v in p["options"].items()}
    result = dict(changed=False, created=False, started=False, options_set={})

    vol = volume_info(module, name)
    if vol is None:
        result.update(changed=True, created=True, started=True, options_set=wanted_options)
        if module.check_mode:
            module.exit_json(**result)
        cmd = ["volume", "create", name]
        if p["replica"] > 1:
            cmd += ["replica", str(p["replica"])]
            if p["arbiter"]:
                cmd += ["arbiter", str(p["arbiter"])]
        cmd += bricks
        if p["force"]:
            cmd.append("force")
        gluster(module, *cmd)
        vol = volume_info(module, name)
    else:
        existing = [b.text for b in vol.iter("brick") if b.text]
        # One replica set has no order that matters; several sets do.
        single_set = len(bricks) == p["replica"]
        if (sorted(existing) != sorted(bricks)) if single_set else (existing != bricks):
            module.fail_json(
                msg="volume %s exists with other bricks; reshaping it is not done implicitly "
                    "(add-brick/replace-brick by hand, then re-run)" % name,
                existing_bricks=existing, requested_bricks=bricks)

    # Options first, so that a new volume's bricks start with the owner ids and
    # auth.allow already in place.
    current = {o.findtext("name"): o.findtext("value") for o in vol.iter("option")}
    for key, value in sorted(wanted_options.items()):
        if current.get(key) != value:
            result["changed"] = True
            result["options_set"][key] = value
            if not module.check_mode:
                gluster(module, "volume", "set", name, key, value)

    # statusStr is "Started", "Stopped" or "Created".
    if vol.findtext("statusStr") != "Started":
        result.update(changed=True, started=True)
        if not module.check_mode:
            gluster(module, "volume", "start", name)

    module.exit_json(**result)


if __name__ == "__main__":
    main()
