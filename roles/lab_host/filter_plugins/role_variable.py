"""Read a package list from another role's defaults or vars, for the prebuilt lab images:
the role stays the one place its packages are named."""

from __future__ import annotations

from pathlib import Path

import yaml
from ansible.errors import AnsibleFilterError


def lab_host_role_variable(reference: str, roles_dir: str) -> list[str]:
    """`"role.variable"` -> that variable's value in roles_dir/role/defaults/main.yml, or
    else in roles_dir/role/vars/main.yml; `"role/file.variable"` -> in roles_dir/role/vars/file.yml
    (a vars file the role loads itself, e.g. per install method). It must be a plain list of
    strings (no template): the image is built before any host's variables exist."""
    role, _, name = reference.partition(".")
    role, _, vars_file = role.partition("/")
    places = [("vars", vars_file)] if vars_file else [("defaults", "main"), ("vars", "main")]
    for part, stem in places:
        path = Path(roles_dir, role, part, f"{stem}.yml")
        if path.exists():
            data = yaml.safe_load(path.read_text()) or {}
            if name in data:
                value = data[name]
                if not (isinstance(value, list) and all(isinstance(v, str) and "{" not in v for v in value)):
                    raise AnsibleFilterError(f"{reference} is not a plain list of package names: {value!r}")
                return value
    raise AnsibleFilterError(f"{reference}: no variable {name} in the defaults or vars of role {role}")


class FilterModule:
    def filters(self):
        return {"lab_host_role_variable": lab_host_role_variable}
