"""Tests of the npusim Python package (run by `make python-test` against the
package pip installed into build/venv).

The reference is the command line: the same options through `npusim CMD
--json` and through the package must give the same numbers to the last digit
(the parsed JSON compares equal, float for float) and the same tables byte for
byte; the same bad input must give the same message. NPUSIM_CLI names the
binary (the Makefile sets it; default: build/npusim of this repository).
"""
import gc
import json
import os
import subprocess
import threading

import pytest

import npusim

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CLI = os.environ.get("NPUSIM_CLI") or os.path.join(ROOT, "build", "npusim")


def cli(*args, rc=0):
    """stdout of `npusim ARGS`, which must exit with rc (stderr with rc 2)."""
    assert os.access(CLI, os.X_OK), "no npusim binary at %s (make; or set NPUSIM_CLI)" % CLI
    p = subprocess.run([CLI] + [str(a) for a in args], capture_output=True, text=True)
    assert p.returncode == rc, "npusim %s: exit %d, stderr %s" % (" ".join(map(str, args)), p.returncode, p.stderr)
    return p.stderr if rc == 2 else p.stdout


def cli_json(*args):
    return json.loads(cli(*args, "--json"))


def argv(opts):
    """Command-line words of keyword options (True = a flag)."""
    words = []
    for k, v in opts.items():
        words.append("--" + k.replace("_", "-"))
        if v is not True:
            words.append(str(v))
    return words


# (python function, CLI command, options): runs over several chips, models, phases and plans
CASES = [
    (npusim.run, ["run"], dict(model="llama3-8b", hw="h100-sxm", phase="decode", batch=16, ctx=2048)),
    (npusim.run, ["run"], dict(model="llama3-8b", hw="h100-sxm", phase="prefill", batch=4, seq=2048)),
    (npusim.run, ["run"], dict(model="mistral-7b", hw="h200-sxm", phase="e2e", batch=64, input=1024, output=256,
                               dtype="fp8")),
    (npusim.run, ["run"], dict(model="llama3-70b", hw="h100-sxm", phase="e2e", batch=64, input=1024, output=256,
                               dtype="fp8", tp=4, pp=2)),
    (npusim.run, ["run"], dict(model="deepseek-v3", hw="h200-sxm", phase="decode", batch=256, ctx=4096, dtype="fp8",
                               ep=8)),
    (npusim.run, ["run"], dict(model="llama3.1-70b", hw="h100-sxm", phase="offline", input=1000, output=1000,
                               dtype="fp8", tp=8, engine="mlperf")),
    (npusim.run, ["run"], dict(model="mixtral-8x7b", hw="mi300x", phase="decode", batch=32, ctx=4096, moe_skew=1.2)),
    (npusim.run, ["run"], dict(model="llama2-7b", hw="gaudi3", phase="decode", batch=8, ctx=1024, dtype="fp16",
                               kv_dtype="fp8")),
    (npusim.run, ["run"], dict(model="llama3-8b", hw="rngd", phase="decode", batch=8, ctx=1024, dtype="int8")),
    (npusim.run, ["run"], dict(model="llama3-8b", hw="tpu-v6e", phase="decode", batch=16, ctx=2048)),
    (npusim.run, ["run"], dict(model="llama3-8b", hw="h100-sxm", phase="decode", batch=64, ctx=2048, tco=True,
                               usd_per_kwh=0.12, chip_price=25000)),
    (npusim.serve, ["serve"], dict(model="llama3-8b", hw="h100-sxm", rate=20, input="lognormal:512,256,4000",
                                   output=128, slo_ttft=500, slo_tpot=50, requests=400)),
    (npusim.serve, ["serve"], dict(model="llama3-8b", hw="h100-sxm", scheduler="disagg", prefill_hw="h200-sxm",
                                   prefill_replicas=2, rate=10, input=1024, output=128, requests=300)),
    (npusim.serve, ["serve"], dict(model="llama3-70b", hw="h100-sxm", tp=4, dtype="fp8", input=1024, output=256,
                                   requests=200, find_max_rate=True, slo_tpot=40)),
    (npusim.plan, ["plan"], dict(model="llama3-70b", hw="h100-sxm", chips=8, max_tpot=50, dtype="fp8")),
    (npusim.cost, ["cost"], dict(hw="h100-sxm")),
    (npusim.cost, ["cost"], dict(hw="rngd", yield_model="poisson", process="tsmc-n5", volume=50000)),
]


def _id(case):
    fn, cmd, opts = case
    return "%s-%s-%s" % (cmd[0], opts.get("model", ""), opts["hw"])


