#!/usr/bin/env python3
"""Writes an ONNX fixture with its weights put back: every initializer whose data was stripped gets zeros of
its full size, so that the file is as large as the exported model (VGG16: 553 MB). For bench/run.sh, which
times netcalc on the inflated file next to the stripped one (the same graph): a model file should cost what
its graph costs, not what its weights weigh. Needs the `onnx` package; not part of CI.

    python3 tools/inflate_onnx.py IN.onnx OUT.onnx
"""
import sys
import numpy as np
import onnx
from onnx import numpy_helper

def main(source, target):
    model = onnx.load(source, load_external_data=False)
    for index, tensor in enumerate(model.graph.initializer):
        if tensor.raw_data or tensor.float_data or tensor.int64_data or tensor.int32_data or tensor.double_data:
            continue
        dtype = onnx.helper.tensor_dtype_to_np_dtype(tensor.data_type)
        zeros = numpy_helper.from_array(np.zeros(tuple(tensor.dims), dtype=dtype), tensor.name)
        model.graph.initializer[index].CopyFrom(zeros)
    onnx.save(model, target)

if __name__ == "__main__":
    main(*sys.argv[1:3])
