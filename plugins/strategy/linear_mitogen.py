"""Strategy `linear_mitogen`: Ansible's linear strategy, run through Mitogen when the
ansible_mitogen package is importable (requirements.txt installs it), plain linear otherwise.

Why: every task on a container or host costs a fresh connection, a Python start and the
import of Ansible's module runtime (~0.3 s of CPU per host and task here); Mitogen keeps
one interpreter per host and reuses it. Measured on the lab (docs/benchmarks.md): a
no-change site.yml from 108 s to about a third of that. Same plays, same results; a deploy
host without Mitogen still runs them, only slower.

With or without Mitogen, the templates the workers compile are kept in .cache/jinja (or
$GLANCE_HA_JINJA_CACHE) for the next worker and the next run (_install_jinja_cache).
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

import contextlib
import contextvars
import hashlib
import marshal
import os
import sys
import tempfile

# ansible-core 2.19 compiles every template it renders (a `when`, a task argument, an
# inventory variable, a role's template file) in the worker process forked for one task and
# host, and keeps nothing: a no-change site.yml on the lab compiled ~4500 of them, 7.7 of its
# ~49 CPU-s, nearly all the same every run. The compiled code is kept on disk, named by a
# hash of the template's text and of everything else its compilation reads (the Jinja
# settings, the backslash escaping of Ansible's lexer, the versions); a worker that finds it
# loads it instead. Only what compiled is kept: an error is raised as before.
JINJA_CACHE = os.environ.get("GLANCE_HA_JINJA_CACHE") or os.path.join(
    os.path.dirname(os.path.abspath(__file__)), os.pardir, os.pardir, ".cache", "jinja")
# Jinja's settings that change what a template compiles to (the lexer's and the code generator's).
_JINJA_SETTINGS = ("block_start_string", "block_end_string", "variable_start_string", "variable_end_string",
                   "comment_start_string", "comment_end_string", "line_statement_prefix", "line_comment_prefix",
                   "trim_blocks", "lstrip_blocks", "newline_sequence", "keep_trailing_newline", "optimized",
                   "autoescape", "is_async")


def _install_jinja_cache(directory: str) -> None:
    try:
        import jinja2
        from ansible._internal._templating._jinja_bits import AnsibleEnvironment, _TemplateCompileContext
        from ansible._internal._templating._jinja_common import _TemplateConfig
        from ansible.release import __version__ as ansible_version
    except ImportError:  # another ansible-core: templates compile as it compiles them
        return
    try:
        os.makedirs(directory, mode=0o700, exist_ok=True)
    except OSError:
        return
    compile_, compile_expression_ = AnsibleEnvironment.compile, AnsibleEnvironment.compile_expression
    # compile_expression hands compile() a parsed tree, not the text: the text is noted here.
    expression: contextvars.ContextVar[str | None] = contextvars.ContextVar("expression", default=None)

    def compile_expression(self, source, *args, **kwargs):
        token = expression.set(str(source))
        try:
            return compile_expression_(self, source, *args, **kwargs)
        finally:
            expression.reset(token)

    def compile_kept(self, source, name=None, filename=None, raw=False, defer_init=False):
        if isinstance(source, str):
            text = ("template", str(source))
        elif expression.get() is not None:
            text = ("expression", expression.get())
        else:
            return compile_(self, source, name, filename, raw, defer_init)
        context = _TemplateCompileContext.current(optional=True)
        key = repr((text, name, filename, raw, defer_init, context and context.escape_backslashes,
                    type(self).__qualname__, [getattr(self, setting) for setting in _JINJA_SETTINGS],
                    sorted(self.extensions), getattr(self.finalize, "__qualname__", self.finalize),
                    _TemplateConfig.allow_embedded_templates, ansible_version, jinja2.__version__, sys.version))
        path = os.path.join(directory, hashlib.sha256(key.encode()).hexdigest())
        try:
            with open(path, "rb") as handle:
                return marshal.load(handle)
        except (OSError, EOFError, ValueError, TypeError):
            pass
        code = compile_(self, source, name, filename, raw, defer_init)
        # Written whole under another name, then renamed: a worker reading it meanwhile finds
        # it or not, never half of it.
        try:
            with tempfile.NamedTemporaryFile(dir=directory, prefix=".new-", delete=False) as handle:
                try:
                    marshal.dump(code, handle)
                except ValueError:
                    os.unlink(handle.name)
                    return code
            os.replace(handle.name, path)
        except OSError:
            pass
        return code

    AnsibleEnvironment.compile = compile_kept
    AnsibleEnvironment.compile_expression = compile_expression


_install_jinja_cache(JINJA_CACHE)

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
