"""npusim_build -- the in-tree PEP 517 build backend of the npusim package.

Why: pip builds a project in an isolated environment and first installs the
backend named in pyproject.toml; with setuptools that is a download from PyPI,
which a machine with only Debian's archive cannot do. This backend uses the
standard library alone (pyproject.toml: requires = [], backend-path), so
`pip install ./python` works offline.

What it builds: a wheel holding the package (npusim/*.py) and libnpusim.so,
tagged py3-none-<platform> because the library is native code. The library
comes from NPUSIM_LIBRARY (a path) when set, else from `make
build/libnpusim.so` in the repository that holds this directory. Only wheels
(and metadata) are built: an sdist of the Python part alone could not rebuild
the C library.
"""
import base64
import hashlib
import os
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
PKG_ROOT = os.path.dirname(HERE)            # python/
REPO = os.path.dirname(PKG_ROOT)            # the npusim repository
NAME = "npusim"


def _version():
    path = os.path.join(REPO, "VERSION")
    try:
        with open(path, encoding="ascii") as f:
            return f.read().strip()
    except OSError:
        raise RuntimeError("npusim build: no %s (build from the npusim repository)" % path)


def _tag():
    plat = sysconfig.get_platform().replace("-", "_").replace(".", "_")
    return "py3-none-" + plat


def _library():
    """Path of libnpusim.so: NPUSIM_LIBRARY, or built by make in the repository."""
    given = os.environ.get("NPUSIM_LIBRARY")
    if given:
        if not os.path.isfile(given):
            raise RuntimeError("npusim build: NPUSIM_LIBRARY=%s is not a file" % given)
        return given
    if not os.path.isfile(os.path.join(REPO, "Makefile")) or not os.path.isfile(os.path.join(REPO, "include", "npusim.h")):
        raise RuntimeError("npusim build: %s is not the npusim repository; set NPUSIM_LIBRARY to a built libnpusim.so" % REPO)
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES")}
    cmd = ["make", "-C", REPO, "--no-print-directory", "build/libnpusim.so"]
    sys.stderr.write("npusim build: %s\n" % " ".join(cmd))
    r = subprocess.run(cmd, env=env, stdout=sys.stderr, stderr=sys.stderr)
    if r.returncode != 0:
        raise RuntimeError("npusim build: `%s` failed (exit %d); `sh scripts/deps.sh` installs what it needs"
                           % (" ".join(cmd), r.returncode))
    return os.path.join(REPO, "build", "libnpusim.so")


def _metadata():
    return ("Metadata-Version: 2.1\nName: %s\nVersion: %s\n"
            "Summary: Predict LLM inference on AI chips from their datasheets (binding of libnpusim)\n"
            "Requires-Python: >=3.8\nProvides-Extra: pandas\n" % (NAME, _version()))


def _wheel_text():
    return ("Wheel-Version: 1.0\nGenerator: npusim_build (in-tree)\nRoot-Is-Purelib: false\nTag: %s\n" % _tag())


def _dist_info():
    return "%s-%s.dist-info" % (NAME, _version())


def _record_line(arcname, data):
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode("ascii")
    return "%s,sha256=%s,%d" % (arcname, digest, len(data))


# ---- PEP 517 hooks ----

def get_requires_for_build_wheel(config_settings=None):
    return []


def prepare_metadata_for_build_wheel(metadata_directory, config_settings=None):
    d = os.path.join(metadata_directory, _dist_info())
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "METADATA"), "w", encoding="utf-8") as f:
        f.write(_metadata())
    with open(os.path.join(d, "WHEEL"), "w", encoding="utf-8") as f:
        f.write(_wheel_text())
    return _dist_info()


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    files = []  # (arcname, bytes)
    src = os.path.join(PKG_ROOT, NAME)
    for fn in sorted(os.listdir(src)):
        if fn.endswith(".py"):
            with open(os.path.join(src, fn), "rb") as f:
                files.append(("%s/%s" % (NAME, fn), f.read()))
    with open(_library(), "rb") as f:
        files.append(("%s/libnpusim.so" % NAME, f.read()))
    di = _dist_info()
    files.append(("%s/METADATA" % di, _metadata().encode()))
    files.append(("%s/WHEEL" % di, _wheel_text().encode()))
    files.append(("%s/top_level.txt" % di, (NAME + "\n").encode()))
    record = [_record_line(a, d) for a, d in files] + ["%s/RECORD,," % di]
    files.append(("%s/RECORD" % di, ("\n".join(record) + "\n").encode()))
    wheel = "%s-%s-%s.whl" % (NAME, _version(), _tag())
    os.makedirs(wheel_directory, exist_ok=True)
    tmp = tempfile.NamedTemporaryFile(dir=wheel_directory, suffix=".tmp", delete=False)
    tmp.close()
    with zipfile.ZipFile(tmp.name, "w", zipfile.ZIP_DEFLATED) as z:
        for arcname, data in files:
            info = zipfile.ZipInfo(arcname, date_time=(2020, 1, 1, 0, 0, 0))
            info.external_attr = (0o755 if arcname.endswith(".so") else 0o644) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, data)
    shutil.move(tmp.name, os.path.join(wheel_directory, wheel))
    return wheel
