"""Markdown tables from the workers' records (one table per workload, ratios against torch), and the
spread of the ratios over repeated runs.

Every ratio is in time terms (lower is faster): for a throughput (``higher_is_better``) it is torch's
throughput over the library's, so "≤ 1.0x" always means "at least as fast as torch".
"""
import statistics

from benchmarks.workloads import SCALING_SHAPES, SPECS

__all__ = ["ratio_rows", "render", "render_spread"]

REFERENCE = "torch"
OURS = "scratchgrad"
BUSY_CPUS = 0.3  # CPUs kept busy by other processes above which a row is flagged
# The loss a workload checks across libraries: (its column, its sentence under the table).
LOSSES = {"loss_first": ("first loss", "First-step losses"),
          "loss_eval": ("eval-mode loss", "Eval-mode losses (dropout off, before any step)")}


def _fmt(value):
    """A number with about three significant figures ("—" for None)."""
    if value is None:
        return "—"
    for bound, digits in ((100, 0), (10, 1), (1, 2)):
        if abs(value) >= bound:
            return f"{value:.{digits}f}"
    return f"{value:.3f}"


def _ratio(value, ref, higher_is_better=False):
    """``value`` against ``ref`` in time terms (None where either is missing)."""
    if value is None or not ref:
        return None
    return ref / value if higher_is_better else value / ref


def _ratio_cell(value, ref, higher_is_better=False):
    r = _ratio(value, ref, higher_is_better)
    return "—" if r is None else f"{r:.2f}x"


def _busy(rec):
    return rec is not None and (rec.get("cpus_busy_before") or 0) > BUSY_CPUS


def _target_cell(lib, ratio, target, records):
    if lib != OURS or target is None:
        return ""
    if ratio is None:
        return f"≤ {target:g}x: not measured"
    verdict = f"≤ {target:g}x: {'met' if ratio <= target else '**not met**'}"
    if _busy(records.get(OURS)) or _busy(records.get(REFERENCE)):
        verdict += " (unreliable: machine busy)"
    return verdict


def _status_note(rec):
    if rec is None:
        return "not run"
    busy = rec.get("cpus_busy_before")
    note = f"machine busy ({busy:.1f} CPUs) " if busy is not None and busy > BUSY_CPUS else ""
    if rec["status"] == "ok":
        return note.strip()
    return note + f"{rec['status']}: {rec.get('error', '')}".replace("|", "/").replace("\n", " ")


def _value(rec, key="value", part=None):
    """``key`` of a record's result (of its ``part`` for workloads with parts); None where there is none."""
    if rec is None or rec["status"] != "ok":
        return None
    result = rec["result"] if part is None else rec["result"].get("parts", {}).get(part, {})
    return result.get(key)


def _header(workload):
    spec = SPECS[workload]
    target = spec["target_ratio"]
    lines = [f"### {workload} (issue {spec['issue']})", "", spec["what"] + ".", ""]
    if target is not None:
        lines += [f"Target: scratchgrad ≤ {target:g}x torch" + (" in time (throughput ≥ torch's)."
                                                                if spec.get("higher_is_better") else "."), ""]
    else:
        lines += ["Target: " + spec.get("target_note", "backward linear in graph size (per-node time flat across "
                                                        "sizes)."), ""]
    return lines


