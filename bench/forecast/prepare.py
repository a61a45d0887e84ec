#!/usr/bin/python3
"""prepare.py DATA OUT SET [--dev] -- write one benchmark set in the peers' long format.

DATA is ../shared/data. OUT/SET/ receives train.csv and test.csv
(series_id,period_index,value), meta.csv (series_id,freq,h) and, for the
sets on a calendar, start.txt: the first day of period_index 1, which
carecast needs to place forecast.exclude_periods.

Sets (see README, "Forecast benchmark"):
  tourism          366 tourism monthly series, the competition's split (h 24)
  ae               281 provider x type A&E series with all 36 months, last 12 held out
  ae_england       10 England A&E activity series (attendances, admissions), 7
                   origins whose test years end before March 2020 (h 12)
  ae_england_covid the same series, 5 origins from Oct 2022 whose training runs
                   through the pandemic (h 12)
  hospital_covid   one English hospital's monthly A&E attendances and emergency
                   admissions via A&E (June 2015 - June 2024), 4 origins from
                   June 2022 whose training runs through the pandemic (h 12):
                   a site's series, not a nation's, added after the pandemic
                   option was built, to check it on data it was not made on
  deaths           32 ONS weekly death series (sex x age, region, total) to the
                   end of 2019, 2 origins a year apart (h 52)
  m1               617 monthly series of the M1 competition (Makridakis et al.
                   1982), the competition's split (h 18); the data is vendored
                   in bench/forecast/data (see SOURCES.md there)
  classic          22 of R's classic series (AirPassengers, UKgas, lynx, ...;
                   monthly, quarterly and annual), exported by classic.R from
                   the R the benchmark runs, 4 origins a season apart (h a
                   season; 6 years for annual series): series nobody here
                   tuned on

--dev holds out the last h periods of each training series instead, so that
methods can be developed without touching the test periods.
"""
import csv
import datetime
import gzip
import os
import subprocess
import sys
from collections import defaultdict


def write(path, header, rows):
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(rows)


def tourism(data):
    d = os.path.join(data, "forecasting")
    train, test = defaultdict(list), defaultdict(list)
    with open(os.path.join(d, "tourism_monthly_train.csv"), newline="") as f:
        for r in csv.DictReader(f):
            train[r["series_id"]].append((int(r["t"]), float(r["value"])))
    with open(os.path.join(d, "tourism_monthly_test.csv"), newline="") as f:
        for r in csv.DictReader(f):
            test[r["series_id"]].append((int(r["t"]), float(r["value"])))
    return [(k, 12, 24, train[k], test[k]) for k in train], None


def month_index(period):
    y, m = period[:7].split("-")
    return int(y) * 12 + int(m) - 1


def ae(data):
    vals = defaultdict(dict)
    months = set()
    with open(os.path.join(data, "nhs", "ae_attendances.csv"), newline="") as f:
        for r in csv.DictReader(f):
            mi = month_index(r["period"])
            months.add(mi)
            vals[r["org_code"] + "_" + r["type"]][mi] = float(r["attendances"])
    first, last = min(months), max(months)
    span = last - first + 1
    out = []
    for k, by in vals.items():
        if len(by) != span:
            continue
        pts = [(mi - first + 1, by[mi]) for mi in sorted(by)]
        out.append((k, 12, 12, pts[:-12], pts[-12:]))
    return out, None


# The activity columns of the England A&E series; the waits are performance
# measures, not demand.
ENGLAND_COLUMNS = ("att_type1", "att_type2", "att_type3", "att_total", "emadm_via_type1", "emadm_via_type2",
                   "emadm_via_type34", "emadm_via_ae_total", "emadm_other", "emadm_total")


def england(data, origins):
    rows = []
    with open(os.path.join(data, "nhs", "nhse_ae_monthly_england_2010_2024.csv"), newline="") as f:
        rows = list(csv.DictReader(f))
    first = month_index(rows[0]["period"])
    start = rows[0]["period"][:10]
    out = []
    for col in ENGLAND_COLUMNS:
        pts = [(month_index(r["period"]) - first + 1, float(r[col])) for r in rows]
        for o in origins:
            end = month_index(o) - first + 1  # the last training period
            out.append(("%s@%s" % (col, o), 12, 12, pts[:end], pts[end:end + 12]))
    return out, start


def ae_england(data):
    return england(data, ["2016-02", "2016-08", "2017-02", "2017-08", "2018-02", "2018-08", "2019-02"])


def ae_england_covid(data):
    return england(data, ["2022-10", "2023-01", "2023-04", "2023-07", "2023-10"])


