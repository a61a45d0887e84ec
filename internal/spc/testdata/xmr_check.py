"""Expected figures for spc's worked example, computed apart from the Go code.

Mean and average moving range per phase (moving ranges above 3.267 times the
average screened out once), limits at 2.66 average moving ranges, and the
months each rule flags: outside the limits, a run of 7 on one side of the
mean, 6 consecutively rising or falling, 2 of 3 beyond two sigma.
"""
import csv

rows = list(csv.DictReader(open("autospc_ed_attendances_monthly_single_hospital.csv")))
vals = [float(r["att_all"]) for r in rows]


def month(i):
    # Row 0 is June 2015: month_start is each month's first midnight in
    # London as a UTC date, the day before in summer time (see README.md).
    return "%d-%02d" % (2015 + (5 + i) // 12, (5 + i) % 12 + 1)


def phase(seg):
    mean = sum(seg) / len(seg)
    mrs = [abs(seg[i] - seg[i - 1]) for i in range(1, len(seg))]
    first = sum(mrs) / len(mrs)
    kept = [x for x in mrs if x <= 3.267 * first]
    return mean, sum(kept) / len(kept)


def rules(seg, mean, amr):
    up, lo = mean + 2.66 * amr, mean - 2.66 * amr
    n = len(seg)
    r = [set() for _ in range(n)]
    for i, v in enumerate(seg):
        if v > up or v < lo:
            r[i].add("out")
    sides = [(v > mean) - (v < mean) for v in seg]
    i = 0
    while i < n:
        j = i
        while j < n and sides[j] == sides[i]:
            j += 1
        if sides[i] != 0 and j - i >= 7:
            for k in range(i, j):
                r[k].add("shift")
        i = j
    i = 0
    while i < n - 1:
        d = (seg[i + 1] > seg[i]) - (seg[i + 1] < seg[i])
        j = i + 1
        while d != 0 and j + 1 < n and (seg[j + 1] > seg[j]) - (seg[j + 1] < seg[j]) == d:
            j += 1
        if d != 0 and j - i + 1 >= 6:
            for k in range(i, j + 1):
                r[k].add("trend")
        i = j if d != 0 else i + 1
    two_sigma = (up - mean) * 2 / 3
    for i in range(n - 2):
        for s in (1, -1):
            near = [j for j in range(i, i + 3) if s * (seg[j] - mean) > two_sigma]
            if len(near) >= 2:
                for j in near:
                    r[j].add("2of3")
    return r


for name, changes in [("one phase", []), ("change points 2020-03 and 2021-07", [57, 73])]:
    bounds = [0] + changes + [len(vals)]
    print("==", name)
    flags = {k: [] for k in ("out", "shift", "trend", "2of3")}
    for p in range(len(bounds) - 1):
        seg = vals[bounds[p] : bounds[p + 1]]
        mean, amr = phase(seg)
        print("phase %d from %s: mean %r, average moving range %r" % (p, month(bounds[p]), mean, amr))
        for i, s in enumerate(rules(seg, mean, amr)):
            for k in s:
                flags[k].append(month(bounds[p] + i))
    for k, v in flags.items():
        print(k, " ".join(v))