def _simple_table(workload, records, libs):
    spec = SPECS[workload]
    metric, target, loss_key = spec["metric"], spec["target_ratio"], spec.get("loss")
    higher = spec.get("higher_is_better", False)
    parts = spec.get("parts", (None,))
    cols = ["library"] + (["network"] if parts != (None,) else []) + [metric]
    cols += ["time vs torch" if higher else "vs torch", "target"]
    if spec.get("rss"):
        cols += ["peak RSS MiB", "RSS vs torch", "RSS after import MiB"]
    if loss_key:
        cols += [LOSSES[loss_key][0]]
    cols += ["threads", "notes"]
    rows = ["| " + " | ".join(cols) + " |", "|" + "|".join("---" for _ in cols) + "|"]
    ref_rec = records.get(REFERENCE)
    for part in parts:
        ref = _value(ref_rec, part=part)
        for lib in libs:
            rec = records.get(lib)
            val = _value(rec, part=part)
            cells = [lib, *([part] if part is not None else []), _fmt(val), _ratio_cell(val, ref, higher),
                     _target_cell(lib, _ratio(val, ref, higher), target, records)]
            if spec.get("rss"):
                rss = _value(rec, "peak_rss_mib")
                cells += [_fmt(rss), _ratio_cell(rss, _value(ref_rec, "peak_rss_mib")),
                          _fmt(_value(rec, "rss_before_model_mib"))]
            if loss_key:
                loss = _value(rec, loss_key, part)
                cells += ["—" if loss is None else f"{loss:.5f}"]
            threads = rec.get("info", {}).get("threads", "") if rec else ""
            if _value(rec, "blas_threads") is not None:  # the workload set its own (search_trial)
                threads = f"BLAS {_value(rec, 'blas_threads')}"
            cells += [threads, _status_note(rec)]
            rows.append("| " + " | ".join(cells) + " |")
    if loss_key:
        for part in parts:
            rows += _loss_check(records, libs, loss_key, part)
    return rows


def _loss_check(records, libs, key, part=None):
    """A line saying whether every library's loss (same weights, same data) agrees."""
    losses = {lib: _value(records.get(lib), key, part) for lib in libs}
    losses = {k: v for k, v in losses.items() if v is not None}
    if len(losses) < 2:
        return []
    what = LOSSES[key][1] + (f" of {part}" if part else "")
    lo, hi = min(losses.values()), max(losses.values())
    if hi - lo <= 1e-3 * max(1.0, abs(hi)):
        return ["", f"{what} agree across libraries (spread {hi - lo:.1e}): same weights, same computation."]
    return ["", f"**{what} differ across libraries** (" +
            ", ".join(f"{k} {v:.5f}" for k, v in losses.items()) + "): the workloads are not the same computation."]


def _scaling_table(records, libs):
    sizes = []
    for rec in records.values():
        if rec and rec["status"] == "ok":
            for rows in rec["result"]["shapes"].values():
                sizes += [r["n"] for r in rows]
    sizes = sorted(set(sizes))
    cols = ["library", "graph"] + [f"10^{len(str(n)) - 1} us/node" for n in sizes]
    cols += ["growth (largest/smallest)", "vs torch (largest)", "threads", "notes"]
    out = ["| " + " | ".join(cols) + " |", "|" + "|".join("---" for _ in cols) + "|"]
    ref = records.get(REFERENCE)
    for lib in libs:
        rec = records.get(lib)
        if rec is None or rec["status"] != "ok":
            out.append("| " + " | ".join([lib, "—"] + ["—"] * len(sizes) + ["—", "—", "", _status_note(rec)]) + " |")
            continue
        for shape in SCALING_SHAPES:
            rows = {r["n"]: r for r in rec["result"]["shapes"].get(shape, [])}
            cells, notes, good = [lib, shape], [], []
            for n in sizes:
                row = rows.get(n)
                if row is None:
                    cells.append("—")
                elif "error" in row:
                    cells.append("skipped" if row["error"].startswith("skipped") else "failed")
                    notes.append(f"10^{len(str(n)) - 1}: {row['error']}")
                else:
                    cells.append(_fmt(row["us_per_node"]))
                    good.append(row)
            growth = good[-1]["us_per_node"] / good[0]["us_per_node"] if len(good) > 1 else None
            cells.append("—" if growth is None else f"{growth:.2f}x")
            cells.append(_scaling_ratio(good, ref, shape))
            busy = _status_note(rec)
            cells += [rec.get("info", {}).get("threads", ""), "; ".join(([busy] if busy else []) + notes).replace("|", "/")]
            out.append("| " + " | ".join(cells) + " |")
    return out


