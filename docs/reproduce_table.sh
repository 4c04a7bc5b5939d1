#!/usr/bin/env bash
# Reproduce the README's results table: held-out simulated test scenes (test-split
# textures, seeds never used for training or validation), scored by PROTOCOL.md
# for k = 7 and k = 13. Run from the repository root after `make setup`.
set -euo pipefail
bin=.venv/bin
mkdir -p cache/test
i=0
for texture in camera coffee gravel page chelsea edge_noise; do
  out=cache/test/test_${texture}_seed700$i.h5
  [ -f "$out" ] || $bin/stra-sim --out "$out" --seconds 1.0 --seed 700$i --textures test --texture "$texture"
  i=$((i + 1))
done
score() {  # label, then stra-eval options
  local label=$1; shift
  for k in 7 13; do
    $bin/stra-eval --data cache/test --blur-frames "$k" --json --no-progress "$@" | tail -n 1 |
      python3 -c "import json, sys; d = json.load(sys.stdin); print(f'$label k=$k: PSNR {d[\"psnr\"]:.2f} dB, SSIM {d[\"ssim\"]:.4f}, {d[\"frames\"]} frames')"
  done
}
score blurry --method blurry
score EDI --method edi
score "STRA paper (C=32, R=8)" --method stra --checkpoint models/weights/stra_paper.safetensors
score "STRA real-time" --method stra --checkpoint models/weights/stra_realtime.safetensors
for variant in no_tmb no_sfb frames_only; do
  score "real-time, $variant (1000 steps)" --method stra --checkpoint models/weights/ablations/stra_realtime_$variant.safetensors
done
score "real-time, full (1000 steps)" --method stra --checkpoint models/weights/ablations/stra_realtime_step1000.safetensors