def hospital_covid(data):
    with open(os.path.join(data, "nhs", "autospc_ed_attendances_monthly_single_hospital.csv"), newline="") as f:
        rows = list(csv.DictReader(f))
    # month_start is each month's first midnight in London written as a UTC
    # date: 2015-11-01 is November's, but a month that starts in British
    # Summer Time shows the day before (2015-05-31 is June's, 2020-03-31
    # April's). Read so, the first lockdown's trough falls in April 2020 and
    # its first fall in March, as England's series has them.
    months = [bst_month_index(r["month_start"]) for r in rows]
    if any(b != a + 1 for a, b in zip(months, months[1:])):
        sys.exit("prepare.py: the hospital's months are not consecutive")
    first = months[0]
    out = []
    for col in ("att_all", "e_adm_via_ed"):
        pts = [(i + 1, float(r[col])) for i, r in enumerate(rows)]
        for o in ["2022-06", "2022-09", "2022-12", "2023-03"]:
            end = month_index(o) - first + 1  # the last training period
            out.append(("%s@%s" % (col, o), 12, 12, pts[:end], pts[end:end + 12]))
    return out, "%04d-%02d-01" % (first // 12, first % 12 + 1)


def bst_month_index(date):
    """month_index of the month that starts at London's midnight on the UTC date.

    London's midnight is the UTC date itself in winter and the day before
    (a month's last day) in summer time; any other date is not a month's start.
    """
    d = datetime.date.fromisoformat(date)
    if d.day != 1:
        d += datetime.timedelta(days=1)
        if d.day != 1:
            sys.exit("prepare.py: %s is not a month's first midnight in London" % date)
    return d.year * 12 + d.month - 1


def deaths(data):
    by = defaultdict(dict)
    with open(os.path.join(data, "nhs", "ons_mortality.csv"), newline="") as f:
        for r in csv.DictReader(f):
            c1, c2 = r["category_1"], r["category_2"]
            if not c1 or not r["counts"] or "average" in c1 + c2:
                continue
            if c1 not in ("Males", "Females", "Persons", "Region", "Total deaths"):
                continue
            by["%s %s" % (c1, c2)][r["date"]] = float(r["counts"])
    end = "2019-12-27"
    out = []
    start = None
    for k, pts in by.items():
        dates = sorted(d for d in pts if d <= end)
        if len(dates) < 500 or dates[-1] != end:
            continue
        d0 = datetime.date.fromisoformat(dates[0])
        series = [((datetime.date.fromisoformat(d) - d0).days // 7 + 1, pts[d]) for d in dates]
        # ONS dates a week by its last day (a Friday): the week starts six
        # days before.
        start = (d0 - datetime.timedelta(days=6)).isoformat()
        for o in (2, 1):
            cut = len(series) - 52 * o
            out.append(("%s@%d" % (k.replace(",", ";"), o), 52, 52, series[:cut], series[cut:cut + 52]))
    return out, start


def m1(_data):
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "m1_monthly.csv.gz")
    train, test = defaultdict(list), defaultdict(list)
    with gzip.open(path, "rt", newline="") as f:
        for r in csv.DictReader(f):
            (train if r["split"] == "train" else test)[r["series_id"]].append((int(r["t"]), float(r["value"])))
    return [(k, 12, 18, train[k], test[k]) for k in train], None


def classic(_data):
    script = os.path.join(os.path.dirname(os.path.abspath(__file__)), "classic.R")
    text = subprocess.run(["Rscript", script], check=True, capture_output=True, text=True).stdout
    values, freq = defaultdict(list), {}
    for r in csv.DictReader(text.splitlines()):
        values[r["series_id"]].append(float(r["value"]))
        freq[r["series_id"]] = int(r["freq"])
    out = []
    for k, y in values.items():
        f = freq[k]
        h = f if f > 1 else 6
        pts = [(i + 1, v) for i, v in enumerate(y)]
        for o in range(1, 5):
            end = len(y) - o * h  # the last training period
            if end < 3 * max(f, 8):
                continue
            out.append(("%s@%d" % (k, o), f, h, pts[:end], pts[end:end + h]))
    return out, None


SETS = {"tourism": tourism, "ae": ae, "ae_england": ae_england, "ae_england_covid": ae_england_covid,
        "hospital_covid": hospital_covid, "deaths": deaths, "m1": m1, "classic": classic}


def main():
    args = [a for a in sys.argv[1:] if a != "--dev"]
    dev = "--dev" in sys.argv[1:]
    if len(args) != 3 or args[2] not in SETS:
        sys.exit(__doc__)
    data, out, name = args
    series, start = SETS[name](data)
    d = os.path.join(out, name)
    os.makedirs(d, exist_ok=True)
    tr, te, meta = [], [], []
    for key, freq, h, train, test in series:
        if dev:
            train, test = train[:-h], train[-h:]
        tr += [(key, p, repr(v)) for p, v in train]
        te += [(key, p, repr(v)) for p, v in test]
        meta.append((key, freq, h))
    write(os.path.join(d, "train.csv"), ("series_id", "period_index", "value"), tr)
    write(os.path.join(d, "test.csv"), ("series_id", "period_index", "value"), te)
    write(os.path.join(d, "meta.csv"), ("series_id", "freq", "h"), meta)
    if start:
        with open(os.path.join(d, "start.txt"), "w") as f:
            f.write(start + "\n")


main()
