#!/usr/bin/env bash
# Reproduce the README's results table: held-out simulated test scenes (test-split
# textures, seeds never used for training or validation), two sensor profiles
# ("ideal": EDI's own model of the sensor; "realistic": a sensor drawn per file with
# unknown asymmetric thresholds, mismatch, lag, noise and hot pixels), scored by
# PROTOCOL.md for k = 7 and k = 13. Run from the repository root after `make setup`.
# Usage: bash docs/reproduce_table.sh [ROW...]   (rows: blurry edi edi_best edi_ramp realtime
# realtime_v1 paper realtime_edi realtime_edi_v1 realtime_edi_detail realtime_edi_detail_wide
# realtime_edi_ramp realtime_edi_ramp_ideal realtime_edi_ramp_gate realtime_edi_ramp_odd ablations;
# default: all)
set -euo pipefail
bin=.venv/bin
textures=(camera coffee gravel page chelsea edge_noise)
for profile in ideal realistic; do
  mkdir -p cache/test/$profile
  base=$([ $profile = ideal ] && echo 7000 || echo 7100)
  for i in "${!textures[@]}"; do
    seed=$((base + i)); texture=${textures[$i]}
    out=cache/test/$profile/test_${texture}_seed$seed.h5
    [ -f "$out" ] || $bin/stra-sim --out "$out" --seconds 1.0 --seed $seed --textures test \
      --texture "$texture" --profile $profile
  done
done
score() {  # label, then stra-eval options
  local label=$1; shift
  for profile in ideal realistic; do
    for k in 7 13; do
      $bin/stra-eval --data cache/test/$profile --blur-frames "$k" --json --no-progress "$@" |
        tail -n 1 | python3 -c "import json, sys; d = json.load(sys.stdin); a = d.get('attention', {}); print(f'$label $profile k=$k: PSNR {d[\"psnr\"]:.2f} dB, SSIM {d[\"ssim\"]:.4f}, {d[\"frames\"]} frames' + (f', SFB max/uniform {a[\"sfb_max_over_uniform\"]:.2f} entropy {a[\"sfb_relative_entropy\"]:.3f}' if 'sfb_max_over_uniform' in a else ''))"
    done
  done
}
rows=("$@"); [ ${#rows[@]} -gt 0 ] || rows=(blurry edi edi_best edi_ramp realtime realtime_v1 paper
  realtime_edi realtime_edi_v1 realtime_edi_detail realtime_edi_detail_wide realtime_edi_ramp realtime_edi_ramp_ideal
  realtime_edi_ramp_gate realtime_edi_ramp_odd ablations)
for row in "${rows[@]}"; do
  case $row in
    blurry) score blurry --method blurry ;;
    edi) score "EDI c=0.18" --method edi ;;
    edi_best) score "EDI best c (oracle)" --method edi_best ;;
    edi_ramp) score "EDI c=0.18, events ramped over <= 4 ms" --method edi_ramp ;;
    realtime) score "STRA real-time (slim, CPU default)" --method stra \
      --checkpoint models/weights/stra_realtime.safetensors ;;
    realtime_v1) score "STRA first real-time" --method stra \
      --checkpoint models/weights/ablations/stra_realtime_v1.safetensors ;;
    paper) score "STRA paper (C=32, R=8)" --method stra --checkpoint models/weights/stra_paper.safetensors ;;
    realtime_edi) score "STRA real-time, exact EDI input (cosine attention)" --method stra \
      --checkpoint models/weights/stra_realtime_edi.safetensors ;;
    realtime_edi_detail) score "STRA real-time, detail" --method stra \
      --checkpoint models/weights/stra_realtime_edi_detail.safetensors ;;
    realtime_edi_detail_wide) score "STRA real-time, wide detail (the previous default)" --method stra \
      --checkpoint models/weights/stra_realtime_edi_detail_wide.safetensors ;;
    realtime_edi_ramp) score "STRA real-time, ramped EDI input (the previous default)" --method stra \
      --checkpoint models/weights/stra_realtime_edi_ramp.safetensors ;;
    realtime_edi_ramp_gate) score "STRA real-time, ramped EDI, pixel gate" \
      --method stra --checkpoint models/weights/stra_realtime_edi_ramp_gate.safetensors ;;
    realtime_edi_ramp_odd) score "STRA real-time, pixel gate, odd blur lengths (the default)" \
      --method stra --checkpoint models/weights/stra_realtime_edi_ramp_odd.safetensors ;;
    realtime_edi_ramp_ideal) score "STRA real-time, ramped EDI, ideal-weighted (the previous default)" \
      --method stra --checkpoint models/weights/stra_realtime_edi_ramp_ideal.safetensors ;;
    realtime_edi_v1) score "STRA first EDI-input (trained on sampled EDI channels)" \
      --method stra --checkpoint models/weights/ablations/stra_realtime_edi_v1.safetensors ;;
    ablations)
      for variant in no_tmb no_sfb frames_only; do
        score "real-time v1, $variant (1000 steps)" --method stra \
          --checkpoint models/weights/ablations/stra_realtime_$variant.safetensors
      done ;;
    *) echo "unknown row $row" >&2; exit 2 ;;
  esac
done
