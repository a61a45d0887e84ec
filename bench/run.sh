#!/usr/bin/env bash
# run.sh — carecast's benchmark suite (`make bench` builds bin/carecast, then
# runs this). It prints one table and writes it, with the machine, the date
# and the commit, to bench/results.md. Figures:
#   - extract throughput (feed CSV → validation, opt-outs, pseudonyms,
#     generalisation → zstd Parquet) of `carecast run`, from the stage
#     durations of the committed run's manifest.json (hash_inputs, the
#     checksums of what was read, included), against DuckDB doing the
#     same job in one COPY statement (sql/bench/peer.sql, run by bench/peer)
#     on the same region in the same run;
#   - pseudonyms per second of one core (BenchmarkPseudonymCore: per second
#     of its thread's CPU time; BenchmarkPseudonym: wall-clock);
#   - SQL model build time (BenchmarkBuildModels10M, and the sql_models stage
#     on the region) and forecasting time (the forecast stage);
#   - peak RSS of `carecast run` on the same people and year with each event
#     once, twice and four times, and its slope per million events; and on
#     2 and 4 years of history;
#   - the whole region: `carecast generate --scale 1 --years 1` (calendar
#     year 2025) then `carecast run` with the example planning scenarios:
#     wall time and peak RSS (skipped when BENCH_FULL=0);
#   - planning scenarios (BenchmarkScenario): 1,000 draws of each example
#     scenario over every place and service of the default region and of
#     the whole region, best of 3;
#   - FHIR: the extract of the same pipeline from a FHIR R4 Bulk Data export
#     (`carecast generate --format fhir`) against DuckDB doing the same job
#     from the same NDJSON files (sql/bench/peer_fhir.sql), best of
#     BENCH_REPEAT alternating runs; and the extract's peak RSS with each
#     Encounter twice, four and eight times.
# Generated regions are cached under bench/out/ and reused.
#
# Environment: CARECAST (the binary, default bin/carecast), BENCH_FULL=0 to
# skip the whole region, BENCH_SCALE (default 0.05: about 280,000 people and
# 2.7 million events a year), BENCH_REPEAT (default 3: runs of carecast and
# the DuckDB peer on the 4-year region, alternating; the best of each counts),
# BENCH_FHIR_SCALE (default 0.02: about 110,000 people and 1.1 million
# Encounters and reports a year, 0.7 GB of NDJSON),
# BENCH_ONLY=fhir to run the FHIR figures alone (printed, and written to
# bench/out/table-fhir.md; bench/results.md is left as it is).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
carecast=${CARECAST:-$root/bin/carecast}
[[ -x $carecast ]] || { echo "bench/run.sh: $carecast not built (run make build)" >&2; exit 1; }
[[ -x /usr/bin/time ]] || { echo "bench/run.sh: GNU time is needed: apt-get install -y time" >&2; exit 1; }
command -v jq >/dev/null || { echo "bench/run.sh: jq is needed: apt-get install -y jq" >&2; exit 1; }
full=${BENCH_FULL:-1}
scale=${BENCH_SCALE:-0.05}
out=$root/bench/out
# A fixed last day keeps the cached regions valid from day to day; the run's
# business date is the day after it.
end=2026-06-30
date=2026-07-01

mkdir -p "$out"

log() { echo "bench: $*" >&2; }

# The key: 32 random bytes, readable only by its owner, made once.
key=$out/key
if [[ ! -s $key ]]; then
	(umask 077 && head -c 32 /dev/urandom >"$key")
fi

# region DIR SCALE YEARS [END [FORMAT]] generates a region (CSV unless
# FORMAT says fhir) into DIR unless it is there: it is generated beside and
# renamed, so a half-written region is never reused. END is its last day
# (default $end).
region() {
	local dir=$1 s=$2 y=$3 last=${4:-$end} f=${5:-csv}
	[[ -f $dir/generation.json ]] && return
	log "generating $dir (scale $s, $y years to $last, $f)"
	rm -rf "$dir.tmp"
	"$carecast" generate --out "$dir.tmp" --scale "$s" --years "$y" --end "$last" --seed 1 --format "$f" >/dev/null
	mv "$dir.tmp" "$dir"
}

