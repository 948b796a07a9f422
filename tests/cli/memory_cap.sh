#!/bin/sh
# --max-memory: a session that needs more than the cap is refused at once
# with a message naming memory and the cap (exit 1); one that fits runs; a
# bad size is a usage error. Batch 0 runs to an empty output.
# Usage: memory_cap.sh ONNXRUN DATA WORKDIR
set -u
. "$(dirname "$0")/lib.sh"
setup "$@"
model="$(dirname "$0")/../../models/dwsep_32x64_64x64/model.onnx"

run "$ONNXRUN" --max-memory 1G "$model"
expect_rc 0 "--max-memory 1G"
expect_in out "1x64x64x64" "--max-memory 1G"
run "$ONNXRUN" --max-memory 1M "$model"
expect_rc 1 "--max-memory 1M"
expect_in err "memory cap" "--max-memory 1M"
expect_in err "needs" "--max-memory 1M"
run "$ONNXRUN" --max-memory 100K "$model"
expect_rc 1 "--max-memory 100K (below the input)"
expect_in err "the inputs need" "--max-memory 100K"
run "$ONNXRUN" --max-memory 12Q "$model"
expect_rc 2 "--max-memory 12Q"
expect_in err "bad size" "--max-memory 12Q"
run "$ONNXRUN" --max-memory 0 "$model"
expect_rc 0 "--max-memory 0 (no cap)"
finish
