"""The two forms of the vector kernels side by side on this machine
(lib/kernels/cpu.h): wide (16-float vectors, register blocks of 4 x up to 5
of them; what the library runs with AVX-512) and narrow (8-float vectors,
blocks of 4 to 6 rows x 16 columns; what it runs without).  bench_kernels runs
once per form with --form, so the ratio is measured in one run; the
library's own choice is the form named in the first column."""
TITLE = "Kernel forms: wide and narrow vectors on this CPU"
ORDER = 12

KERNELS = ["peak_fma", "read_l2", "spmm_d64", "spmm_bf16_d64", "scores_all_users", "gemm_rows_all_users", "gemm_tacc_all_users",
           "softmax_all_users", "sampled_gemm_rows", "sampled_gemm_tacc", "layer_nn", "layer_tn", "adam_dense"]
FORMS = ["wide", "narrow"]


def benchmarks(ctx):
    return [Bench(f"kernels_{form}", [ctx.bin("bench_kernels"), "--threads", ctx.cores, "--form", form] +
                  (["--smoke"] if ctx.smoke else []), repeats=ctx.reps(3))
            for form in FORMS]


def _cpu():
    """The CPU's model, its vector features and what gr_simd_wide() answers
    on it: wide with AVX-512 F, BW, DQ and VL."""
    model, flags = "unknown CPU", []
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name") and model == "unknown CPU":
                    model = line.split(":", 1)[1].strip()
                elif line.startswith("flags") and not flags:
                    flags = line.split(":", 1)[1].split()
    except OSError:
        return model, "", "unknown"
    simd = ", ".join(x for x in ("avx2", "fma", "avx512f", "avx512_bf16", "amx_bf16") if x in flags) or "none of avx2, avx512f"
    wide = all(x in flags for x in ("avx512f", "avx512bw", "avx512dq", "avx512vl"))
    return model, simd, "wide" if wide else "narrow"


def goals(ctx, results):
    return []


def report(ctx, results, table):
    res = {form: results.get(f"kernels_{form}") for form in FORMS}
    for form, r in res.items():
        if not r or not r.rows:
            return f"kernels --form {form}: " + ((r.skipped or r.failed) if r else "not run")
    rows = []
    for k in KERNELS:
        w, n = (res[f].row(bench=k) for f in FORMS)
        if not w or not n:
            continue
        rate = "gflops" if "gflops" in w else "gbps" if "gbps" in w else None
        rows.append([k, w["ms"], n["ms"], w.get(rate) if rate else None, n.get(rate) if rate else None,
                     w["ms"] / n["ms"] if n["ms"] else None])
    model, simd, choice = _cpu()
    text = (f"CPU: {model} ({simd}); the library takes the **{choice}** form here. {ctx.cores} threads; "
            "milliseconds are medians; the rate is GFLOP/s for products and multiply-adds, GB/s for reads "
            "and Adam.\n\n")
    return text + table(["kernel", "wide ms", "narrow ms", "wide rate", "narrow rate", "wide ms / narrow ms"], rows)
