#!/usr/bin/env bash
# Trains the Red Wine model for N epochs (default 100) with Strata and with the PyTorch reference
# on this machine, one after the other, and prints wall time and best validation MAE for both
# with the Strata / PyTorch time ratio. Needs ../shared/bench/torch_reference.py and python3-torch.
set -euo pipefail
cd "$(dirname "$0")/.."
epochs=${1:-100}
reference=${REFERENCE:-../shared/bench/torch_reference.py}
dotnet build src/Strata.Cli -c Release -v quiet -nologo >/dev/null
out=$(mktemp -d)

start=$(date +%s.%N)
dotnet run --project src/Strata.Cli -c Release --no-build -- train examples/red-wine.json --epochs "$epochs" --out "$out" >"$out/log"
strata_s=$(echo "$(date +%s.%N) - $start" | bc)
strata_mae=$(tail -n +2 "$out/history.csv" | cut -d, -f3 | sort -g | head -1)

start=$(date +%s.%N)
torch_json=$(/usr/bin/python3 "$reference" redwine --epochs "$epochs")
torch_s=$(echo "$(date +%s.%N) - $start" | bc)
torch_mae=$(echo "$torch_json" | python3 -c 'import json,sys; print(json.load(sys.stdin)["best_val_mae"])')

printf '%-8s %12s %14s\n' engine "wall s" "best val MAE"
printf '%-8s %12.1f %14.4f\n' strata "$strata_s" "$strata_mae"
printf '%-8s %12.1f %14.4f\n' pytorch "$torch_s" "$torch_mae"
printf 'time ratio strata/pytorch: %.2f\n' "$(echo "$strata_s / $torch_s" | bc -l)"
rm -rf "$out"
