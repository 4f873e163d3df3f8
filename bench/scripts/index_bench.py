#!/usr/bin/python3
"""Helpers of `./matchstream bench index` that need Debian's Python packages.

  index_bench.py search VECTORS QUERIES D K FACTORY TRAIN_N PLANS RESULTS
      The default index through Debian's python3-faiss (a generic, non-AVX2 build: what a user tries first):
      same factory, training sample size, plans (exact or IVF + ID selector + exact re-rank) and queries as the
      Java run. PLANS: "mode,nprobe,refine,bitmapfile;..." (mode 0 exact, 1 index, 2 the binding's
      8-bit scan, here exact: numpy has no such scan). RESULTS gets, per plan, a
      line "p50_us p99_us" then one line of ids per query.
  index_bench.py plot CSV PNG
      Recall@10 against p99 latency, one marker per system and selectivity (python3-matplotlib).
"""
import sys
import time


def search(vectors, queries, d, k, factory, train_n, plans, results):
    import faiss
    import numpy as np

    faiss.omp_set_num_threads(1)  # single-threaded, like the Java and C++ rows
    xb = np.fromfile(vectors, dtype="<f4").reshape(-1, d)
    xq = np.fromfile(queries, dtype="<f4").reshape(-1, d)
    n = xb.shape[0]
    index = faiss.index_factory(d, factory, faiss.METRIC_INNER_PRODUCT)
    ivf = faiss.extract_index_ivf(index)
    if isinstance(index, faiss.IndexIVFPQ):
        index.do_polysemous_training = False
        index.pq.cp.max_points_per_centroid = 64
        index.pq.cp.niter = 10
    rng = np.random.default_rng(42)
    sample = xb[rng.choice(n, size=min(n, train_n), replace=False)]
    faiss.omp_set_num_threads(2)  # building is not what is compared; keep it to the machine's two cores
    t0 = time.time()
    index.train(sample)
    index.add_with_ids(xb, np.arange(n, dtype="int64"))
    print(f"python3-faiss {faiss.__version__}: built {factory} in {time.time() - t0:.1f} s", flush=True)
    faiss.omp_set_num_threads(1)
    out = []
    for plan in plans.split(";"):
        mode, nprobe, refine, bitmap_file = plan.split(",")
        mode, nprobe, refine = int(mode), int(nprobe), int(refine)
        words = np.fromfile(bitmap_file, dtype="<u8")
        admitted = None
        sel = None
        if words.size:
            bits = np.unpackbits(words.view(np.uint8), bitorder="little")
            admitted = np.flatnonzero(bits[:n])
            sel = faiss.IDSelectorBitmap(words.size * 8, faiss.swig_ptr(words.view(np.uint8)))
        params = faiss.SearchParametersIVF(sel=sel, nprobe=nprobe)
        times, ids = [], []
        for i in range(xq.shape[0]):
            q = xq[i:i + 1]
            t = time.perf_counter()
            if mode in (0, 2):
                cand = admitted if admitted is not None else np.arange(n)
                scores = xb[cand] @ q[0]
                top = cand[np.argsort(-scores)[:k]]
            else:
                _, labels = index.search(q, k * refine, params=params)
                cand = labels[0][labels[0] >= 0]
                scores = xb[cand] @ q[0]
                top = cand[np.argsort(-scores)[:k]]
            times.append((time.perf_counter() - t) * 1e6)
            ids.append(top)
        times.sort()
        out.append(f"{times[len(times) // 2]:.2f} {times[min(len(times) - 1, int(np.ceil(len(times) * 0.99)) - 1)]:.2f}")
        out.extend(" ".join(str(x) for x in row) for row in ids)
    with open(results, "w") as f:
        f.write("\n".join(out) + "\n")


def plot(csv_file, png):
    import csv

    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = list(csv.DictReader(open(csv_file)))
    markers = {"100%": "o", "10%": "s", "1%": "^", "0.1%": "D"}
    fig, ax = plt.subplots(figsize=(8, 5), dpi=100)
    systems = list(dict.fromkeys(r["system"] for r in rows))
    for i, system in enumerate(systems):
        for r in (r for r in rows if r["system"] == system):
            ax.scatter(float(r["p99_us"]) / 1000, float(r["recall"]), color=f"C{i}", marker=markers.get(r["selectivity"], "o"),
                       label=system if r["selectivity"] == "100%" else None, s=50)
            ax.annotate(r["selectivity"], (float(r["p99_us"]) / 1000, float(r["recall"])), fontsize=7, xytext=(4, 2), textcoords="offset points")
    ax.set_xscale("log")
    ax.axhline(0.95, color="grey", lw=0.8, ls="--")
    ax.axvline(1.0, color="grey", lw=0.8, ls=":")
    ax.set_xlabel("p99 latency per query, ms (log; single thread)")
    ax.set_ylabel("recall@10 vs exact filtered search")
    ax.set_title("Filtered top-10 search, 512-d (marker = selectivity)")
    ax.legend(fontsize=8, loc="lower right")
    fig.tight_layout()
    fig.savefig(png)


if __name__ == "__main__":
    if sys.argv[1] == "search":
        search(sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5]), sys.argv[6], int(sys.argv[7]), sys.argv[8], sys.argv[9])
    elif sys.argv[1] == "plot":
        plot(sys.argv[2], sys.argv[3])
    else:
        sys.exit(__doc__)
