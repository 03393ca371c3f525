"""Strategy `linear_mitogen`: Ansible's linear strategy, run through Mitogen when the
ansible_mitogen package is importable (requirements.txt installs it), plain linear otherwise.

Why: every task on a container or host costs a fresh connection, a Python start and the
import of Ansible's module runtime (~0.3 s of CPU per host and task here); Mitogen keeps
one interpreter per host and reuses it. Measured on the lab (docs/benchmarks.md): a
no-change site.yml from 108 s to about a third of that. Same plays, same results; a deploy
host without Mitogen still runs them, only slower.
"""

from __future__ import annotations

DOCUMENTATION = """
name: linear_mitogen
short_description: linear, executed through Mitogen when it is installed
description:
  - Ansible's linear strategy. With the ansible_mitogen package importable, tasks on
    ssh and docker connections go through Mitogen's persistent interpreters; the deploy
    host's own (local) tasks run as Ansible runs them.
author: glance-ha
"""

try:
    import ansible_mitogen.loaders
    import ansible_mitogen.strategy
except ImportError:  # no Mitogen on this deploy host: the stock linear strategy
    from ansible.plugins.strategy.linear import StrategyModule  # noqa: F401
else:
    # Tasks on the deploy host itself stay Ansible's: there Mitogen's runner cannot run an
    # async module job (molecule's docker_container jobs never finish) nor a module that
    # re-executes itself under another Python (apt). They are few; the nodes' are many.
    ansible_mitogen.strategy.REDIRECTED_CONNECTION_PLUGINS = tuple(
        name for name in ansible_mitogen.strategy.REDIRECTED_CONNECTION_PLUGINS if name != "local")
    _Linear = ansible_mitogen.loaders.strategy_loader.get("linear", class_only=True)

    class StrategyModule(ansible_mitogen.strategy.StrategyMixin, _Linear):
        pass