@pytest.mark.parametrize("case", CASES, ids=[_id(c) for c in CASES])
def test_equals_cli_json(case):
    fn, cmd, opts = case
    want = cli_json(*cmd, *argv(opts))
    got = fn(**opts)
    assert isinstance(got, dict)
    assert got == want  # every field, every float to the last digit
    assert json.dumps(got, sort_keys=True) == json.dumps(want, sort_keys=True)


@pytest.mark.parametrize("fmt", ["table", "csv"])
def test_equals_cli_text(fmt):
    opts = dict(model="llama3-8b", hw="h100-sxm", phase="e2e", batch=8, input=512, output=64)
    want = cli("run", *argv(opts), *(["--csv"] if fmt == "csv" else []))
    assert npusim.run(format=fmt, **opts) == want


def test_op_and_call_equal_cli():
    assert npusim.op("gemm", hw="h100-sxm", m=4096, n=4096, k=4096, dtype="fp8") == \
        cli_json("op", "gemm", "--hw", "h100-sxm", "--m", 4096, "--n", 4096, "--k", 4096, "--dtype", "fp8")
    assert npusim.op("allreduce", hw="h100-sxm", chips=8, bytes="1K..64M") == \
        cli_json("op", "allreduce", "--hw", "h100-sxm", "--chips", 8, "--bytes", "1K..64M")
    assert npusim.call("list", args=["hw"]) == cli("list", "hw")
    assert npusim.call("show", args=["model", "llama3-8b"]) == json.loads(cli("show", "model", "llama3-8b"))


def test_handles_equal_names():
    opts = dict(phase="decode", batch=16, ctx=2048)
    want = npusim.run(model="llama3-8b", hw="h100-sxm", **opts)
    m, h = npusim.model("llama3-8b"), npusim.hw("h100-sxm")
    assert (m.name, h.name) == ("llama3-8b", "h100-sxm")
    assert npusim.run(model=m, hw=h, **opts) == want
    assert npusim.run(model=m, hw=h.to_dict(), **opts) == want  # inline description
    assert npusim.hw(h.to_dict()).to_json() == h.to_json()
    dis = dict(model="llama3-8b", hw=h, scheduler="disagg", prefill_replicas=2, rate=10, input=1024, output=128,
               requests=200)
    assert npusim.serve(prefill_hw=npusim.hw("h200-sxm"), **dis) == npusim.serve(prefill_hw="h200-sxm", **dis)
    assert npusim.plan(model=m, hw=h, chips=4) == npusim.plan(model="llama3-8b", hw="h100-sxm", chips=4)
    assert npusim.cost(hw=h) == npusim.cost(hw="h100-sxm")
    e = npusim.engine("mlperf")
    off = dict(model="llama3-8b", hw="h100-sxm", phase="offline", input=512, output=256)
    assert npusim.run(engine=e, **off) == npusim.run(engine="mlperf", **off)
    assert npusim.run(engine=e, **off) != npusim.run(**off)


def test_edited_chip_equals_edited_file(tmp_path):
    h = npusim.hw("h100-sxm").set("memory.stacks", 6).set("memory.capacity_gb", 96).set("sram[1].mb", 60)
    d = h.to_dict()
    assert (d["memory"]["stacks"], d["memory"]["capacity_gb"], d["sram"][1]["mb"]) == (6, 96, 60)
    f = tmp_path / "six.json"
    f.write_text(h.to_json())
    opts = dict(model="llama3-8b", phase="decode", batch=64, ctx=4096, dtype="fp8")
    assert npusim.run(hw=h, **opts) == cli_json("run", "--hw", str(f), *argv(opts))
    stock = npusim.run(hw="h100-sxm", **opts)
    assert npusim.run(hw=h, **opts)["latency_ms"] < stock["latency_ms"]
    c = h.copy().set("memory.capacity_gb", 80).set("memory.stacks", 5).set("sram[1].mb", 50)
    assert npusim.run(hw=c, **opts) == stock  # the copy is independent; back to the stock chip
    assert h.to_dict()["memory"]["stacks"] == 6
    m = npusim.model("llama3-8b").set("model.layers", 16)
    assert npusim.run(model=m, hw="h100-sxm", phase="decode", batch=1, ctx=128)["latency_ms"] < \
        npusim.run(model="llama3-8b", hw="h100-sxm", phase="decode", batch=1, ctx=128)["latency_ms"]


