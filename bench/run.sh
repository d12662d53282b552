#!/usr/bin/env bash
# One command for the whole benchmark suite (quick profile: about 11 minutes on 2 cores, with the
# build).
#
#   bash bench/run.sh                 # quick profile: 3 rounds x 1 fork of the rows that targets
#                                     # compare, 1 fork of the others, short iterations
#   PROFILE=full bash bench/run.sh    # 5 rounds, longer iterations
#   bash bench/run.sh 'WeakRef.*'     # only benchmarks matching a JMH regexp (harnesses by name)
#
# Writes bench/results/: jmh-round*.json and harness-*.json (raw), results.md (the table),
# ratios.json (for `Report --compare`), chart.png. Runs the suite once per round with one fork
# each, so ours and the peers alternate in time on a noisy shared machine; the report takes the
# median over rounds. Adds JMH's perfnorm profiler (cycles/op, instructions/op) when the machine's
# perf can count hardware events, installing Debian's linux-perf if perf is missing.
#
# The JMH rows added without a target (the 50/50 map mix and the sets: 32 forks) run in every round
# of the full profile. The quick one runs them once, with shorter iterations, and only the 14 that
# mirror the 90/10 targets: ours and WeakHashMap on one thread, ours, Guava and Caffeine on two (not
# the synchronized wrappers, ReferenceMap, the ConcurrentHashMap ceiling, the identity variants or
# Guava and Caffeine on one thread). A fork costs about 2.5 s here whatever its iterations; all 32
# in all three rounds would add 4 minutes to a profile of about 11 (under 10 before FreshStream's
# minute). Their figures are a single fork's: read them as indications, and use PROFILE=full for
# figures to quote.
set -euo pipefail
cd "$(dirname "$0")/.."
profile=${PROFILE:-quick}
filter=${1:-.*}
out=bench/results
jar=bench/target/benchmarks.jar

mvn -B -q -ntp -pl bench -am -DskipTests package
mkdir -p "$out"
rm -f "$out"/jmh-*.json "$out"/harness-*.json

if ! command -v perf >/dev/null 2>&1; then
  (apt-get install -y -q linux-perf >/dev/null 2>&1 || true)
fi
prof=()
if command -v perf >/dev/null 2>&1 && perf stat -x, -e cycles,instructions true 2>&1 | grep -qE '^[0-9]+,'; then
  prof=(-prof perfnorm)
  perfnote="cycles/op and instructions/op from perfnorm are in the raw JSON"
else
  perfnote="this machine's perf cannot count hardware events (virtualized): no cycles/op"
fi

# jmh: every other benchmark, each round. extra: the rows added without a target (MapBenchmark at
# readPercent=50, SetBenchmark), in the first extra_rounds rounds, but not those extra_skip matches.
# trials: of the reclaim harnesses (ReclaimThroughput, ReclaimFlow). fresh_stream: FreshStream's
# batches of a million, trials and time cap per stream in seconds (quick: about 90 s in all).
case "$profile" in
  quick) rounds=3; jmh=(-f 1 -wi 2 -w 300ms -i 3 -r 300ms); later_rounds=targets_only
         extra_rounds=1; extra=(-f 1 -wi 1 -w 300ms -i 2 -r 200ms); trials=3
         fresh_stream=(30 1 15)
         extra_skip='|synchronized|[rR]eferenceMap|concurrentHashMap|Identity$|(Map|Set)Benchmark\.(guava|caffeine)'
         extra_note="rows without a target: 1 fork; 50/50 map mix and sets: 14 of their 32 rows, shorter iterations" ;;
  full)  rounds=5; jmh=(-f 1 -wi 3 -w 1s -i 5 -r 1s); later_rounds=all
         extra_rounds=5; extra=("${jmh[@]}"); trials=5; extra_skip=''
         fresh_stream=(40 3 60)
         extra_note="every row in every round" ;;
  *) echo "unknown PROFILE=$profile" >&2; exit 2 ;;
