"""Write a synthetic labelled release history for `make demo` (python generate.py OUT.csv).

Two years of releases of three services with Kamei's change metrics and a label (1 = rolled
back or broke an SLO) drawn from a known logistic link: bigger changes by less experienced
authors fail more often. Made up, deterministic (fixed seed); real data belongs in the history
store (`cipipe outcome record`, then `cipipe backtest --from-db`).
"""

import csv
import sys

import numpy as np

METRICS = ("ns", "nd", "nf", "entropy", "la", "ld", "lt", "fix", "ndev", "age", "nuc", "exp",
           "rexp", "sexp")  # fmt: skip
SERVICES = ("sample-service", "payments", "auth")
START = 1_700_000_000  # November 2023


def main(out: str, rows: int = 4000) -> None:
    rng = np.random.default_rng(7)
    data = {name: rng.gamma(1.5, 20.0, rows).round() for name in METRICS}
    data["fix"] = (rng.random(rows) < 0.2).astype(float)
    data["entropy"] = rng.random(rows).round(3)
    data["la"] = rng.lognormal(3.0, 1.4, rows).round()
    data["ld"] = (data["la"] * rng.random(rows)).round()
    data["nf"] = np.maximum(1, rng.poisson(3, rows))
    data["exp"] = rng.lognormal(4.0, 1.5, rows).round()
    logit = -1.3 + 0.8 * np.log1p(data["la"]) - 0.6 * np.log1p(data["exp"])
    failed = rng.random(rows) < 1 / (1 + np.exp(-logit))
    times = START + np.sort(rng.integers(0, 2 * 365 * 86400, rows))
    with open(out, "w", newline="") as handle:  # noqa: PTH123 (a plain script)
        writer = csv.writer(handle)
        writer.writerow(["release", "time", "service", "failed", *METRICS])
        for i in range(rows):
            service = SERVICES[i % len(SERVICES)]
            values = [f"{data[m][i]:g}" for m in METRICS]
            writer.writerow([f"r{i:05d}", int(times[i]), service, int(failed[i]), *values])


if __name__ == "__main__":
    main(sys.argv[1])