def _scaling_common(good, ref, shape):
    """``(ratio, n)``: per-node time against torch's at the largest size both measured (None if none)."""
    if not good or ref is None or ref["status"] != "ok":
        return None
    theirs = {r["n"]: r for r in ref["result"]["shapes"].get(shape, []) if "error" not in r}
    common = [r for r in good if r["n"] in theirs]
    if not common:
        return None
    row = common[-1]
    return row["us_per_node"] / theirs[row["n"]]["us_per_node"], row["n"]


def _scaling_ratio(good, ref, shape):
    common = _scaling_common(good, ref, shape)
    return "—" if common is None else f"{common[0]:.2f}x (10^{len(str(common[1])) - 1})"


def render(results, libs):
    """Markdown for every workload in ``results`` (``{workload: {lib: record}}``), libraries in ``libs`` order."""
    out = []
    for workload, records in results.items():
        out += _header(workload)
        if workload == "backward_scaling":
            out += _scaling_table(records, libs)
        else:
            out += _simple_table(workload, records, libs)
        out.append("")
    return "\n".join(out)


def ratio_rows(workload, records, libs):
    """``[(part, lib, value, ratio)]`` of one run: the figure and its time ratio to torch (None where missing).

    ``part`` is None for one-figure workloads, the network for ``inference_throughput`` and the graph shape for
    ``backward_scaling`` (whose figure is the per-node time at the largest size measured by both).
    """
    spec = SPECS[workload]
    out = []
    if workload == "backward_scaling":
        ref = records.get(REFERENCE)
        for shape in SCALING_SHAPES:
            for lib in libs:
                rec = records.get(lib)
                good = [] if rec is None or rec["status"] != "ok" else \
                    [r for r in rec["result"]["shapes"].get(shape, []) if "error" not in r]
                common = _scaling_common(good, ref, shape)
                if common is None:
                    out.append((shape, lib, good[-1]["us_per_node"] if good else None, None))
                else:
                    ratio, n = common
                    out.append((shape, lib, next(r["us_per_node"] for r in good if r["n"] == n), ratio))
        return out
    higher = spec.get("higher_is_better", False)
    for part in spec.get("parts", (None,)):
        ref = _value(records.get(REFERENCE), part=part)
        for lib in libs:
            value = _value(records.get(lib), part=part)
            out.append((part, lib, value, _ratio(value, ref, higher)))
    return out


def _spread(values, fmt=_fmt):
    """"median (min-max)" of the numbers in ``values`` that are not None ("—" when there are none)."""
    known = [v for v in values if v is not None]
    if not known:
        return "—"
    return f"{fmt(statistics.median(known))} ({fmt(min(known))}-{fmt(max(known))})"


def _times(ratio):
    return f"{ratio:.2f}x"


def render_spread(runs, libs):
    """Markdown: over the repeated ``runs`` (each ``{workload: {lib: record}}``), every figure's and every
    ratio's median (min-max), and in how many runs scratchgrad met its target."""
    cols = ["workload", "part", "library", "figure: median (min-max)", "vs torch: median (min-max)", "target", "runs"]
    out = [f"### Spread over {len(runs)} runs", "", "| " + " | ".join(cols) + " |", "|" + "|".join("---" for _ in cols) + "|"]
    for workload in runs[0]:
        spec = SPECS[workload]
        collected = {}
        for results in runs:
            for part, lib, value, ratio in ratio_rows(workload, results.get(workload, {}), libs):
                values, ratios = collected.setdefault((part, lib), ([], []))
                values.append(value)
                ratios.append(ratio)
        metric = "us/node at the largest size" if workload == "backward_scaling" else spec["metric"]
        for (part, lib), (values, ratios) in collected.items():
            target, known = spec["target_ratio"], [r for r in ratios if r is not None]
            verdict = ""
            if lib == OURS and target is not None and known:
                met = sum(r <= target for r in known)
                verdict = f"≤ {target:g}x: met in {met} of {len(known)}"
                if statistics.median(known) > target:
                    verdict += " (**median not met**)"
            figure = _spread(values)
            cells = [workload, part or "", lib, figure if figure == "—" else f"{figure} {metric}",
                     _spread(known, _times), verdict, str(sum(v is not None for v in values))]
            out.append("| " + " | ".join(cells) + " |")
    return "\n".join(out + [""])