esac
# JMH excludes a benchmark when this finds a match in its name: it matches every name outside
# MapBenchmark and SetBenchmark, and the identity WeakKeyDictionary (the 50/50 mix covers the maps
# of the 90/10 one, not that variant), so the extra runs keep the rest of those classes.
not_extra='^(?!dev\.weakref\.bench\.(MapBenchmark|SetBenchmark)\.)|MapBenchmark\..*Identity$'
# The rows the targets compare (see report/Targets.java). A target is judged on the median of at
# least 3 forks, so these run in every round; in the quick profile the other rows run in round 1
# only (the table shows each row's number of forks).
target_rows='dev\.weakref\.bench\.(MapBenchmark\.(weakKeyDictionary|weakHashMap)|MapBenchmark\.TwoThreads\.(weakKeyDictionary|weakValueDictionary|guavaWeakKeys|guavaWeakValues|caffeineWeakKeys|caffeineWeakValues)|FinalizerBenchmark\.register_(finalizer|cleaner)|ReclaimQueueBenchmark\.register_(reclaimQueue|cleaner)|ProxyBenchmark\..*|WeakRefBenchmark\.(get_raw|get_weakRef|create_raw|shared_weakrefRef|createFresh_weakRef|createFresh_cleaner))'
not_target="^(?!$target_rows\$)"

jmh_run() { # result file, then JMH options
  local file=$1
  shift
  java -jar "$jar" "$filter" "$@" "${prof[@]}" -jvmArgsAppend "-XX:+AlwaysPreTouch -Xms1g -Xmx1g" \
    -rf json -rff "$file" \
    | grep -E '^(Benchmark|[A-Za-z]+Benchmark\.)' || true  # no match for $filter is not an error
}

for round in $(seq 1 "$rounds"); do
  echo "== JMH round $round of $rounds"
  if (( round == 1 )) || [[ "$later_rounds" == all ]]; then
    jmh_run "$out/jmh-round$round.json" "${jmh[@]}" -e 'SetBenchmark' -p readPercent=90
  else
    jmh_run "$out/jmh-round$round.json" "${jmh[@]}" -e 'SetBenchmark' -e "$not_target" -p readPercent=90
  fi
  if (( round <= extra_rounds )); then
    echo "== JMH round $round, rows without a target: 50/50 map mix, sets"
    jmh_run "$out/jmh-round$round-extra.json" "${extra[@]}" -e "$not_extra$extra_skip" -p readPercent=50
  fi
done

# Non-JMH harnesses (Java or Kotlin, named like their file): each writes JMH-shaped JSON with one
# entry per trial.
for src in $(cd bench/src/main && grep -l 'HarnessResults' java/dev/weakref/bench/*.java kotlin/dev/weakref/bench/*.kt 2>/dev/null); do
  name=$(basename "${src%.*}")
  case "$name" in
    ReclaimThroughput | ReclaimFlow) args=("$trials") ;;
    FreshStream) args=("${fresh_stream[@]}") ;;  # its child JVMs are G1 with 1 GiB, as JMH's forks
    *) args=() ;;
  esac
  if [[ "$filter" == ".*" || "$name" =~ $filter ]]; then
    echo "== harness $name"
    java -XX:+UseSerialGC -XX:MarkSweepDeadRatio=0 -Xmx2g -cp "$jar" "dev.weakref.bench.$name" \
      "$out/harness-$name.json" "${args[@]}"
  fi
done

header="Run $(date -u +%Y-%m-%d) on $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB, $(java -version 2>&1 | head -1); profile $profile ($rounds rounds x 1 fork; $extra_note); $perfnote."
# An invocation that matched nothing leaves an empty file (or none): pass the others.
java -Djava.awt.headless=true -cp "$jar" dev.weakref.bench.report.Report --out "$out" --header "$header" \
  $(find "$out" -maxdepth 1 \( -name 'jmh-*.json' -o -name 'harness-*.json' \) -size +0 | sort) > /dev/null
echo "wrote $out/results.md, $out/ratios.json, $out/chart.png"
# bench/README.md shows the last whole run: a run of the whole suite rewrites what stands between
# its results markers from results.md (a filtered run leaves the README alone).
# Both markers must be there: without the end one, awk would drop the rest of the README.
if [[ "$filter" == ".*" ]] && grep -q '<!-- results:begin' bench/README.md \
    && grep -q '<!-- results:end -->' bench/README.md; then
  awk -v f="$out/results.md" '
    /<!-- results:begin/ { print; while ((getline l < f) > 0) { sub(/^### /, "#### ", l); print l }; skip = 1; next }
    /<!-- results:end -->/ { skip = 0 }
    !skip' bench/README.md > bench/README.md.new && mv bench/README.md.new bench/README.md
  echo "updated the results in bench/README.md"
fi
echo "compare with an earlier run: java -cp $jar dev.weakref.bench.report.Report --compare OLD/ratios.json $out/ratios.json"
