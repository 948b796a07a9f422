"""The models tools/bench/compare times, exported as ONNX test-case folders,
and the PyTorch modules they came from.

Every model is built from a fixed seed, so the module that PyTorch times has
exactly the weights that were exported:
- the notebook's two models come from models/export.py (its build() with the
  seed that case has there: the folders are the same as the stored
  models/dwsep_32x64_64x64 and models/classic_32x64_64x64);
- the networks come from models/zoo.py (build(name, 224, seed) and its input
  generator), as `zoo.py --opsets 13 --batches B` would write them.
A folder already in the cache is reused; the module is rebuilt each time.
"""
import os
import sys
from dataclasses import dataclass

import numpy as np
import onnx
import onnx.numpy_helper
import torch

MODELS_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "models")
sys.path.insert(0, os.path.abspath(MODELS_DIR))
import export  # noqa: E402  models/export.py: the notebook's classes
import zoo  # noqa: E402  models/zoo.py: the torchvision families

OPSET = 13
SEED = 0


@dataclass
class Spec:
    key: str          # the name given to --models
    source: str       # "notebook" or "zoo"
    name: str         # export.py case name or zoo.py builder name
    batch: int
    label: str        # shown in the table


SPECS = [
    Spec("dwsep", "notebook", "dwsep_32x64_64x64", 1, "notebook block 1x32x64x64->64"),
    Spec("classic", "notebook", "classic_32x64_64x64", 1, "ClassicCNN 1x32x64x64->64"),
    Spec("mobilenet_v1", "zoo", "mobilenet_v1", 1, "MobileNetV1-style"),
    Spec("mobilenet_v2", "zoo", "mobilenet_v2", 1, "MobileNetV2"),
    Spec("mobilenet_v2_b8", "zoo", "mobilenet_v2", 8, "MobileNetV2"),
    Spec("mobilenet_v3_small", "zoo", "mobilenet_v3_small", 1, "MobileNetV3-Small"),
    Spec("mobilenet_v3_large", "zoo", "mobilenet_v3_large", 1, "MobileNetV3-Large"),
    Spec("mnasnet1_0", "zoo", "mnasnet1_0", 1, "MNASNet 1.0"),
    Spec("efficientnet_b0", "zoo", "efficientnet_b0", 1, "EfficientNet-B0"),
    Spec("kws1d", "zoo", "kws1d", 1, "1-D keyword spotter 1x40x101"),
    Spec("lraspp", "zoo", "lraspp_mobilenet_v3_large", 1, "LR-ASPP MobileNetV3 (Resize)"),
    Spec("sep_unet", "zoo", "sep_unet", 1, "separable U-Net (ConvTranspose)"),
    Spec("sep3d", "zoo", "sep3d", 1, "3-D separable video 1x3x8x56x56"),
]
BY_KEY = {s.key: s for s in SPECS}


@dataclass
class Prepared:
    spec: Spec
    folder: str           # holds model.onnx and test_data_set_0/
    model_path: str
    input_pb: str         # the input as a TensorProto (onnxrun reads it)
    input_name: str
    x: np.ndarray         # the input
    ref: np.ndarray       # PyTorch's eager output, the reference
    module: torch.nn.Module  # the eager module, in eval mode


def _notebook(spec, cache):
    index = [c[0] for c in export.CASES].index(spec.name)
    _, cls, kwargs, shape = export.CASES[index]
    model, x = export.build(cls, kwargs, shape, SEED + 100 * index)
    folder = os.path.join(cache, spec.name)
    if not os.path.isfile(os.path.join(folder, "model.onnx")):
        export.write_case(cache, spec.name, model, x, False, OPSET)
    return model, x, folder


def _zoo(spec, cache):
    model = zoo.build(spec.name, 224, SEED)
    gen = torch.Generator().manual_seed(SEED + 100 + spec.batch)
    x = torch.randn(*zoo.input_shape(spec.name, spec.batch, 224), generator=gen)
    folder = os.path.join(cache, f"{spec.name}_op{OPSET}_b{spec.batch}")
    if not os.path.isfile(os.path.join(folder, "model.onnx")):
        zoo.save_case(folder, model, x, OPSET, False)
    return model, x, folder


def prepare(spec, cache):
    """Exports spec into cache (unless there already) and returns Prepared."""
    os.makedirs(cache, exist_ok=True)
    torch.manual_seed(SEED)
    model, x, folder = (_notebook if spec.source == "notebook" else _zoo)(spec, cache)
    model.eval()
    model_path = os.path.join(folder, "model.onnx")
    input_pb = os.path.join(folder, "test_data_set_0", "input_0.pb")
    stored = onnx.numpy_helper.to_array(onnx.load_tensor(input_pb))
    if not np.array_equal(stored, x.numpy()):
        raise RuntimeError(f"{folder}: stored input differs from the rebuilt one; "
                           f"delete the folder to export it again")
    with torch.no_grad():
        ref = model(x).numpy()
    graph_input = onnx.load(model_path, load_external_data=False).graph.input[0].name
    return Prepared(spec, folder, model_path, input_pb, graph_input, x.numpy(), ref, model)