# Bad input: npusim.Error with the message the command line prints (after
# "npusim: "); an option's own check names it as a field ("run: field
# 'engine': ...") where the command line names the flag ("option '--engine':
# ..."), with the same words after it.
ERRORS = [
    (dict(model="llama3-8b", hw="h100-smx", phase="decode", batch=8, ctx=1024), "unknown hardware 'h100-smx'"),
    (dict(model="llama3-70b", hw="l40s", phase="decode", batch=1, ctx=64), "does not fit"),
    (dict(model="llama3-8b", hw="h100-sxm", phase="prefill", batch=4), "--seq"),
    (dict(model="mistral-7b", hw="h100-sxm", phase="decode", batch=4, ctx=64, tp=3), "tp"),
    (dict(model="llama3-8b", hw="h100-sxm", phase="decode", batch=8, ctx=1024, engine="trtlm"),
     "unknown engine 'trtlm' (did you mean 'trtllm'?)"),
    (dict(model="llama3-8b", hw="h100-sxm", phase="decode", batch=8, ctx=10**8), "field 'ctx': 100000000 is out of range"),
]


@pytest.mark.parametrize("opts,want", ERRORS, ids=[w for _, w in ERRORS])
def test_errors_raise_with_the_cli_message(opts, want):
    with pytest.raises(npusim.Error) as e:
        npusim.run(**opts)
    msg = str(e.value)
    assert e.value.code == 1 and want in msg
    line = cli("run", *argv(opts), rc=2)
    assert line.startswith("npusim: ") and line.count("\n") == 1
    line = line[len("npusim: "):].strip()
    if msg.startswith("run: field '"):
        flag = "option '--%s'" % msg.split("'")[1].replace("_", "-")
        assert line == flag + msg[msg.index("': ") + 1:]
    else:
        assert line == msg


def test_errors_of_fields_and_handles():
    base = dict(model="llama3-8b", hw="h100-sxm", phase="decode", ctx=1024)
    with pytest.raises(npusim.Error, match=r"field 'batch': 0 is out of range \(an integer in 1\.\.1000000\)"):
        npusim.run(batch=0, **base)
    with pytest.raises(npusim.Error, match=r"unknown field 'bacth' \(did you mean 'batch'\?\)"):
        npusim.run(bacth=8, **base)
    with pytest.raises(npusim.Error, match="field 'batch' must be an integer"):
        npusim.run(batch="8", **base)
    with pytest.raises(npusim.Error, match="unknown hardware 'nope'"):
        npusim.hw("nope")
    h = npusim.hw("h100-sxm")
    with pytest.raises(npusim.Error, match=r"unknown field 'stackz' \(did you mean 'stacks'\?\)"):
        h.set("memory.stackz", 6)
    with pytest.raises(npusim.Error, match="'many' is not a number"):
        h.set("memory.stacks", "many")
    # validation runs after the edit: a clock that contradicts the stated peaks is refused
    with pytest.raises(npusim.Error, match="hw set matrix.clock_mhz=1700: .*peak"):
        h.set("matrix.clock_mhz", 1700)
    assert h.to_dict()["memory"]["stacks"] == 5  # failed edits change nothing
    with pytest.raises(npusim.Error, match="unknown command 'rnu'"):
        npusim.call("rnu")
    with pytest.raises(npusim.Error) as e:
        npusim.call("validate", args=[os.path.join(ROOT, "python", "tests", "data")], max_mape=0)
    assert e.value.code == 2 and "is above --max-mape" in str(e.value) and '"mape_pct"' in e.value.result


def test_values_json_and_c_strings_cannot_carry():
    # JSON has no NaN or Infinity and a C string ends at NUL: before, a NaN batch was
    # "malformed JSON at line 1, column 11" and "llama3-8b\0x" ran as llama3-8b
    base = dict(model="llama3-8b", hw="h100-sxm", phase="decode", ctx=1024)
    with pytest.raises(npusim.Error, match=r"request: field 'batch': nan is not a finite number"):
        npusim.run(batch=float("nan"), **base)
    with pytest.raises(npusim.Error, match=r"field 'model.layers': inf is not a finite number"):
        npusim.run(model={"name": "x", "layers": float("inf")}, hw="h100-sxm", phase="decode", batch=1, ctx=8)
    with pytest.raises(npusim.Error, match="field 'model': a NUL character"):
        npusim.run(**dict(base, model="llama3-8b\0x", batch=8))
    with pytest.raises(npusim.Error, match="hw: a NUL character"):
        npusim.hw("h100-sxm\0")
    with pytest.raises(npusim.Error, match="set memory.stacks: nan is not a finite number"):
        npusim.hw("h100-sxm").set("memory.stacks", float("nan"))
    # a spec file that is not there: npusim.Error with the command line's words, not OSError
    with pytest.raises(npusim.Error, match="/nonexistent/s.json: cannot open: No such file or directory"):
        npusim.sweep("/nonexistent/s.json")
    # an engine edit's message names the path as given (it showed the profile's "host.step_us.value")
    with pytest.raises(npusim.Error, match=r"^engine set host\.step_us=-1: host\.step_us: -1 is outside"):
        npusim.engine("trtllm").set("host.step_us", -1)
    # the library refuses a \u0000 escape too (C callers, JSON text given directly)
    with pytest.raises(npusim.Error, match=r"a NUL character \(\\u0000\) in a string"):
        npusim.hw('{"name": "x\\u0000"}')


