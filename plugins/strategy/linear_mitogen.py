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
    import ansible.collections.list
    import ansible_mitogen.planner

    # Mitogen's planner lists every installed collection (the `ansible` package bundles about
    # a hundred) before running a collection's module, and keeps the result in the worker
    # process, which Ansible forks for one task and host: the listing ran for every such
    # task and host, 8 s of the deploy host's CPU in a no-change site.yml on 5 nodes. The
    # list is read once per play in the strategy's own process; the workers inherit it.
    _collection_dirs: list[str] = []

    def _load_collections(invocation):
        invocation._extra_sys_paths.update(_collection_dirs)

    ansible_mitogen.planner._load_collections = _load_collections
    # Ansible forks one worker process per task and host, and what a worker loads dies with it:
    # on a no-change site.yml, every worker read and compiled the builtin filter and test
    # plugins' files again, most their connection plugin, many the `normal` action and the
    # template lexer. Loaded once here, in the process the workers are forked from, they are
    # inherited (ansible-core's own note on the lexer: "pre-generate ... before forking").
    # Not the lookups: loading them all here made every worker slower.
    def _preload():
        import contextlib

        from ansible.plugins.loader import action_loader, connection_loader, filter_loader, test_loader
        from ansible.template import Templar

        for loader in (filter_loader, test_loader):
            for _ in loader.all():
                pass
        action_loader.get("ansible.builtin.normal", class_only=True)
        for connection in ("ssh", "docker"):  # a real deploy's, the lab's
            connection_loader.get("mitogen_" + connection, class_only=True)
        Templar().environment.lexer  # noqa: B018
        with contextlib.suppress(ImportError):  # what a module's JSON answer is read with
            import ansible.module_utils._internal._json._profiles._module_legacy_m2c  # noqa: F401

    _Linear = ansible_mitogen.loaders.strategy_loader.get("linear", class_only=True)

    class StrategyModule(ansible_mitogen.strategy.StrategyMixin, _Linear):
        def run(self, iterator, play_context):
            _collection_dirs[:] = [path.decode("utf-8") for path in ansible.collections.list.list_collection_dirs()]
            _preload()
            return super().run(iterator, play_context)

