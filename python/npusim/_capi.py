"""ctypes declarations of libnpusim's C API (include/npusim.h).

The library is the libnpusim.so next to this file (the wheel carries it), or
NPUSIM_LIBRARY when set. A context per thread holds the error of the calls
that thread makes; the C calls run without the GIL (ctypes releases it), so
threads compute in parallel.
"""
import ctypes
import os
import threading

API_MAJOR = 1  # NPUSIM_API_VERSION_MAJOR this binding is written for

_path = os.environ.get("NPUSIM_LIBRARY") or os.path.join(os.path.dirname(os.path.abspath(__file__)), "libnpusim.so")
lib = ctypes.CDLL(_path)

_p = ctypes.c_void_p
_s = ctypes.c_char_p
_pp = ctypes.POINTER(ctypes.c_void_p)
_i = ctypes.c_int

PROGRESS = ctypes.CFUNCTYPE(None, _p, _s, ctypes.c_double)


def _decl(name, restype, *argtypes):
    f = getattr(lib, name)
    f.restype, f.argtypes = restype, list(argtypes)


_decl("npusim_version", _s)
_decl("npusim_api_version", _i)
_decl("npusim_ctx_new", _p)
_decl("npusim_ctx_free", None, _p)
_decl("npusim_errcode", _i, _p)
_decl("npusim_errmsg", _s, _p)
_decl("npusim_ctx_set_progress", None, _p, PROGRESS, _p)
for _k in ("hw", "model", "engine"):
    _decl("npusim_%s_load" % _k, _i, _p, _s, _pp)
    _decl("npusim_%s_set" % _k, _i, _p, _p, _s, _s)
    _decl("npusim_%s_copy" % _k, _i, _p, _p, _pp)
    _decl("npusim_%s_json" % _k, _i, _p, _p, _pp)
    _decl("npusim_%s_name" % _k, _s, _p)
    _decl("npusim_%s_free" % _k, None, _p)
_decl("npusim_run", _i, _p, _p, _p, _p, _s, _pp)
_decl("npusim_serve", _i, _p, _p, _p, _p, _s, _pp)
_decl("npusim_plan", _i, _p, _p, _p, _s, _pp)
_decl("npusim_cost", _i, _p, _p, _s, _pp)
_decl("npusim_sweep", _i, _p, _s, _pp)
_decl("npusim_call", _i, _p, _s, _s, _pp)
_decl("npusim_free", None, _p)

if lib.npusim_api_version() // 1000 != API_MAJOR:
    raise ImportError("npusim: %s has API version %d, this binding needs %d.x"
                      % (_path, lib.npusim_api_version(), API_MAJOR))

OK, ERR_INPUT, ERR_CHECK, ERR_UNAVAILABLE, ERR_MEMORY, ERR_USAGE = range(6)


class _Ctx:
    """One npusim_ctx, freed with the thread's local storage."""

    def __init__(self):
        self.p = lib.npusim_ctx_new()
        if not self.p:
            raise MemoryError("npusim: out of memory")

    def __del__(self):
        p, self.p = self.p, None
        if p:
            try:
                lib.npusim_ctx_free(p)
            except Exception:  # interpreter shutdown
                pass


_local = threading.local()


def ctx():
    c = getattr(_local, "ctx", None)
    if c is None:
        c = _local.ctx = _Ctx()
    return c.p


def take_string(ptr):
    """The text of a char* the library returned, which is then freed."""
    if not ptr.value:
        return None
    try:
        return ctypes.string_at(ptr.value).decode("utf-8")
    finally:
        lib.npusim_free(ptr)
