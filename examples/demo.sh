#!/usr/bin/env bash
# `make demo`: copy the sample service into a fresh git repository with two commits (so there
# is a real diff and history), run the whole pipeline there on the embedded defaults, and say
# where the outputs are.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cipipe=${CIPIPE:-$root/.venv/bin/cipipe}
demo=${CIPIPE_DEMO_DIR:-$root/demo}
repo=$demo/sample-service
out=$demo/out

rm -rf "$demo"
mkdir -p "$repo"
(cd "$root/examples/sample-service" && tar --exclude=./build -cf - .) | tar -xf - -C "$repo"

git_in_repo() {
  git -C "$repo" -c user.name="Demo Developer" -c user.email="demo@example.com" \
    -c commit.gpgsign=false "$@"
}
git_in_repo init -q -b main
# First commit: the service without its telemetry contract; the second adds it, so the demo
# has a change to look at.
git_in_repo add -A -- . ':!telemetry'
git_in_repo commit -q -m "Add sample service"
git_in_repo add -A
git_in_repo commit -q -m "Add the telemetry contract"

echo "demo repository: $repo (2 commits)"
status=0
CIPIPE_OSV_DB="$root/examples/osv-db" CIPIPE_POLICY="$root/policies" \
  "$cipipe" --workdir "$out" run --repo "$repo" || status=$?
if [ "$status" -eq 0 ]; then
  echo
  "$cipipe" --workdir "$out" explain
fi
# The release dashboard from the history store the run filled (static HTML, no network).
CIPIPE_POLICY="$root/policies" "$cipipe" --workdir "$out" dashboard --out "$demo/dashboard" >/dev/null

echo
echo "outputs in $out:"
ls -1 "$out" | grep -v '^\.' | sed 's/^/  /'
if [ -d "$demo/cipipe-store" ]; then
  echo "candidates (the local artifact store) in $demo/cipipe-store/candidates"
fi
# Learning from history (seed Step 3 E, I), on a synthetic labelled history: how the heuristic
# would have done, proposed bucket edges, and a candidate model in a registry.
history=$demo/history.csv
"$(dirname "$cipipe")/python" "$root/examples/history/generate.py" "$history"
CIPIPE_POLICY="$root/policies" "$cipipe" --workdir "$out" backtest --history "$history" \
  --label failed --time time --id release --tune --report "$demo/backtest" >/dev/null
"$cipipe" --workdir "$out" model train --history "$history" --label failed --time time \
  --id release --out "$demo/models" | tail -n 1

# The learning loop on a labelled synthetic history in a store of its own (never the developer's
# nor the run's above): four months of three services, every build marked source=synthetic, so
# the dashboard, shadow report, backtest and policy diff show real-looking figures, each under
# the banner "synthetic history (cipipe history seed): figures are illustrative".
synthetic=$demo/synthetic
seeded_db=$synthetic/history.sqlite3
seeded() { CIPIPE_POLICY="$root/policies" "$cipipe" --workdir "$synthetic/out" "$@"; }
seeded history seed --synthetic --db "$seeded_db"
seeded dashboard --db "$seeded_db" --out "$synthetic/dashboard" >/dev/null
seeded shadow report --db "$seeded_db" >"$synthetic/shadow-report.txt"
seeded backtest --from-db --db "$seeded_db" --report "$synthetic/backtest" >/dev/null
# policy diff against a copy of the policy whose blue-green bucket starts 15 points lower.
moved=$synthetic/policy-edge-moved
cp -R "$root/policies" "$moved"
"$(dirname "$cipipe")/python" - "$moved/strategy-mapping-policy.yaml" <<'MOVE'
import sys

import yaml

path = sys.argv[1]
with open(path, encoding="utf-8") as handle:
    mapping = yaml.safe_load(handle)
canary, blue_green = mapping["buckets"][-2:]
canary["max"] -= 15
blue_green["min"] -= 15
with open(path, "w", encoding="utf-8") as handle:
    yaml.safe_dump(mapping, handle, sort_keys=False)
MOVE
seeded policy diff "$root/policies" "$moved" --from-db --db "$seeded_db"
# model compare: a model of every store feature against one that knew only the change's size,
# both trained on the seeded store, scored on its newest outcomes (what `model promote` asks for).
models=$synthetic/models
current=$(seeded model train --from-db --db "$seeded_db" --out "$models" \
  --features loc_changed,files_changed 2>/dev/null | tail -n 1)
candidate=$(seeded model train --from-db --db "$seeded_db" --out "$models" 2>/dev/null | tail -n 1)
seeded model compare "$candidate" "$current" --from-db --db "$seeded_db" --registry "$models" \
  | head -n 3
head -n 8 "$synthetic/shadow-report.txt"

echo
echo "dashboard: $demo/dashboard/index.html"
echo "backtest of the heuristic: $demo/backtest/report.md (proposal in $demo/backtest/proposal)"
echo "model registry: $demo/models (cipipe model list --registry $demo/models)"
echo "audit log of decisions: $demo/cipipe-history.sqlite3, anchored in $demo/cipipe-store (cipipe --workdir $out audit verify)"
echo "synthetic history (illustrative): $seeded_db"
echo "  its dashboard: $synthetic/dashboard/index.html"
echo "  shadow report: $synthetic/shadow-report.txt"
echo "  backtest --from-db: $synthetic/backtest/report.md ($synthetic/out/backtest.json)"
echo "  policy diff (blue-green 15 points lower, $moved): $synthetic/out/policy-diff.md"
echo "  model compare ($candidate against $current): $synthetic/out/model-compare.md"
exit $status