# config DIR writes DIR/carecast.yaml: the region as the one feed (CSV, or
# FHIR when DIR has a Patient NDJSON file), its deny list, the key and a
# warehouse under DIR.
config() {
	local dir=$1 format=csv
	[[ -f $dir/Patient.ndjson ]] && format=fhir
	cat >"$dir/carecast.yaml" <<-EOF
		feeds:
		  - name: region
		    format: $format
		    path: $dir
		opt_outs:
		  national_deny_list:
		    path: $dir/optouts/national_deny_list.txt
		pseudonymise:
		  key_file: $key
		warehouse: $dir/warehouse
		work_dir: $dir/work
		keep_runs: 1
		log:
		  format: json
		$config_extra
	EOF
}
# config_extra is added to the config pipeline writes (e.g. scenarios).
config_extra=""

# timed NAME CMD… runs CMD under GNU time into $out/NAME.time: wall seconds,
# user and system CPU seconds, peak RSS in KB.
timed() {
	local name=$1
	shift
	/usr/bin/time -f '%e %U %S %M' -o "$out/$name.time" "$@"
}
wall() { awk '{print $1}' "$out/$1.time"; }
cpu() { awk '{print $2 + $3}' "$out/$1.time"; }
rss_mb() { awk '{printf "%.0f", $4 / 1024}' "$out/$1.time"; }

# pipeline NAME DIR [DATE] runs `carecast run` on the region in DIR for the
# business date DATE (default $date) and leaves the committed run's manifest
# in $out/NAME.manifest.json and, in $out/NAME.rss, its resident memory
# sampled every 0.2 s ("epoch-seconds KB" lines).
pipeline() {
	local name=$1 dir=$2 day=${3:-$date} tpid cpid rc=0
	config "$dir"
	rm -rf "$dir/warehouse"
	log "carecast run on $dir"
	# GNU time itself goes in the background, so that its child is carecast.
	/usr/bin/time -f '%e %U %S %M' -o "$out/$name.time" \
		"$carecast" run --config "$dir/carecast.yaml" --date "$day" >"$out/$name.stdout" 2>"$out/$name.log" &
	tpid=$!
	until cpid=$(pgrep -P "$tpid"); do
		kill -0 "$tpid" 2>/dev/null || break
		sleep 0.05
	done
	: >"$out/$name.rss"
	while [[ -n $cpid ]] && kill -0 "$cpid" 2>/dev/null; do
		awk -v t="$(date +%s.%N)" '/^VmRSS/{print t, $2}' "/proc/$cpid/status" >>"$out/$name.rss" 2>/dev/null || true
		sleep 0.2
	done
	wait "$tpid" || rc=$?
	if ((rc != 0)); then
		tail -20 "$out/$name.log" >&2
		return 1
	fi
	cp "$dir/warehouse/runs/$(cat "$dir/warehouse/CURRENT")/manifest.json" "$out/$name.manifest.json"
}
# extract_rss_mb NAME is the peak of the sampled RSS up to the end of the
# extract (the write_summaries stage), before DuckDB builds the models.
extract_rss_mb() {
	local end
	end=$(jq -r 'select(.msg == "stage done" and .stage == "write_summaries") | .time' "$out/$1.log" | head -1)
	end=$(date -d "$end" +%s.%N)
	awk -v end="$end" '$1 <= end && $2 > m {m = $2} END{printf "%.0f", m / 1024}' "$out/$1.rss"
}
# stage NAME KEY… sums the manifest's durations of the stages named.
stage() {
	local name=$1
	shift
	jq -r '[.durations[$ARGS.positional[]] // 0] | add' --args "$@" <"$out/$name.manifest.json"
}
events() { jq -r '.records.activity' "$1/generation.json"; }
people() { jq -r '.records.persons' "$1/generation.json"; }

# dense DIR K makes DIR-xK: the region in DIR with each event K times (under
# new record ids, same person, same date), so that only the number of events
# grows — not the people, nor the days the models cover.
dense() {
	local src=$1 k=$2 dst=$1-x$2
	[[ -f $dst/activity.csv ]] && return
	log "making $dst (each event $k times)"
	rm -rf "$dst.tmp"
	mkdir -p "$dst.tmp"
	cp -r "$src/persons.csv" "$src/gp_objections.csv" "$src/optouts" "$src/generation.json" "$dst.tmp/"
	awk -F, -v OFS=, -v k="$k" 'NR == 1 {print; next}
		{id = $1; for (i = 1; i <= k; i++) {$1 = (i == 1 ? id : "X" i "-" id); print}}' \
		"$src/activity.csv" >"$dst.tmp/activity.csv"
	mv "$dst.tmp" "$dst"
}
lines() { echo $(($(wc -l <"$1/activity.csv") - 1)); }

