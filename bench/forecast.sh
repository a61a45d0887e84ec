#!/usr/bin/env bash
# forecast.sh — carecast's forecasts side by side with R's forecast package
# (ets, thetaf, auto.arima, snaive via ../shared/peer/forecast_peer.R) on the
# tourism monthly set (h = 24) and the A&E series (last 12 months held out),
# all scored in the same run by ../shared/peer/score.py. `make bench-forecast`
# builds bin/carecast and runs it. CARECAST overrides the binary,
# BENCH_SETS=tourism|ae runs one set, R_METHODS the R peer's methods.
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

out=$root/work/bench-forecast
rm -rf "$out"
mkdir -p "$out"
export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1
r_methods=${R_METHODS:-ets,theta,arima,snaive}
cc_methods=auto,ets,theta,snaive

# Tourism: series_id,t,year,month,value (train) and series_id,t,h,year,month,value (test).
prepare_tourism() {
	local d=$shared/data/forecasting
	awk -F, 'NR==1{print "series_id,period_index,value";next}{print $1","$2","$5}' "$d/tourism_monthly_train.csv" >"$out/tourism/train.csv"
	awk -F, 'NR==1{print "series_id,period_index,value";next}{print $1","$2","$6}' "$d/tourism_monthly_test.csv" >"$out/tourism/test.csv"
}
prepare_ae() {
	local f=$shared/data/nhs/ae_attendances.csv
	awk -F, -v train="$out/ae/train.csv" -v test="$out/ae/test.csv" -f "$root/bench/forecast/ae.awk" "$f" "$f"
}

# now prints the time in seconds with nanoseconds.
now() { date +%s.%N; }

run_set() {
	local set=$1 h=$2 t0 t1 t2
	mkdir -p "$out/$set"
	"prepare_$set"
	echo "== $set: $(($(wc -l <"$out/$set/train.csv") - 1)) training rows, h = $h" >&2
	t0=$(now)
	"$carecast" forecast --input "$out/$set/train.csv" --freq 12 --h "$h" --out "$out/$set/carecast" --methods "$cc_methods" --log-level warn
	t1=$(now)
	Rscript "$shared/peer/forecast_peer.R" "$out/$set/train.csv" 12 "$h" "$out/$set/r" "$r_methods" >"$out/$set/r.log" 2>&1 ||
		{ cat "$out/$set/r.log" >&2; exit 1; }
	t2=$(now)
	echo "$set carecast_wall_s $(echo "$t1 - $t0" | bc) r_wall_s $(echo "$t2 - $t1" | bc)" >>"$out/wall.txt"
	"$python" "$shared/peer/score.py" "$out/$set/train.csv" "$out/$set/test.csv" \
		"$out/$set/r/forecasts.csv" "$out/$set/carecast/forecasts.csv" --freq 12 \
		--timings "$out/$set/r/timings.csv" "$out/$set/carecast/timings.csv" \
		--summary-csv "$out/$set/summary.csv" >"$out/$set/score.txt" 2>&1
}

sets=${BENCH_SETS:-tourism ae}
for s in $sets; do
	case $s in
	tourism) run_set tourism 24 ;;
	ae) run_set ae 12 ;;
	*) echo "bench/forecast.sh: unknown set $s" >&2; exit 2 ;;
	esac
done

echo "Forecast benchmark, $(date -u +%Y-%m-%d), $(getconf _NPROCESSORS_ONLN) cores; R $(Rscript -e 'cat(format(getRversion()), as.character(packageVersion("forecast")))' 2>/dev/null)"
"$python" "$root/bench/forecast/table.py" "$out" $sets
