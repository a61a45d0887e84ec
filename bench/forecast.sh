#!/usr/bin/env bash
# forecast.sh — carecast's forecasts side by side with R's forecast package
# (ets, thetaf, auto.arima, snaive via ../shared/peer/forecast_peer.R) on eight
# sets made by bench/forecast/prepare.py: tourism monthly (h 24), the A&E
# providers (h 12), England's A&E series before the pandemic and through it
# (h 12, several origins), one hospital's A&E series through it (h 12), ONS
# weekly deaths (h 52), the M1 competition's monthly series (h 18, vendored
# in bench/forecast/data) and R's classic series (monthly, quarterly and
# annual, 4 origins; exported from R's own datasets), all scored in the same run by
# ../shared/peer/score.py. On the sets trained through the pandemic, carecast
# runs with forecast.exclude_periods' default (cc_auto) and without it
# (cc_auto_all). `make bench-forecast` builds bin/carecast and runs it.
# CARECAST overrides the binary, BENCH_SETS the sets, R_METHODS the R peer's
# methods; BENCH_DEV=1 holds out the last h periods of the training data
# instead of the test periods (for development).
set -euo pipefail

root=$(git rev-parse --show-toplevel)
shared=$root/../shared
if [[ ! -d $shared/peer || ! -d $shared/data ]]; then
	echo "bench/forecast.sh: $shared (../shared beside the repository) not found: it holds the R peer and the data" >&2
	exit 1
fi
shared=$(cd "$shared" && pwd)
carecast=${CARECAST:-$root/bin/carecast}
[[ -x $carecast ]] || { echo "bench/forecast.sh: $carecast not built (run make build)" >&2; exit 1; }
command -v Rscript >/dev/null && Rscript -e 'suppressMessages(library(forecast))' >/dev/null 2>&1 ||
	{ echo "bench/forecast.sh: R with the forecast package is needed: apt-get install -y --no-install-recommends r-base-core r-cran-forecast" >&2; exit 1; }
python=/usr/bin/python3
"$python" -c 'import numpy' 2>/dev/null || { echo "bench/forecast.sh: $python needs numpy (apt-get install python3-numpy)" >&2; exit 1; }

out=$root/bench/out/forecast
rm -rf "$out"
mkdir -p "$out"
export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1
r_methods=${R_METHODS:-ets,theta,arima,snaive}
cc_methods=auto,ets,arima,theta,snaive
dev=()
[[ ${BENCH_DEV:-} == 1 ]] && dev=(--dev)

# now prints the time in seconds with nanoseconds.
now() { date +%s.%N; }

run_set() {
	local set=$1 d=$out/$1 t0 t1 t2 cal=()
	"$python" "$root/bench/forecast/prepare.py" "$shared/data" "$out" "$set" "${dev[@]}"
	echo "== $set: $(($(wc -l <"$d/meta.csv") - 1)) series, $(($(wc -l <"$d/train.csv") - 1)) training rows" >&2
	# Sets on a calendar get forecast.exclude_periods' default, as a nightly
	# run would (the CLI excludes nothing unless told).
	[[ -f $d/start.txt ]] && cal=(--start "$(cat "$d/start.txt")" --exclude 2020-03..2022-03)
	t0=$(now)
	"$carecast" forecast --input "$d/train.csv" --freq "$d/meta.csv" --h 12 --out "$d/carecast" \
		--methods "$cc_methods" "${cal[@]}" --log-level warn
	t1=$(now)
	local extra=()
	if [[ $set == *_covid ]]; then
		# The same without the pandemic window excluded, named cc_auto_all.
		"$carecast" forecast --input "$d/train.csv" --freq "$d/meta.csv" --h 12 --out "$d/carecast_all" \
			--methods auto --log-level warn
		sed -i 's/,cc_auto,/,cc_auto_all,/' "$d/carecast_all/forecasts.csv" "$d/carecast_all/timings.csv"
		extra=("$d/carecast_all/forecasts.csv")
	fi
	t2=$(now)
	Rscript "$shared/peer/forecast_peer.R" "$d/train.csv" "$d/meta.csv" 12 "$d/r" "$r_methods" >"$d/r.log" 2>&1 ||
		{ cat "$d/r.log" >&2; exit 1; }
	local t3
	t3=$(now)
	echo "$set carecast_wall_s $(echo "$t1 - $t0" | bc) r_wall_s $(echo "$t3 - $t2" | bc)" >>"$out/wall.txt"
	"$python" "$shared/peer/score.py" "$d/train.csv" "$d/test.csv" \
		"$d/r/forecasts.csv" "$d/carecast/forecasts.csv" "${extra[@]}" --freq "$d/meta.csv" \
		--timings "$d/r/timings.csv" "$d/carecast/timings.csv" \
		--summary-csv "$d/summary.csv" >"$d/score.txt" 2>&1
}

sets=${BENCH_SETS:-tourism ae ae_england ae_england_covid hospital_covid deaths m1 classic}
for s in $sets; do
	run_set "$s"
done

echo "Forecast benchmark, $(date -u +%Y-%m-%d), $(getconf _NPROCESSORS_ONLN) cores, load average $(cut -d' ' -f1-3 /proc/loadavg); R $(Rscript -e 'cat(format(getRversion()), as.character(packageVersion("forecast")))' 2>/dev/null)"
"$python" "$root/bench/forecast/table.py" "$out" $sets
