"""Which rule engine runs: durable-rules where it can be imported, else the columnar evaluator.

Kept apart from ``evaluation.py`` so that ``ke-rules rules list`` and the CLI can say which
engine will run without loading numpy, pandas or the engine itself. durable-rules is an
optional dependency (``pip install "ke-rules[durable]"``): it has no wheels and needs a
C compiler, so where it is missing the columnar engine runs (docs/engine.md).
"""

from __future__ import annotations

import os
import sys
from typing import Any

from ke_rules.errors import EngineError

__all__ = ["ENGINES", "ENGINE_NAMES", "durable_available", "resolve_engine"]

ENGINES = ("auto", "durable", "columnar")
# what the report's tool.engine says ran (report-contract.md, "Which engine ran")
ENGINE_NAMES = {"durable": "durable-rules", "columnar": "columnar"}

_durable_modules: tuple[Any, Any] | None = None
_durable_error: str | None = None


def _load_durable() -> tuple[Any, Any]:
    """durable-rules' C engine and Python layer, imported once; ImportError says how to install it."""
    global _durable_modules, _durable_error
    if _durable_modules is not None:
        return _durable_modules
    if _durable_error is None:
        try:
            durable_rules_engine = _import_c_engine()
            from durable import engine as durable_engine

            _durable_modules = (durable_rules_engine, durable_engine)
            return _durable_modules
        except ImportError as exc:
            _durable_error = str(exc)
    raise ImportError(
        f"durable-rules cannot be imported ({_durable_error}); install it with "
        "`pip install \"ke-rules[durable]\"` (needs a C compiler), or use --engine columnar")


def _import_c_engine() -> Any:
    """durable-rules' C extension; on Python 3.13 and later with lazy symbol binding.

    Python 3.13 removed ``PyEval_CallObject``, which the extension references only in its
    store/queue/idle-state callback trampolines; they run only after a ``set_*_callback``
    call, which ke-rules never makes (``_host`` refuses them). Bound lazily, the symbol
    is never looked up and every other function works (docs/engine.md, trap 8); where
    lazy binding is unavailable or overridden (``LD_BIND_NOW``), the import fails
    cleanly and ``auto`` takes the columnar engine.
    """
    if sys.version_info < (3, 13) or not hasattr(sys, "setdlopenflags"):
        import durable_rules_engine

        return durable_rules_engine
    flags = sys.getdlopenflags()
    sys.setdlopenflags((flags & ~os.RTLD_NOW) | os.RTLD_LAZY)
    try:
        import durable_rules_engine
    finally:
        sys.setdlopenflags(flags)
    return durable_rules_engine


def durable_available() -> bool:
    """Whether durable-rules can be imported here."""
    try:
        _load_durable()
    except ImportError:
        return False
    return True


def resolve_engine(engine: str = "auto") -> str:
    """``durable`` or ``columnar`` for a requested engine; ``durable`` where it cannot run is an EngineError."""
    if engine not in ENGINES:
        raise EngineError(f"unknown engine '{engine}'; choose one of {', '.join(ENGINES)}")
    if engine == "auto":
        return "durable" if durable_available() else "columnar"
    if engine == "durable":
        try:
            _load_durable()
        except ImportError as exc:
            raise EngineError(str(exc)) from None
    return engine
