"""Summarise the runs of run.sh: p50/p95/p99 per endpoint, requests/s and errors, from
locust's --csv files (<out>/<run>_stats.csv) and the load averages run.sh noted
(<out>/<run>.meta).

    python3 bench/load/summary.py OUT_DIR
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path


def read_stats(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def ms(value: str) -> str:
    return "—" if value in ("", "N/A") else f"{float(value):.0f}"


def summarise(out: Path) -> str:
    lines = []
    runs = sorted(out.glob("*_stats.csv"), key=lambda path: path.stat().st_mtime)
    for path in runs:
        run = path.name.removesuffix("_stats.csv")
        meta = out / f"{run}.meta"
        lines.append(f"## {run}")
        if meta.exists():
            lines += [f"    {line}" for line in meta.read_text().splitlines()]
        lines.append("")
        lines.append(f"| {'endpoint':<34} | {'requests':>8} | {'errors':>6} | {'p50':>5} | "
                     f"{'p95':>5} | {'p99':>5} | {'max':>6} |")
        lines.append(f"|{'-' * 36}|{'-' * 9}:|{'-' * 7}:|{'-' * 6}:|{'-' * 6}:|{'-' * 6}:|"
                     f"{'-' * 7}:|")
        rows = read_stats(path)
        total = None
        for row in rows:
            if row["Name"] == "Aggregated":
                total = row
                continue
            lines.append(_row(row["Name"], row))
        if total is not None:
            lines.append(_row("**all**", total))
            lines.append("")
            lines.append(f"requests/s: {float(total['Requests/s']):.1f}, errors: "
                         f"{total['Failure Count']} of {total['Request Count']}")
        failures = out / f"{run}_failures.csv"
        if failures.exists():
            for row in read_stats(failures):
                lines.append(f"  error: {row['Occurrences']}× {row['Method']} {row['Name']}: "
                             f"{row['Error']}")
        lines.append("")
    return "\n".join(lines)


def _row(name: str, row: dict) -> str:
    return (f"| {name:<34} | {row['Request Count']:>8} | {row['Failure Count']:>6} | "
            f"{ms(row['50%']):>5} | {ms(row['95%']):>5} | {ms(row['99%']):>5} | "
            f"{ms(row['Max Response Time']):>6} |")


if __name__ == "__main__":
    print(summarise(Path(sys.argv[1])))
