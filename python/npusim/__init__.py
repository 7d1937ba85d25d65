"""npusim -- predict what an AI chip delivers for LLM inference (latency,
throughput, memory, power, cost) from its datasheet.

A binding of libnpusim's C API (through ctypes; the library ships in the
package). Every call takes the command line's options as keyword arguments
(`npusim help run`; '_' for '-') and returns the dict `npusim run --json`
prints, number for number:

    >>> import npusim
    >>> r = npusim.run(model="llama3-8b", hw="h100-sxm", phase="decode", batch=16, ctx=2048)
    >>> r["latency_ms"], r["tokens_per_s"]

Descriptions are names (presets, `npusim list hw`), file paths, dicts
(inline JSON descriptions) or handles, which load once and edit by path:

    >>> h = npusim.hw("h100-sxm").set("memory.stacks", 6).set("memory.capacity_gb", 96)
    >>> npusim.run(model="llama3-8b", hw=h, phase="decode", batch=16, ctx=2048)

format="table" or "csv" returns the command line's text instead of a dict.
Errors raise npusim.Error with the library's one-line message.
"""
import json as _json
import math as _math

from . import _capi

__all__ = ["Error", "Hw", "Model", "Engine", "hw", "model", "engine", "run", "serve", "plan", "cost", "sweep",
           "op", "call", "version", "API_VERSION"]

API_VERSION = _capi.lib.npusim_api_version()


def version():
    """The library's version, as `npusim --version` prints it ("0.6.0 (git ...)")."""
    return _capi.lib.npusim_version().decode()


__version__ = version().split()[0]


class Error(Exception):
    """A call failed. str(e) is the library's message; e.code the npusim_status
    (1 bad input, 2 a requested check failed, 3 not in this build, 4 out of
    memory, 5 API misuse); e.result the result text when the call still
    produced one (a failed check)."""

    def __init__(self, message, code=_capi.ERR_INPUT, result=None):
        super().__init__(message)
        self.code = code
        self.result = result


def _raise(status, result=None):
    raise Error(_capi.lib.npusim_errmsg(_capi.ctx()).decode("utf-8", "replace"), status, result)


def _c(text, what):
    """text as the C string the library reads; a NUL inside would cut it short
    there (and "llama3-8b\\0x" would run as llama3-8b), so it is an error here."""
    if "\0" in text:
        raise Error("%s: a NUL character in %r" % (what, text[:60]))
    return text.encode()


def _check_value(v, where, path=""):
    """Every number of a request finite (JSON has no NaN or Infinity: the library
    would only see malformed JSON), every string without NUL. where: what it is
    ("request"); path: the field inside it ("model.layers")."""
    name = "%s: field '%s'" % (where, path) if path else where
    if isinstance(v, float) and not _math.isfinite(v):
        raise Error("%s: %r is not a finite number" % (name, v))
    if isinstance(v, str):
        _c(v, name)
    elif isinstance(v, dict):
        for k, x in v.items():
            _check_value(x, where, "%s.%s" % (path, k) if path else str(k))
    elif isinstance(v, (list, tuple)):
        for i, x in enumerate(v):
            _check_value(x, where, "%s[%d]" % (path, i))


def _dumps(obj, what):
    """The JSON text of a request, spec or description, checked as above."""
    _check_value(obj, what)
    return _json.dumps(obj)


# ---- handles ----

