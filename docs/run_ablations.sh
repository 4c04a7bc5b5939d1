#!/usr/bin/env bash
# The matched-budget ablations of a network: `edi` (the stem-2 EDI-input network,
# configs/train_ablation_edi.yaml, the default), `detail` (the detail network,
# configs/train_ablation_detail.yaml), `wide` (the wide network,
# configs/train_ablation_wide.yaml), `ramp` (the ramped-EDI network,
# configs/train_ablation_ramp.yaml), `gate` (the pixel-gated network,
# configs/train_ablation_gate.yaml) or `odd` (the shipped default, its layers trained on
# odd blur lengths, configs/train_ablation_odd.yaml): four variants x two seeds, two runs at a time (one
# torch thread each; a 2-core laptop took 65-75 minutes for `edi`), logs beside the runs;
# a finished run is skipped. Then: .venv/bin/python docs/ablation_table.py --runs runs/ablation_<name>
set -euo pipefail
cd "$(dirname "$0")/.."
name=${1:-edi}
config=configs/train_ablation_$name.yaml
[ -f "$config" ] || { echo "no $config (use edi, detail, wide, ramp, gate or odd)" >&2; exit 2; }
out=runs/ablation_$name
mkdir -p "$out"

train() {  # name seed [--without part]
    local name=$1 seed=$2; shift 2
    if [ -f "$out/${name}_$seed/best.safetensors" ]; then return; fi
    .venv/bin/stra-train --config "$config" --seed "$seed" "$@" \
        --out "$out/${name}_$seed" > "$out/${name}_$seed.log" 2>&1
}

for seed in 1 2; do
    train full "$seed" & train no_sfb "$seed" --without sfb & wait
    train no_tmb "$seed" --without tmb & train frames_only "$seed" --without events & wait
done
