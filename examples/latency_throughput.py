"""Latency against throughput of three chips serving Llama-3-8B, from their
datasheets: each point is one batch size of a decode-heavy request (1024
prompt tokens, 256 generated, bf16), timed end to end by npusim.run; the
curve climbs right as the batch grows until the KV cache no longer fits.

    python3 examples/latency_throughput.py [OUT.png]     (default docs/img/latency-throughput.png)

Needs the npusim package (pip install ./python) and Debian's python3-matplotlib.
"""
import os
import sys

import matplotlib

matplotlib.use("Agg")  # files only, no display
import matplotlib.pyplot as plt  # noqa: E402

import npusim  # noqa: E402

CHIPS = ["h100-sxm", "mi300x", "gaudi3"]
MODEL = "llama3-8b"
BATCHES = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024]


def curve(chip):
    """(tokens/s per chip, ms per output token, batch) for every batch that fits."""
    hw = npusim.hw(chip)
    model = npusim.model(MODEL)
    points = []
    for b in BATCHES:
        try:
            r = npusim.run(model=model, hw=hw, phase="e2e", batch=b, input=1024, output=256)
        except npusim.Error as e:
            if "does not fit" in str(e):
                break  # larger batches will not fit either
            raise
        points.append((r["tokens_per_s_per_chip"], r["tpot_ms"], b))
    return points


def main(out):
    fig, ax = plt.subplots(figsize=(7.5, 4.8), dpi=120)
    for chip in CHIPS:
        pts = curve(chip)
        xs, ys = [p[0] for p in pts], [p[1] for p in pts]
        ax.plot(xs, ys, marker="o", label="%s (batch 1..%d)" % (chip, pts[-1][2]))
        for x, y, b in pts[::2]:
            ax.annotate(str(b), (x, y), textcoords="offset points", xytext=(4, -10), fontsize=7)
    ax.set_xscale("log")
    ax.set_xlabel("throughput (output tokens/s per chip)")
    ax.set_ylabel("latency per output token (ms, mean decode step)")
    ax.set_title("%s, 1024 in / 256 out, bf16: npusim %s" % (MODEL, npusim.__version__))
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(loc="upper left")
    fig.tight_layout()
    os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
    fig.savefig(out)
    print("wrote %s" % out)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else os.path.join("docs", "img", "latency-throughput.png"))