go build -o "$out/peer" ./bench/peer
min() { awk -v a="$1" -v b="$2" 'BEGIN{print (b == "" || a + 0 < b + 0) ? a : b}'; }
f1() { awk -v x="$1" 'BEGIN{printf "%.1f", x}'; }
rate() { awk -v n="$1" -v s="$2" 'BEGIN{printf "%.0f", n / s}'; }
# goal EXPR prints whether an awk expression of numbers holds.
goal() { awk "BEGIN{print (($1) ? \"met\" : \"NOT met\")}"; }

# 0. FHIR: the region as a FHIR R4 Bulk Data export, carecast against the
# DuckDB peer on the same NDJSON files, alternating, the best of each; then
# the extract's memory with each Encounter twice, four and eight times (new
# ids, same people and days), as for CSV below. (Once is too few: the run
# ends before the heap first reaches the collector's goal, twice its live
# size, and the peak is then lower than any longer run's.)
fscale=${BENCH_FHIR_SCALE:-0.02}
fone=$out/region-fhir-s$fscale-y1
region "$fone" "$fscale" 1 "$end" fhir
# dense_fhir DIR K makes DIR-xK: the export in DIR with each Encounter K
# times, under new ids.
dense_fhir() {
	local src=$1 k=$2 dst=$1-x$2
	[[ -f $dst/generation.json ]] && return
	log "making $dst (each Encounter $k times)"
	rm -rf "$dst.tmp"
	mkdir -p "$dst.tmp"
	cp -r "$src/Patient.ndjson" "$src/DiagnosticReport.ndjson" "$src/Observation.ndjson" "$src/optouts" "$dst.tmp/"
	awk -v k="$k" '{print; for (i = 2; i <= k; i++) {l = $0; sub(/"id":"/, "\"id\":\"X" i "-", l); print l}}' \
		"$src/Encounter.ndjson" >"$dst.tmp/Encounter.ndjson"
	cp "$src/generation.json" "$dst.tmp/"
	mv "$dst.tmp" "$dst"
}
# fhir_events NAME is the number of events a run read and kept or opted out.
fhir_events() { jq -r '.counts.events_written + .counts.events_opted_out' "$out/$1.manifest.json"; }
declare -A fev fxrss
fcc_s="" fpeer_s="" fresources=""
for i in $(seq "${BENCH_REPEAT:-3}"); do
	log "DuckDB FHIR peer on $fone ($i)"
	timed "fhir-peer-$i" "$out/peer" -format fhir -sql sql/bench/peer_fhir.sql -feed "$fone" \
		-optouts "$fone/optouts/national_deny_list.txt" -key "$key" -out "$out/peer.parquet" >"$out/fhir-peer-$i.json"
	rm -f "$out/peer.parquet"
	fpeer_s=$(min "$(jq -r .seconds "$out/fhir-peer-$i.json")" "$fpeer_s")
	fresources=$(jq -r .events_read "$out/fhir-peer-$i.json")
	pipeline "fhir-x1-$i" "$fone"
	fcc_s=$(min "$(stage "fhir-x1-$i" hash_inputs read_persons write_persons write_activity write_summaries)" "$fcc_s")
done
for k in 2 4 8; do
	dense_fhir "$fone" "$k"
	pipeline "fhir-x$k" "$fone-x$k"
done
for k in x2 x4 x8; do
	fev[$k]=$(fhir_events "fhir-$k")
	fxrss[$k]=$(extract_rss_mb "fhir-$k")
done

