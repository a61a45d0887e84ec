#!/usr/bin/python3
"""table.py OUT SET... -- print the forecast benchmark table and check its goals.

Reads OUT/SET/summary.csv (from ../shared/peer/score.py --summary-csv) and the
timings.csv files of both peers; times are sums of per-series fit+forecast times.
"""
import csv
import sys
from collections import defaultdict

R_METHODS = ("ets", "theta", "arima", "snaive")


def timings(path):
    tot = defaultdict(float)
    with open(path, newline="") as f:
        for row in csv.DictReader(f):
            tot[row["method"]] += float(row["total_s"])
    return tot


def main():
    out, sets = sys.argv[1], sys.argv[2:]
    ok_all = True
    print("| set | method | sMAPE | MASE | Cov80 | Cov95 | MSIS95 | total s |")
    print("|---|---|---|---|---|---|---|---|")
    goals = []
    for s in sets:
        tot = timings("%s/%s/r/timings.csv" % (out, s))
        tot.update(timings("%s/%s/carecast/timings.csv" % (out, s)))
        rows = {}
        with open("%s/%s/summary.csv" % (out, s), newline="") as f:
            for row in csv.DictReader(f):
                if row["group"] == "all":
                    rows[row["method"]] = row
        for m, r in rows.items():
            name = ("carecast " + m[3:]) if m.startswith("cc_") else ("R " + m)
            if m == "cc_auto":
                name = "**carecast auto**"
            print("| %s | %s | %s | %s | %s | %s | %s | %s |" % (
                s, name, r["sMAPE"], r["MASE"], r["Cov80"], r["Cov95"], r["MSIS95"],
                "%.2f" % tot[m] if m in tot else "-"))
        auto = rows["cc_auto"]
        best = min((m for m in R_METHODS if m in rows), key=lambda m: float(rows[m]["MASE"]))
        goals.append(("%s: cc_auto MASE %s <= best R (%s) %s" % (s, auto["MASE"], best, rows[best]["MASE"]),
                      float(auto["MASE"]) <= float(rows[best]["MASE"])))
        c80, c95 = float(auto["Cov80"]), float(auto["Cov95"])
        goals.append(("%s: cc_auto coverage 80%% %.3f in [0.75, 0.85]" % (s, c80), 0.75 <= c80 <= 0.85))
        goals.append(("%s: cc_auto coverage 95%% %.3f in [0.90, 1.00]" % (s, c95), 0.90 <= c95 <= 1.00))
        # Issue 18's speed goal holds on every set, the weekly deaths among
        # them, where R's ets fits no season (it cannot hold one of 52).
        if "ets" in tot and tot.get("cc_auto", 0) > 0:
            ratio = tot["ets"] / tot["cc_auto"]
            goals.append(("%s: R ets %.1f s / cc_auto %.2f s = %.1fx faster (goal 20x)" % (
                s, tot["ets"], tot["cc_auto"], ratio), ratio >= 20))
    print()
    with open("%s/wall.txt" % out) as f:
        for line in f:
            print("wall clock (all methods, process included):", line.strip())
    print()
    for text, ok in goals:
        ok_all &= ok
        print("%s %s" % ("MET   " if ok else "NOT MET", text))
    sys.exit(0 if ok_all else 1)


main()
