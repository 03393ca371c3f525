"""Python 3.11 compatibility layer of glance-ha's legacy (venv) track.

glance 19 (Train) and 20 (Ussuri) and the libraries their upper-constraints pin were
written for Python <= 3.8. A `.pth` file in the venv imports this module at interpreter
start, before any of them, and puts back what 3.10 and 3.11 removed from the standard
library, so none of those packages has to be edited for it:

- `collections.MutableMapping`, `collections.Iterable`, ... (moved to collections.abc in
  3.3, aliases removed in 3.10): dnspython 1.15, oslo.context, glance's registry client.
- `inspect.getargspec` and `inspect.formatargspec` (removed in 3.11): vine, PasteDeploy.
- `fractions.gcd` (removed in 3.9; `math.gcd`): networkx 2.x, which taskflow, and so
  glance's image import flows and `glance.opts` (the configuration check), import.

Installed by the glance role (files/glance_ha_py311_compat.py) when glance_install_method
is venv; only this venv loads it.
"""

from __future__ import annotations

import collections
import collections.abc
import fractions
import inspect
import math

for _name in collections.abc.__all__:
    if not hasattr(collections, _name):
        setattr(collections, _name, getattr(collections.abc, _name))

if not hasattr(fractions, "gcd"):
    fractions.gcd = math.gcd

if not hasattr(inspect, "ArgSpec"):
    inspect.ArgSpec = collections.namedtuple("ArgSpec", "args varargs keywords defaults")

if not hasattr(inspect, "getargspec"):
    def getargspec(func):
        """The pre-3.11 function: getfullargspec without keyword-only arguments."""
        spec = inspect.getfullargspec(func)
        if spec.kwonlyargs or spec.annotations:
            raise ValueError("Function has keyword-only parameters or annotations, "
                             "use inspect.signature() API which can support them")
        return inspect.ArgSpec(spec.args, spec.varargs, spec.varkw, spec.defaults)

    inspect.getargspec = getargspec

if not hasattr(inspect, "formatargspec"):
    def formatargspec(args, varargs=None, varkw=None, defaults=None, kwonlyargs=(),
                      kwonlydefaults=None, annotations=None, formatarg=str,
                      formatvarargs=lambda name: "*" + name,
                      formatvarkw=lambda name: "**" + name,
                      formatvalue=lambda value: "=" + repr(value),
                      formatreturns=lambda text: " -> " + text,
                      formatannotation=inspect.formatannotation):
        """The pre-3.11 function: '(a, b=1, *args, c, **kw)' from getfullargspec's parts."""
        annotations = annotations or {}
        kwonlydefaults = kwonlydefaults or {}

        def one(arg):
            text = formatarg(arg)
            if arg in annotations:
                text += ": " + formatannotation(annotations[arg])
            return text

        specs = []
        first_default = len(args) - len(defaults) if defaults else len(args)
        for index, arg in enumerate(args):
            spec = one(arg)
            if index >= first_default:
                spec += formatvalue(defaults[index - first_default])
            specs.append(spec)
        if varargs is not None:
            specs.append(formatvarargs(one(varargs)))
        elif kwonlyargs:
            specs.append("*")
        for arg in kwonlyargs or ():
            spec = one(arg)
            if arg in kwonlydefaults:
                spec += formatvalue(kwonlydefaults[arg])
            specs.append(spec)
        if varkw is not None:
            specs.append(formatvarkw(one(varkw)))
        result = "(" + ", ".join(specs) + ")"
        if "return" in annotations:
            result += formatreturns(formatannotation(annotations["return"]))
        return result

    inspect.formatargspec = formatargspec