def test_sweep(tmp_path):
    # the rows of `npusim sweep` (issue 13) as a DataFrame, the numbers the CLI stores
    spec = {"base": {"hw": "rngd", "model": "llama3-8b", "dtype": "fp8"},
            "axes": {"hw.memory.stacks": [2, 4], "hw.process.node": ["tsmc-n5", "tsmc-n3"]},
            "workloads": [{"phase": "decode", "batch": 16, "ctx": 1024}],
            "objectives": {"usd_per_mtok": "min", "tokens_per_s_per_chip": "max"}}
    import pandas
    import sqlite3
    df = npusim.sweep(spec)
    assert isinstance(df, pandas.DataFrame)
    assert len(df) == 4 and {"hw.memory.stacks", "latency_ms", "usd_per_mtok", "pareto"} <= set(df.columns)
    assert df["pareto"].sum() >= 1
    p = tmp_path / "s.json"
    p.write_text(json.dumps(spec))
    db = tmp_path / "s.sqlite"
    cli("sweep", p, "--out", db)
    con = sqlite3.connect(str(db))
    rows = con.execute("SELECT latency_ms, usd_per_mtok, pareto FROM points ORDER BY id").fetchall()
    con.close()
    assert rows == list(zip(df["latency_ms"], df["usd_per_mtok"], df["pareto"]))
    # "jobs" runs threads, the same rows
    assert npusim.sweep(dict(spec, jobs=2)).equals(df)
    # a bad spec: the message, code 1
    with pytest.raises(npusim.Error) as e:
        npusim.sweep({"base": {"hw": "h100-sxm"}})
    assert e.value.code == 1 and "needs 'hw' and 'model'" in str(e.value)
    # the result form without pandas: a list of dicts
    rows = npusim._frame({"columns": ["hw.memory.stacks", "latency_ms", "pareto"], "rows": [[4, 1.5, 1], [8, 1.25, 0]]})
    assert list(rows.columns) == ["hw.memory.stacks", "latency_ms", "pareto"]


def test_versions_agree():
    assert cli("--version").strip() == "npusim " + npusim.version()
    assert npusim.API_VERSION // 1000 == 1
    assert npusim.__version__ == open(os.path.join(ROOT, "VERSION")).read().strip()


def test_threads_compute_the_same():
    opts = dict(model="llama3-8b", hw=npusim.hw("h100-sxm"), phase="decode", batch=16, ctx=2048)
    want = npusim.run(**opts)
    bad = []

    def work():
        for _ in range(30):
            if npusim.run(**opts) != want:
                bad.append(1)
            try:
                npusim.run(model="llama3-8b", hw="h100-sxm", phase="decode", batch=0, ctx=8)
                bad.append(2)
            except npusim.Error as e:
                if "field 'batch'" not in str(e):
                    bad.append(3)

    ts = [threading.Thread(target=work) for _ in range(4)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    assert bad == []


def _rss_kib():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError("no VmRSS in /proc/self/status")


def test_no_leak_over_1e5_calls():
    """10^5 run calls through the binding: resident memory must not grow.
    Every call allocates the request, the result text (5 KiB of JSON or the
    table) and the command's working memory; a leak of any of them, even 16
    bytes a call, adds 1.6 MB or more over the loop, above the 1 MiB bound.
    One call in four returns the dict (JSON result, json.loads), the others
    the table (the same computation, a cheaper rendering: the JSON printing
    of cJSON costs 8x the step itself), one in 997 is an error."""
    m, h = npusim.model("llama3-8b"), npusim.hw("h100-sxm")
    opts = dict(model=m, hw=h, phase="decode", batch=8, ctx=1024)
    want, want_table = npusim.run(**opts), npusim.run(format="table", **opts)
    for i in range(2000):  # warm up allocator pools
        npusim.run(format=None if i % 4 == 0 else "table", **opts)
    gc.collect()
    before = _rss_kib()
    n = 100000
    for i in range(n):
        if i % 4 == 0:
            r = npusim.run(**opts)
            if i % 10000 == 0:
                assert r == want
        else:
            r = npusim.run(format="table", **opts)
            if i % 10001 == 0:
                assert r == want_table
        if i % 997 == 0:  # errors too: their path frees what it allocated
            with pytest.raises(npusim.Error):
                npusim.run(model=m, hw=h, phase="decode", batch=8, ctx=0)
    gc.collect()
    grew = _rss_kib() - before
    print("RSS growth over %d calls: %d KiB (%d KiB before)" % (n, grew, before))
    assert grew < 1024, "resident memory grew by %d KiB over %d calls" % (grew, n)
