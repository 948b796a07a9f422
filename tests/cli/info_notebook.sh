#!/bin/sh
# --info on the notebook's block (models/dwsep_32x64_64x64) in the default
# configuration, where the optimisation passes fuse the depthwise and
# pointwise Convs into one node: the report of the model as loaded and the
# separable-pair comparison must still be there, with the figures of the
# two Convs as the file has them (and the same with --no-opt).
# Usage: info_notebook.sh ONNXRUN DATA WORKDIR
set -u
. "$(dirname "$0")/lib.sh"
setup "$@"
MODEL="$(dirname "$0")/../../models/dwsep_32x64_64x64/model.onnx"
[ -f "$MODEL" ] || { echo "FAIL: $MODEL missing"; exit 1; }

loaded="model as loaded (before the optimisation passes): 3 nodes, 9,568,256 MACs, 2,400 weights"
conv="  Conv                    2 nodes        9,568,256 MACs        2,400 weights"
pair="separable pair: depthwise 3x3 (288 weights) + pointwise 1x1 (2,048 weights) = 2,336 weights, 9,568,256 MACs; one standard 3x3 conv 32->64: 18,432 weights, 75,497,472 MACs; saving 18,432/2,336 = 7.9x"
for opt in "" --no-opt; do
    what="--info $opt on the notebook block"
    run "$ONNXRUN" --info $opt "$MODEL"
    expect_rc 0 "$what"
    expect_in out "$loaded" "$what"
    expect_in out "$conv" "$what"
    expect_in out "$pair" "$what"
    expect_in out "[/depthwise/Conv + /pointwise/Conv]" "$what"
done
# Where the passes fuse the pair (x86 with AVX2 or AVX-512), the figures
# above cannot have come from the executed graph.
run "$ONNXRUN" --info "$MODEL"
expect_in out "after optimisation:" "--info on the notebook block"
grep -q "^after optimisation:.*Conv 1[,)]" "$WORK/stdout.txt" ||
    echo "note: the passes did not fuse the pair on this machine"
finish
