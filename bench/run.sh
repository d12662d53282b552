#!/usr/bin/env bash
# One command for the whole benchmark suite (quick profile: under 10 minutes on 2 cores).
#
#   bash bench/run.sh                 # quick profile: 3 rounds x 1 fork, short iterations
#   PROFILE=full bash bench/run.sh    # 5 rounds, longer iterations
#   bash bench/run.sh 'WeakRef.*'     # only benchmarks matching a JMH regexp
#
# Writes bench/results/: jmh-round*.json and harness-*.json (raw), results.md (the table),
# ratios.json (for `Report --compare`), chart.png. Runs the suite once per round with one fork
# each, so ours and the peers alternate in time on a noisy shared machine; the report takes the
# median over rounds. Adds JMH's perfnorm profiler (cycles/op, instructions/op) when the machine's
# perf can count hardware events, installing Debian's linux-perf if perf is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
profile=${PROFILE:-quick}
filter=${1:-.*}
out=bench/results
jar=bench/target/benchmarks.jar

mvn -B -q -ntp -pl bench -am -DskipTests package
mkdir -p "$out"
rm -f "$out"/jmh-round*.json "$out"/harness-*.json

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

case "$profile" in
  quick) rounds=3; jmh=(-f 1 -wi 2 -w 300ms -i 3 -r 300ms) ;;
  full)  rounds=5; jmh=(-f 1 -wi 3 -w 1s -i 5 -r 1s) ;;
  *) echo "unknown PROFILE=$profile" >&2; exit 2 ;;
esac

for round in $(seq 1 "$rounds"); do
  echo "== JMH round $round of $rounds"
  java -jar "$jar" "$filter" "${jmh[@]}" "${prof[@]}" -jvmArgsAppend "-XX:+AlwaysPreTouch -Xms1g -Xmx1g" \
    -rf json -rff "$out/jmh-round$round.json" \
    | grep -E '^(Benchmark|[A-Za-z]+Benchmark\.)' || true
done

# Non-JMH harnesses: each writes JMH-shaped JSON with one entry per trial.
for harness in $(cd bench/src/main/java && grep -rl 'HarnessResults' dev/weakref/bench/*.java 2>/dev/null | sed 's#/#.#g; s#\.java$##'); do
  name=${harness##*.}
  if [[ "$filter" == ".*" || "$name" =~ $filter ]]; then
    echo "== harness $name"
    java -XX:+UseSerialGC -XX:MarkSweepDeadRatio=0 -Xmx2g -cp "$jar" "$harness" "$out/harness-$name.json"
  fi
done

header="Run $(date -u +%Y-%m-%d) on $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB, $(java -version 2>&1 | head -1); profile $profile ($rounds rounds x 1 fork); $perfnote."
java -Djava.awt.headless=true -cp "$jar" dev.weakref.bench.report.Report --out "$out" --header "$header" \
  "$out"/jmh-round*.json $(ls "$out"/harness-*.json 2>/dev/null || true) > /dev/null
echo "wrote $out/results.md, $out/ratios.json, $out/chart.png"
echo "compare with an earlier run: java -cp $jar dev.weakref.bench.report.Report --compare OLD/ratios.json $out/ratios.json"