def _value_text(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return repr(v)
    if isinstance(v, (dict, list)):
        return _json.dumps(v)
    return str(v)


class _Handle:
    _kind = None  # "hw", "model", "engine"

    def __init__(self, spec):
        """spec: a preset name, a file path, a dict (a JSON description) or
        JSON text; or another handle of the same kind (a copy)."""
        self._p = None
        out = _capi.ctypes.c_void_p()
        if isinstance(spec, type(self)):
            st = self._fn("copy")(_capi.ctx(), spec._p, _capi.ctypes.byref(out))
        else:
            if isinstance(spec, dict):
                spec = _dumps(spec, self._kind)
            if not isinstance(spec, str):
                raise TypeError("npusim.%s: a name, a path, a dict or JSON text, not %s" % (self._kind, type(spec).__name__))
            st = self._fn("load")(_capi.ctx(), _c(spec, self._kind), _capi.ctypes.byref(out))
        if st:
            _raise(st)
        self._p = out.value

    @classmethod
    def _fn(cls, verb):
        return getattr(_capi.lib, "npusim_%s_%s" % (cls._kind, verb))

    def set(self, path, value):
        """Edit one field by its path in the description's schema
        ("memory.stacks", "sram[1].mb"); validated as a file is; returns self."""
        _check_value(value, "set %s" % path)
        st = self._fn("set")(_capi.ctx(), self._p, _c(str(path), "set: path"),
                             _c(_value_text(value), "set %s" % path))
        if st:
            _raise(st)
        return self

    def copy(self):
        """An independent copy."""
        return type(self)(self)

    def to_json(self):
        """The description as JSON text (`npusim show hw` prints the same)."""
        out = _capi.ctypes.c_void_p()
        st = self._fn("json")(_capi.ctx(), self._p, _capi.ctypes.byref(out))
        if st:
            _raise(st)
        return _capi.take_string(out)

    def to_dict(self):
        return _json.loads(self.to_json())

    @property
    def name(self):
        return self._fn("name")(self._p).decode()

    def __repr__(self):
        return "npusim.%s(%r)" % (self._kind, self.name)

    def __del__(self):
        p, self._p = getattr(self, "_p", None), None
        if p:
            try:
                self._fn("free")(p)
            except Exception:  # interpreter shutdown: the module may be gone already
                pass


class Hw(_Handle):
    """A chip (docs/schema.md)."""
    _kind = "hw"


class Model(_Handle):
    """A model: a preset, an npusim JSON description or a HuggingFace config.json."""
    _kind = "model"


class Engine(_Handle):
    """A serving engine's profile: a preset or alias ("trtllm", "vllm-0.6", "ideal";
    `npusim list engines`), a profile file, or a dict in the profile's form
    (e.g. {"name": "mine", "base": "trtllm-0.13", "host": {"step_us": 2000}})."""
    _kind = "engine"


def hw(spec):
    """A chip handle: npusim.hw("h100-sxm").set("memory.stacks", 6)."""
    return Hw(spec)


def model(spec):
    """A model handle: npusim.model("llama3-8b") or npusim.model("path/to/config.json")."""
    return Model(spec)


def engine(spec):
    """An engine handle: npusim.engine("mlperf")."""
    return Engine(spec)


# ---- calls ----

_HANDLE_ARGS = {"model": Model, "hw": Hw, "engine": Engine}


def _request(opts, handles):
    """The JSON request of keyword options; handles (of the call's kinds) are
    taken out into `handles`, other handles are inlined as JSON objects."""
    req = {}
    for k, v in opts.items():
        if v is None:
            continue
        if k in handles and isinstance(v, _HANDLE_ARGS[k]):
            handles[k] = v
            continue
        if isinstance(v, (Hw, Model)):  # e.g. prefill_hw=npusim.hw(...)
            v = v.to_dict()
        elif isinstance(v, Engine):
            raise TypeError("npusim: %s= takes an engine name here; pass engine= for an Engine handle" % k)
        elif isinstance(v, tuple):
            v = list(v)
        req[k] = v
    return req


def _finish(st, out, fmt):
    text = _capi.take_string(out)
    if st not in (_capi.OK, _capi.ERR_CHECK):
        _raise(st)
    if st == _capi.ERR_CHECK:
        _raise(st, text)
    if fmt in ("table", "csv"):
        return text
    return _json.loads(text)


def _invoke(fn, kinds, opts):
    handles = {k: None for k in kinds}
    req = _request(opts, handles)
    out = _capi.ctypes.c_void_p()
    args = [_capi.ctx()] + [handles[k]._p if handles[k] is not None else None for k in kinds]
    st = fn(*args, _c(_dumps(req, "request"), "request"), _capi.ctypes.byref(out))
    return _finish(st, out, req.get("format"))


def run(model=None, hw=None, phase=None, **opts):
    """Time a prefill, a decode step, a batch end to end or the offline steady
    state (`npusim run`): the dict of `npusim run --json`."""
    return _invoke(_capi.lib.npusim_run, ("model", "hw", "engine"), dict(opts, model=model, hw=hw, phase=phase))


def serve(model=None, hw=None, **opts):
    """Simulate serving a request stream (`npusim serve`)."""
    return _invoke(_capi.lib.npusim_serve, ("model", "hw", "engine"), dict(opts, model=model, hw=hw))


def plan(model=None, hw=None, **opts):
    """Rank the parallel plans of a model on N chips (`npusim plan`)."""
    return _invoke(_capi.lib.npusim_plan, ("model", "hw"), dict(opts, model=model, hw=hw))


def cost(hw=None, **opts):
    """Die area, yield and unit cost of a chip (`npusim cost`)."""
    return _invoke(_capi.lib.npusim_cost, ("hw",), dict(opts, hw=hw))


def op(kind, **opts):
    """One kernel or collective (`npusim op KIND`): gemm, attention, copy,
    allreduce, allgather, reducescatter, alltoall."""
    return call("op " + kind, **opts)


def call(command, **opts):
    """Any command by name ("validate", "list", "show", ...); positional
    arguments as args=[...]."""
    req = _request(opts, {})
    out = _capi.ctypes.c_void_p()
    st = _capi.lib.npusim_call(_capi.ctx(), _c(command, "command"), _c(_dumps(req, command), command),
                               _capi.ctypes.byref(out))
    return _finish(st, out, req.get("format") or ("table" if command == "list" else None))


def _frame(result):
    """A sweep result {"columns", "rows"} as a pandas DataFrame, or a list of
    dicts without pandas."""
    cols, rows = result["columns"], result["rows"]
    try:
        import pandas
    except ImportError:
        return [dict(zip(cols, r)) for r in rows]
    return pandas.DataFrame(rows, columns=cols)


def sweep(spec):
    """A design-space sweep (`npusim sweep SPEC.json`, docs/sweep.md): spec is
    a dict, JSON text or a path to a spec file. One row per design point and
    workload: a pandas DataFrame when pandas is importable, else a list of
    dicts."""
    if isinstance(spec, dict):
        text = _dumps(spec, "sweep spec")
    elif isinstance(spec, str) and not spec.lstrip().startswith("{"):
        try:  # as the command line says it: the file, then why
            with open(spec, encoding="utf-8") as f:
                text = f.read()
        except (OSError, UnicodeDecodeError) as e:
            why = "is a directory, not a file" if isinstance(e, IsADirectoryError) else \
                "cannot open: " + e.strerror if isinstance(e, OSError) and e.strerror else "cannot read: " + str(e)
            raise Error("%s: %s" % (spec, why)) from None
    elif isinstance(spec, str):
        text = spec
    else:
        raise TypeError("npusim.sweep: a dict, JSON text or a path, not %s" % type(spec).__name__)
    out = _capi.ctypes.c_void_p()
    st = _capi.lib.npusim_sweep(_capi.ctx(), _c(text, "sweep spec"), _capi.ctypes.byref(out))
    return _frame(_finish(st, out, None))