# fhir_table prints the FHIR rows of the table.
fhir_table() {
	local fcc_rate fpeer_rate fratio fslope
	fcc_rate=$(rate "$fresources" "$fcc_s")
	fpeer_rate=$(rate "$fresources" "$fpeer_s")
	fratio=$(awk -v a="$fcc_rate" -v b="$fpeer_rate" 'BEGIN{printf "%.2f", a / b}')
	echo "| FHIR extract throughput, $(printf "%'d" "$fresources") Encounters and DiagnosticReports ($(du -sh "$fone" | cut -f1) of NDJSON, 1 year), best of ${BENCH_REPEAT:-3} | $(printf "%'d" "$fcc_rate") resources/s ($(f1 "$fcc_s") s) | | |"
	echo "| DuckDB FHIR peer, same files, same run (one COPY, sql/bench/peer_fhir.sql), best of ${BENCH_REPEAT:-3} | $(printf "%'d" "$fpeer_rate") resources/s ($(f1 "$fpeer_s") s) | | |"
	echo "| FHIR: carecast ÷ DuckDB | ${fratio}× | ≥ 1.5× | $(goal "$fratio >= 1.5") |"
	for k in x2 x4 x8; do
		echo "| FHIR extract peak RSS, $(printf "%'d" "${fev[$k]}") events (1 year, each Encounter ${k#x}×) | ${fxrss[$k]} MB | | |"
	done
	fslope=$(for k in x2 x4 x8; do echo "${fev[$k]} ${fxrss[$k]}"; done | awk '
		{x = $1 / 1e6; sx += x; sy += $2; sxx += x * x; sxy += x * $2; n++}
		END{printf "%.1f", (n * sxy - sx * sy) / (n * sxx - sx * sx)}')
	echo "| FHIR extract peak RSS slope, same people and days, more events | $fslope MB per million events | flat | $(goal "$fslope < 5") |"
}

# BENCH_ONLY=fhir stops here, with the FHIR rows alone (bench/results.md
# is left as it is).
if [[ ${BENCH_ONLY:-} == fhir ]]; then
	{
		echo "| figure | carecast | goal | |"
		echo "|---|---|---|---|"
		fhir_table
	} | tee "$out/table-fhir.md"
	log "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
	exit 0
fi

# 1. Memory against events: the same people over the same year, with each
# event once, twice and four times; then 2 and 4 years of history (more
# events and more days to model).
declare -A ev rss xrss ex
one=$out/region-s$scale-y1
region "$one" "$scale" 1
for k in 1 2 4; do
	dir=$one
	((k > 1)) && dense "$one" "$k" && dir=$one-x$k
	pipeline "run-x$k" "$dir"
	ev[x$k]=$(lines "$dir")
	rss[x$k]=$(rss_mb "run-x$k")
	xrss[x$k]=$(extract_rss_mb "run-x$k")
done
for y in 2 4; do
	dir=$out/region-s$scale-y$y
	region "$dir" "$scale" "$y"
	pipeline "run-y$y" "$dir"
	ev[y$y]=$(events "$dir")
	rss[y$y]=$(rss_mb "run-y$y")
	xrss[y$y]=$(extract_rss_mb "run-y$y")
	ex[$y]=$(stage "run-y$y" hash_inputs read_persons write_persons write_activity write_summaries)
done
big=$out/region-s$scale-y4

# 2. The DuckDB peer on the largest of them, in the same run, alternating
# with carecast BENCH_REPEAT times (default 3): other work on a shared
# machine slows single runs by up to 3×, so the best of each counts.
cc_s=${ex[4]} peer_s=""
for i in $(seq "${BENCH_REPEAT:-3}"); do
	log "DuckDB peer on $big ($i)"
	timed "peer-$i" "$out/peer" -sql sql/bench/peer.sql -feed "$big" -optouts "$big/optouts/national_deny_list.txt" \
		-key "$key" -out "$out/peer.parquet" >"$out/peer-$i.json"
	rm -f "$out/peer.parquet"
	peer_s=$(min "$(jq -r .seconds "$out/peer-$i.json")" "$peer_s")
	if ((i > 1)); then
		pipeline "run-y4-$i" "$big"
		cc_s=$(min "$(stage "run-y4-$i" hash_inputs read_persons write_persons write_activity write_summaries)" "$cc_s")
	fi
done

# 3. Micro-benchmarks.
log "BenchmarkPseudonym"
go test -run '^$' -bench '^BenchmarkPseudonym(Core)?$' -benchtime 2s -cpu 1 ./pseudonymise/ >"$out/pseudonym.txt"
# metric NAME UNIT prints the value a benchmark reported in UNIT.
metric() { awk -v b="$1" -v u="$2" '$1 == b {for (i = 2; i < NF; i++) if ($(i+1) == u) print $i}' "$out/pseudonym.txt"; }
pseudonyms=$(metric BenchmarkPseudonymCore pseudonyms/cpu-s)
pseudonyms_wall=$(metric BenchmarkPseudonym pseudonyms/s)
log "BenchmarkBuildModels10M"
go test -run '^$' -bench '^BenchmarkBuildModels10M$' -benchtime 1x ./sql/ >"$out/models.txt"
models10m=$(awk '/^BenchmarkBuildModels10M/{printf "%.1f", $3 / 1e9}' "$out/models.txt")

# 4. The whole region: calendar year 2025, so that the example planning
# scenarios, which the run runs after its forecasts, have a whole baseline
# year.
full_dir=$out/region-s1-2025
if [[ $full != 0 ]]; then
	region "$full_dir" 1 1 2025-12-31
	config_extra="scenarios: [$root/scenarios/population-only.yaml, $root/scenarios/growth-and-mitigation.yaml]"
	pipeline run-full "$full_dir" 2026-01-01
	config_extra=""
fi

# 5. Planning scenarios: 1,000 draws of each example scenario over every
# place and service (baseline read through DuckDB, model on every core),
# on the default demo region (built by the benchmark, not timed) and on the
# whole region's run.
log "BenchmarkScenario (default region)"
go test -run '^$' -bench '^BenchmarkScenario$' -benchtime 3x ./scenario/ >"$out/scenario.txt"
if [[ $full != 0 ]]; then
	log "BenchmarkScenario (whole region)"
	CARECAST_BENCH_RUN=$full_dir/warehouse/runs/$(cat "$full_dir/warehouse/CURRENT") \
		go test -run '^$' -bench '^BenchmarkScenario$' -benchtime 3x ./scenario/ >"$out/scenario-full.txt"
fi
# best FILE NAME prints the best run of a scenario benchmark, in seconds.
best() { awk -v b="^BenchmarkScenario/$2-[0-9]+$" '$1 ~ b {for (i = 2; i < NF; i++) if ($(i+1) == "best-s") printf "%.2f", $i}' "$1"; }

# The table.
big_ev=${ev[y4]}
cc_rate=$(rate "$big_ev" "$cc_s")
peer_rate=$(rate "$big_ev" "$peer_s")
ratio=$(awk -v a="$cc_rate" -v b="$peer_rate" 'BEGIN{printf "%.2f", a / b}')
# slope ARRAY is the least-squares slope of an RSS array against millions of
# events.
slope() {
	local -n mb=$1
	for k in x1 x2 x4; do echo "${ev[$k]} ${mb[$k]}"; done | awk '
		{x = $1 / 1e6; sx += x; sy += $2; sxx += x * x; sxy += x * $2; n++}
		END{printf "%.1f", (n * sxy - sx * sy) / (n * sxx - sx * sx)}'
}
slope_run=$(slope rss)
slope_extract=$(slope xrss)

table=$out/table.md
{
	echo "| figure | carecast | goal | |"
	echo "|---|---|---|---|"
	echo "| extract throughput, $(printf "%'d" "$big_ev") events ($(printf "%'d" "$(people "$big")") people, 4 years), best of ${BENCH_REPEAT:-3} | $(printf "%'d" "$cc_rate") events/s ($(f1 "$cc_s") s) | | |"
	echo "| DuckDB peer, same region, same run (one COPY), best of ${BENCH_REPEAT:-3} | $(printf "%'d" "$peer_rate") events/s ($(f1 "$peer_s") s) | | |"
	echo "| carecast ÷ DuckDB | ${ratio}× | ≥ 1.5× | $(goal "$ratio >= 1.5") |"
	echo "| pseudonyms per second of one core (HMAC-SHA256; per second of its CPU time, wall-clock in brackets) | $(printf "%'d" "${pseudonyms%.*}") ($(printf "%'d" "${pseudonyms_wall%.*}")) | ≥ 5,000,000 | $(goal "$pseudonyms >= 5e6") |"
	echo "| SQL models, 10 M synthetic events (BenchmarkBuildModels10M) | $models10m s | | |"
	echo "| SQL models on the region (sql_models stage) | $(f1 "$(stage run-y4 sql_models)") s | | |"
	echo "| forecasts of the region's series (forecast stage) | $(f1 "$(stage run-y4 forecast)") s | | |"
	for k in x1 x2 x4; do
		echo "| peak RSS, $(printf "%'d" "${ev[$k]}") events (1 year, each event ${k#x}×): extract / whole run | ${xrss[$k]} MB / ${rss[$k]} MB (run $(f1 "$(wall "run-$k")") s) | | |"
	done
	echo "| peak RSS slope, same people and days, more events: extract | $slope_extract MB per million events | flat | $(goal "$slope_extract < 5") |"
	echo "| peak RSS slope: whole run (DuckDB models included) | $slope_run MB per million events | flat | $(goal "$slope_run < 5") |"
	for y in 2 4; do
		echo "| peak RSS, $(printf "%'d" "${ev[y$y]}") events ($y years of history): extract / whole run | ${xrss[y$y]} MB / ${rss[y$y]} MB (run $(f1 "$(wall "run-y$y")") s) | | |"
	done
	if [[ $full != 0 ]]; then
		fe=$(events "$full_dir")
		fw=$(wall run-full)
		fr=$(rss_mb run-full)
		echo "| whole region, $(printf "%'d" "$(people "$full_dir")") people, $(printf "%'d" "$fe") events: wall time (with the two example scenarios) | $(f1 "$fw") s ($(printf "%'d" "$(rate "$fe" "$fw")") events/s) | < 300 s | $(goal "$fw < 300") |"
		echo "| whole region: peak RSS | $fr MB | < 4096 MB | $(goal "$fr < 4096") |"
	else
		echo "| whole region (scale 1, 1 year) | skipped: BENCH_FULL=0 | < 300 s, < 4 GB | |"
	fi
	for sc in population-only growth-and-mitigation growth-and-mitigation-h20; do
		s=$(best "$out/scenario.txt" "$sc")
		g="| |"
		[[ $sc == growth-and-mitigation ]] && g="| < 10 s | $(goal "$s < 10") |"
		echo "| planning scenario $sc: 1,000 draws, every place and service, default region (scale 0.01), best of 3 | $s s $g"
	done
	if [[ $full != 0 ]]; then
		for sc in population-only growth-and-mitigation growth-and-mitigation-h20; do
			echo "| planning scenario $sc: 1,000 draws, every place and service, whole region, best of 3 | $(best "$out/scenario-full.txt" "$sc") s | | |"
		done
		echo "| whole region's scenarios stage (both examples, manifest) | $(f1 "$(stage run-full scenarios)") s | | |"
	fi
	fhir_table
}>"$table"

cpu_model=$(awk -F': ' '/^model name/{print $2; exit}' /proc/cpuinfo)
mem=$(awk '/^MemTotal/{printf "%.1f GB", $2 / 1048576}' /proc/meminfo)
commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
{
	echo "# Benchmark results"
	echo
	echo "Written by \`make bench\` (bench/run.sh); see docs/scale.md for what the figures mean at England scale."
	echo
	echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC')"
	echo "- commit: $commit$(git diff --quiet HEAD -- . ':!bench/results.md' 2>/dev/null || echo ' (with uncommitted changes)')"
	echo "- machine: $(nproc) CPUs ($cpu_model), $mem memory, $(go version | awk '{print $3}')"
	echo "- load average at the end: $(cut -d' ' -f1-3 /proc/loadavg) (other work on the machine slows every figure)"
	echo "- CPU seconds (user+system): carecast run on the 4-year region $(f1 "$(cpu run-y4)") (the extract is about half), DuckDB peer $(f1 "$(cpu peer-1)")"
	echo
	cat "$table"
	echo
	echo "Stage seconds of the 4-year run (manifest.json durations):"
	echo
	echo '```'
	jq -r '.durations | to_entries[] | "\(.key)\t\(.value)"' "$out/run-y4.manifest.json" | awk -F'\t' '{printf "%-16s %8.1f\n", $1, $2}'
	echo '```'
} >"$root/bench/results.md"
cat "$table"
log "written bench/results.md"
