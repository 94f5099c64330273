"""Markdown tables from the workers' records (one table per workload, ratios against torch)."""
from benchmarks.workloads import SCALING_SHAPES, SPECS

__all__ = ["render"]

REFERENCE = "torch"
OURS = "scratchgrad"
BUSY_CPUS = 0.3  # CPUs kept busy by other processes above which a row is flagged


def _fmt(value):
    """A number with about three significant figures ("—" for None)."""
    if value is None:
        return "—"
    for bound, digits in ((100, 0), (10, 1), (1, 2)):
        if abs(value) >= bound:
            return f"{value:.{digits}f}"
    return f"{value:.3f}"


def _ratio(value, ref):
    return None if value is None or not ref else value / ref


def _ratio_cell(value, ref):
    r = _ratio(value, ref)
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


def _value(rec, key="value"):
    if rec is None or rec["status"] != "ok":
        return None
    return rec["result"].get(key)


def _header(workload):
    spec = SPECS[workload]
    target = spec["target_ratio"]
    lines = [f"### {workload} (issue {spec['issue']})", "", spec["what"] + ".", ""]
    if target is not None:
        lines += [f"Target: scratchgrad ≤ {target:g}x torch.", ""]
    else:
        lines += ["Target: backward linear in graph size (per-node time flat across sizes).", ""]
    return lines


def _simple_table(workload, records, libs):
    spec = SPECS[workload]
    metric, target = spec["metric"], spec["target_ratio"]
    steps = workload != "op_overhead"
    ref = _value(records.get(REFERENCE))
    cols = ["library", metric, "vs torch", "target"]
    if workload == "simple_convnet_step":
        cols += ["peak RSS MiB", "RSS vs torch", "RSS after import MiB"]
    if steps:
        cols += ["first loss"]
    cols += ["threads", "notes"]
    rows = ["| " + " | ".join(cols) + " |", "|" + "|".join("---" for _ in cols) + "|"]
    ref_rss = _value(records.get(REFERENCE), "peak_rss_mib")
    for lib in libs:
        rec = records.get(lib)
        val = _value(rec)
        cells = [lib, _fmt(val), _ratio_cell(val, ref), _target_cell(lib, _ratio(val, ref), target, records)]
        if workload == "simple_convnet_step":
            rss = _value(rec, "peak_rss_mib")
            cells += [_fmt(rss), _ratio_cell(rss, ref_rss), _fmt(_value(rec, "rss_before_model_mib"))]
        if steps:
            loss = _value(rec, "loss_first")
            cells += ["—" if loss is None else f"{loss:.5f}"]
        threads = rec.get("info", {}).get("threads", "") if rec else ""
        cells += [threads, _status_note(rec)]
        rows.append("| " + " | ".join(cells) + " |")
    return rows + _loss_check(records, libs) if steps else rows


def _loss_check(records, libs):
    """A line saying whether every library's first-step loss (same weights, same data) agrees."""
    losses = {lib: _value(records.get(lib), "loss_first") for lib in libs}
    losses = {k: v for k, v in losses.items() if v is not None}
    if len(losses) < 2:
        return []
    lo, hi = min(losses.values()), max(losses.values())
    if hi - lo <= 1e-3 * max(1.0, abs(hi)):
        return ["", f"First-step losses agree across libraries (spread {hi - lo:.1e}): same weights, same computation."]
    return ["", "**First-step losses differ across libraries** (" +
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


def _scaling_ratio(good, ref, shape):
    """Per-node time against torch's at the largest size both measured."""
    if not good or ref is None or ref["status"] != "ok":
        return "—"
    theirs = {r["n"]: r for r in ref["result"]["shapes"].get(shape, []) if "error" not in r}
    common = [r for r in good if r["n"] in theirs]
    if not common:
        return "—"
    row = common[-1]
    return f"{row['us_per_node'] / theirs[row['n']]['us_per_node']:.2f}x (10^{len(str(row['n'])) - 1})"


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
