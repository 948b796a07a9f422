"""onnxrun from Python, with onnxruntime's interface.

A script written for onnxruntime runs after ``import onnxrun as ort``:

    import numpy as np, onnxrun as ort
    sess = ort.InferenceSession("model.onnx")
    x = np.random.rand(*[d if isinstance(d, int) else 1 for d in sess.get_inputs()[0].shape])
    y, = sess.run(None, {sess.get_inputs()[0].name: x.astype(np.float32)})

Pure Python over libonnxrun.so (ctypes), numpy arrays in and out.
C-contiguous inputs of the model's dtype are read in place, not copied;
outputs are new arrays, allocated before the run from the shapes the
session is prepared for and written by the library itself (no copy; a
model with inputs whose values decide shapes, such as a Reshape's shape,
has its outputs copied out after the run). Errors raise an exception (a subclass of
OnnxRunError, named as onnxruntime's) whose text is the library's message.
What onnxruntime has and onnxrun does not: execution providers other than
CPUExecutionProvider (asked for, they are ignored with a warning),
inter-op parallelism, custom ops, IO binding, sequence/map types.
"""
import ctypes
import enum
import json
import os
import threading
import time
import warnings

import numpy as np

from ._capi import Error as _Error, SessionOptions as _COptions, TensorRef as _TensorRef, lib as _lib
from ._capi import data_address as _data_address, run_into_unchecked as _run_into

_run = _lib.onr_session_run

__all__ = ["InferenceSession", "SessionOptions", "RunOptions", "GraphOptimizationLevel",
           "ExecutionMode", "NodeArg", "get_available_providers", "get_device",
           "OnnxRunError", "Fail", "InvalidArgument", "NoSuchFile", "InvalidProtobuf",
           "InvalidGraph", "NotImplemented", "RuntimeException", "__version__"]

__version__ = _lib.onr_version().decode()


# ---- errors: onnxruntime's exception names, one per enum onr_status ----
class OnnxRunError(RuntimeError):
    """An onnxrun call failed; str() is the library's message."""


class Fail(OnnxRunError):
    pass


class InvalidArgument(OnnxRunError):
    pass


class NoSuchFile(OnnxRunError):
    pass


class InvalidProtobuf(OnnxRunError):
    pass


class InvalidGraph(OnnxRunError):
    pass


class NotImplemented(OnnxRunError):  # noqa: A001 (onnxruntime's name)
    pass


class RuntimeException(OnnxRunError):
    pass


# enum onr_status -> exception class
_STATUS_ERRORS = {1: InvalidArgument, 2: NoSuchFile, 3: InvalidProtobuf, 4: InvalidGraph,
                  5: NotImplemented, 6: InvalidArgument, 7: RuntimeException, 8: Fail}


def _check(status, err, what=None):
    if status == 0:
        return
    name = _lib.onr_status_name(status).decode()
    message = err.message.decode(errors="replace") if err is not None else ""
    text = "[onnxrun %s] %s%s" % (name, what + ": " if what else "", message or name)
    raise _STATUS_ERRORS.get(status, Fail)(text)


# ---- types ----
# ONNX TensorProto.DataType -> (numpy dtype, onnxruntime's type string)
_DTYPES = {1: (np.float32, "tensor(float)"), 2: (np.uint8, "tensor(uint8)"),
           3: (np.int8, "tensor(int8)"), 4: (np.uint16, "tensor(uint16)"),
           5: (np.int16, "tensor(int16)"), 6: (np.int32, "tensor(int32)"),
           7: (np.int64, "tensor(int64)"), 8: (np.object_, "tensor(string)"),
           9: (np.bool_, "tensor(bool)"), 10: (np.float16, "tensor(float16)"),
           11: (np.float64, "tensor(double)"), 12: (np.uint32, "tensor(uint32)"),
           13: (np.uint64, "tensor(uint64)")}


class GraphOptimizationLevel(enum.IntEnum):
    """onnxruntime's levels; values are enum onr_optimization_level's."""
    ORT_DISABLE_ALL = 0
    ORT_ENABLE_BASIC = 1
    ORT_ENABLE_EXTENDED = 2
    ORT_ENABLE_ALL = 99


class ExecutionMode(enum.IntEnum):
    ORT_SEQUENTIAL = 0
    ORT_PARALLEL = 1  # accepted; nodes still run one after another


class SessionOptions:
    """The options onnxrun uses: intra_op_num_threads (0: all cores),
    graph_optimization_level, enable_profiling and profile_file_prefix.
    The others onnxruntime scripts commonly set are accepted and ignored."""

    def __init__(self):
        self.intra_op_num_threads = 0
        self.inter_op_num_threads = 0
        self.graph_optimization_level = GraphOptimizationLevel.ORT_ENABLE_ALL
        self.enable_profiling = False
        self.profile_file_prefix = "onnxrun_profile_"
        self.execution_mode = ExecutionMode.ORT_SEQUENTIAL
        self.log_severity_level = 2
        self.log_verbosity_level = 0
        self.logid = ""
        self.optimized_model_filepath = ""
        self.enable_cpu_mem_arena = True
        self.enable_mem_pattern = True
        self.use_deterministic_compute = True  # onnxrun always is
        self._config = {}

    def add_session_config_entry(self, key, value):
        self._config[str(key)] = str(value)

    def get_session_config_entry(self, key):
        return self._config[str(key)]


class RunOptions:
    """Accepted for onnxruntime's signature; onnxrun reads none of it."""

    def __init__(self):
        self.log_severity_level = 2
        self.log_verbosity_level = 0
        self.logid = ""
        self.run_tag = ""
        self.terminate = False


class NodeArg:
    """An input or output: name, shape (ints; symbolic dims as their names,
    None where unnamed) and type ('tensor(float)')."""

    def __init__(self, name, shape, type):
        self.name = name
        self.shape = shape
        self.type = type

    def __repr__(self):
        return "NodeArg(name=%r, type=%r, shape=%r)" % (self.name, self.type, self.shape)


def get_available_providers():
    return ["CPUExecutionProvider"]


def get_all_providers():
    return ["CPUExecutionProvider"]


def get_device():
    return "CPU"


# From this size on, an output array is allocated 64-byte aligned (numpy's
# are 16), so the node computing it writes it in place; below, the
# library's copy at the end of the run costs less than aligning.
_DIRECT_MIN_BYTES = 16384


def _aligned_empty(shape, dtype, nbytes):
    buf = np.empty(nbytes + 63, np.uint8)
    return np.ndarray(shape, dtype, buf, -_data_address(buf) % 64)


def _node_arg(desc, dim_param):
    if desc.rank < 0:
        shape = []
    else:
        shape = []
        for d in range(desc.rank):
            if desc.dims[d] >= 0:
                shape.append(int(desc.dims[d]))
            else:
                p = dim_param(d)
                shape.append(p.decode() if p else None)
    typ = _DTYPES.get(desc.dtype, (None, "tensor(undefined)"))[1]
    return NodeArg(desc.name.decode(), shape, typ)


class InferenceSession:
    """A model ready to run on the CPU. path_or_bytes: a file name or the
    model's bytes. The session is prepared for the input shapes the model
    declares (symbolic dims as 1); a run with other shapes re-plans it
    first (onr_session_reshape), so alternating shapes costs a re-plan each
    time. Threads may share a session, as with onnxruntime: its runs take
    turns. Sessions run in parallel threads (ctypes releases the GIL
    during a run), one model file loaded by each."""

    def __init__(self, path_or_bytes, sess_options=None, providers=None, provider_options=None,
                 **kwargs):
        self._model = ctypes.c_void_p()
        self._session = ctypes.c_void_p()
        self._options = sess_options if sess_options is not None else SessionOptions()
        self._check_providers(providers)
        err = _Error()
        if isinstance(path_or_bytes, (bytes, bytearray, memoryview)):
            data = bytes(path_or_bytes)
            self._model_path = None
            _check(_lib.onr_model_load_buffer(data, len(data), ctypes.byref(self._model),
                                              ctypes.byref(err)), err, "model bytes")
        else:
            path = os.fspath(path_or_bytes)
            self._model_path = path
            _check(_lib.onr_model_load_file(os.fsencode(path), ctypes.byref(self._model),
                                            ctypes.byref(err)), err, path)
        m = self._model
        self._inputs = []
        for i in range(_lib.onr_model_input_count(m)):
            desc = _TensorRef()
            _check(_lib.onr_model_input(m, i, ctypes.byref(desc)), None, "input %d" % i)
            self._inputs.append(_node_arg(desc, lambda d, i=i: _lib.onr_model_input_dim_param(m, i, d)))
        self._outputs = []
        for i in range(_lib.onr_model_output_count(m)):
            desc = _TensorRef()
            _check(_lib.onr_model_output(m, i, ctypes.byref(desc)), None, "output %d" % i)
            self._outputs.append(_node_arg(desc, lambda d, i=i: _lib.onr_model_output_dim_param(m, i, d)))
        self._input_dtypes = []
        for i in range(len(self._inputs)):
            desc = _TensorRef()
            _lib.onr_model_input(m, i, ctypes.byref(desc))
            self._input_dtypes.append(desc.dtype)
        self._output_index = {o.name: i for i, o in enumerate(self._outputs)}

        opt = _COptions()
        _lib.onr_session_options_init_sized(ctypes.byref(opt), ctypes.sizeof(opt))
        threads = int(self._options.intra_op_num_threads or 0)
        if threads < 0:
            raise InvalidArgument("[onnxrun INVALID_ARGUMENT] intra_op_num_threads %d is negative"
                                  % threads)
        opt.threads = threads
        opt.passes = _lib.onr_optimization_passes(int(self._options.graph_optimization_level))
        opt.fixed_shapes = 1  # a new shape is re-planned by run() explicitly
        _check(_lib.onr_session_create(m, ctypes.byref(opt), ctypes.byref(self._session),
                                       ctypes.byref(err)), err, "creating the session")
        self._shapes = []  # the shapes the session is prepared for
        for i in range(len(self._inputs)):
            desc = _TensorRef()
            _lib.onr_session_input(self._session, i, ctypes.byref(desc))
            self._shapes.append(tuple(desc.dims[:desc.rank]))
        self._refs = (_TensorRef * max(1, len(self._inputs)))()
        for i, dtype in enumerate(self._input_dtypes):
            self._refs[i].name = None  # by position: ref i is the model's input i
            self._refs[i].dtype = dtype
            self._refs[i].rank = -1
        self._ref_items = [self._refs[i] for i in range(len(self._inputs))]  # views, made once
        self._ref_shapes = [None] * len(self._inputs)  # the shapes in self._refs
        self._input_names = [a.name for a in self._inputs]
        self._input_np = [None if _DTYPES.get(d, (None,))[0] in (None, np.object_)
                          else np.dtype(_DTYPES[d][0]) for d in self._input_dtypes]
        self._err = _Error()
        self._err_ref = ctypes.byref(self._err)
        self._out = _TensorRef()
        # run()'s output lists: all outputs, and those named, by the tuple of names.
        self._all_outputs = self._output_plan(range(len(self._outputs)))
        self._plans = {}
        n_out = self._n_outputs = len(self._outputs)
        # Outputs are written by the library into arrays allocated before
        # the run, from their shapes, which the plan knows. Not so where an
        # input carries values that decide shapes (Reshape's shape, Resize's
        # scales): the library re-plans for new values inside the run, and
        # defers the session's first prepare to the first run.
        self._preallocate = n_out == 0 or _lib.onr_session_output(
            self._session, 0, ctypes.byref(self._out)) == 0
        self._n_inputs = len(self._inputs)
        # onr_session_run_into's arrays: the buffer of each output for the
        # next run (NULL where not asked for), and their sizes.
        self._out_ptrs = (ctypes.c_void_p * max(1, n_out))()
        self._out_sizes = (ctypes.c_size_t * max(1, n_out))()
        self._ptr_plan = None  # the plan whose outputs _out_ptrs may hold
        self._out_meta = self._output_meta()
        self._lock = threading.Lock()
        self._profiling = bool(self._options.enable_profiling)
        self._profile_events = []
        self._profile_start = time.time()
        if self._profiling:
            _lib.onr_session_set_profiling(self._session, 1)

    @staticmethod
    def _check_providers(providers):
        for p in providers or []:
            name = p[0] if isinstance(p, (tuple, list)) else p
            if name != "CPUExecutionProvider":
                warnings.warn("onnxrun: execution provider %r is not available; running on the CPU"
                              % (name,))

    def __del__(self):
        s, m = getattr(self, "_session", None), getattr(self, "_model", None)
        if s:
            _lib.onr_session_free(s)
            self._session = None
        if m:
            _lib.onr_model_free(m)
            self._model = None

    def get_inputs(self):
        return list(self._inputs)

    def get_outputs(self):
        return list(self._outputs)

    def get_overridable_initializers(self):
        return []

    def get_providers(self):
        return ["CPUExecutionProvider"]

    def get_provider_options(self):
        return {"CPUExecutionProvider": {}}

    def get_session_options(self):
        return self._options

    def set_providers(self, providers=None, provider_options=None):
        self._check_providers(providers)

    # ---- run(), and what it keeps from one call to the next ----
    @staticmethod
    def _output_plan(indices):
        """(distinct output indices in order, their set, and for each name
        asked its position in the first, or None when no name repeats)."""
        indices = tuple(indices)
        distinct = tuple(dict.fromkeys(indices))
        order = None if len(distinct) == len(indices) else tuple(distinct.index(k) for k in indices)
        return distinct, frozenset(distinct), order

    def _named_plan(self, key):
        indices = []
        for n in key:
            i = self._output_index.get(n)
            if i is None:
                raise InvalidArgument("[onnxrun INVALID_ARGUMENT] invalid output name '%s'; the "
                                      "model's outputs are %s" % (n, list(self._output_index)))
            indices.append(i)
        plan = self._output_plan(indices)
        if len(self._plans) >= 256:  # name lists built afresh each call must not grow it forever
            self._plans.clear()
        self._plans[key] = plan
        return plan

    def _output_meta(self):
        """Each output's (shape, numpy dtype, bytes) in the current plan, or
        None where outputs are not preallocated."""
        if not self._preallocate:
            return None
        meta = []
        out = self._out
        for k in range(len(self._outputs)):
            if _lib.onr_session_output(self._session, k, ctypes.byref(out)) != 0:
                return None  # not prepared yet: copied after the run instead
            dt = _DTYPES.get(out.dtype, (None,))[0]
            if dt is None or dt is np.object_:
                return None
            meta.append((tuple(out.dims[:out.rank]), np.dtype(dt), out.nbytes))
        for k, (_, _, nbytes) in enumerate(meta):
            self._out_sizes[k] = nbytes
        return meta

    def _feed_error(self, input_feed):
        """The exception for a feed whose names are not the model's inputs."""
        if not isinstance(input_feed, dict):
            return InvalidArgument("[onnxrun INVALID_ARGUMENT] input_feed must be a dict of name -> "
                                   "array")
        names = self._input_names
        unknown = [k for k in input_feed if k not in names]
        if unknown:
            return InvalidArgument("[onnxrun INVALID_ARGUMENT] invalid input name(s) %s; the "
                                   "model's inputs are %s" % (unknown, names))
        missing = [n for n in names if n not in input_feed]
        return InvalidArgument("[onnxrun INVALID_ARGUMENT] required inputs %s are missing from "
                               "the input feed" % (missing,))

    def _convert(self, i, x):
        """x as a C-contiguous array of input i's dtype: copied only when
        it is not one already (a list, a Fortran-ordered array...)."""
        want = self._input_np[i]
        if not isinstance(x, np.ndarray):
            x = np.asarray(x, dtype=want)
        if want is None or x.dtype != want:
            raise InvalidArgument("[onnxrun INVALID_ARGUMENT] input '%s': unexpected data type %s, "
                                  "expected %s" % (self._input_names[i], x.dtype,
                                                   self._inputs[i].type))
        if not x.flags.c_contiguous:
            x = np.ascontiguousarray(x)
        return x

    def _bind_inputs(self, input_feed):
        """Points the input structs at the caller's arrays (converted where
        they must be); returns the arrays, to keep alive during the run."""
        names = self._input_names
        if type(input_feed) is not dict or len(input_feed) != len(names):
            if not isinstance(input_feed, dict) or len(input_feed) != len(names):
                raise self._feed_error(input_feed)
        items, want, ref_shapes = self._ref_items, self._input_np, self._ref_shapes
        keep = []
        new_shapes = None
        for i in range(len(names)):
            try:
                x = input_feed[names[i]]
            except KeyError:
                raise self._feed_error(input_feed) from None
            if type(x) is not np.ndarray or x.dtype is not want[i] or not x.flags.c_contiguous:
                x = self._convert(i, x)
            shape = x.shape
            if shape != ref_shapes[i]:
                new_shapes = self._set_ref_shape(i, x, new_shapes)
            items[i].data = _data_address(x)
            keep.append(x)
        if new_shapes:
            self._reshape(new_shapes)
        return keep

    def _set_ref_shape(self, i, x, new_shapes):
        shape, r = x.shape, self._refs[i]
        if len(shape) > len(r.dims):
            raise InvalidArgument("[onnxrun INVALID_ARGUMENT] input '%s': rank %d is over %d"
                                  % (self._input_names[i], len(shape), len(r.dims)))
        r.rank = len(shape)
        for d, n in enumerate(shape):
            r.dims[d] = n
        r.nbytes = x.nbytes
        self._ref_shapes[i] = shape
        if shape != self._shapes[i]:
            new_shapes = (new_shapes or []) + [(i, shape)]
        return new_shapes

    def _reshape(self, new_shapes):
        """Re-plans the session for new input shapes (onr_session_reshape),
        and learns the new output shapes."""
        refs = (_TensorRef * len(new_shapes))()
        for k, (i, shape) in enumerate(new_shapes):
            refs[k].name = self._inputs[i].name.encode()
            refs[k].dtype = self._input_dtypes[i]
            refs[k].rank = len(shape)
            for d, n in enumerate(shape):
                refs[k].dims[d] = n
        err = _Error()
        st = _lib.onr_session_reshape(self._session, refs, len(new_shapes), ctypes.byref(err))
        if st != 0:
            for i, _ in new_shapes:  # a later run with this shape tries (and reports) again
                self._ref_shapes[i] = None
            _check(st, err)
        for i, shape in new_shapes:
            self._shapes[i] = shape
        self._out_meta = self._output_meta()

    def _copy_outputs(self, plan):
        """The outputs of plan copied out of the session's memory (where
        they were not preallocated)."""
        out, results = self._out, []
        for i in plan[0]:
            _check(_lib.onr_session_output(self._session, i, ctypes.byref(out)), None,
                   "output %d" % i)
            y = np.empty(tuple(out.dims[:out.rank]), dtype=_DTYPES[out.dtype][0])
            if out.nbytes:
                ctypes.memmove(_data_address(y), out.data, out.nbytes)
            results.append(y)
        return results

    def _clear_output_pointers(self, plan):
        """_out_ptrs NULL but for plan's outputs (which run() sets), so that
        no run writes into an array an earlier run returned."""
        for k in range(len(self._outputs)):
            if k not in plan[1]:
                self._out_ptrs[k] = None
        self._ptr_plan = plan

    def run(self, output_names, input_feed, run_options=None):
        """Runs the model on input_feed {name: array}; returns a list of
        arrays for output_names (all outputs when None or empty). Each
        array is new: the library wrote it during this run (into memory
        allocated here for it), and no later run touches it."""
        if output_names:
            key = tuple(output_names)
            plan = self._plans.get(key) or self._named_plan(key)
        else:
            plan = self._all_outputs
        # onnxruntime lets threads share a session; a C session is one
        # thread's at a time, so runs of one session take turns.
        with self._lock:
            keep = self._bind_inputs(input_feed)
            meta = self._out_meta
            if meta is not None:
                # The new arrays, as the library's output buffers for this run.
                ptrs = self._out_ptrs
                if plan is not self._ptr_plan:
                    self._clear_output_pointers(plan)
                results = []
                for k in plan[0]:
                    shape, dtype, nbytes = meta[k]
                    y = np.empty(shape, dtype) if nbytes < _DIRECT_MIN_BYTES else _aligned_empty(
                        shape, dtype, nbytes)
                    ptrs[k] = _data_address(y)
                    results.append(y)
                if self._profiling:
                    t0 = time.time()
                st = _run_into(self._session, self._refs, self._n_inputs, ptrs, self._out_sizes,
                               self._n_outputs, self._err_ref)
            else:
                results = None
                if self._profiling:
                    t0 = time.time()
                st = _run(self._session, self._refs, self._n_inputs, self._err_ref)
            if st != 0:
                _check(st, self._err)
            del keep  # read during the run only
            if self._profiling:
                self._record_profile(t0)
            if results is None:
                results = self._copy_outputs(plan)
        order = plan[2]
        if order is None:
            return results
        # A name asked twice: the array the library wrote, then copies of it.
        seen = set()
        listed = []
        for p in order:
            listed.append(results[p].copy() if p in seen else results[p])
            seen.add(p)
        return listed

    def _record_profile(self, t0):
        ts = (t0 - self._profile_start) * 1e6
        for k in range(_lib.onr_session_node_count(self._session)):
            dur = _lib.onr_session_node_seconds(self._session, k) * 1e6
            self._profile_events.append({"cat": "Node", "name": "node_%d" % k, "ph": "X",
                                         "ts": ts, "dur": dur, "pid": os.getpid(), "tid": 0})
            ts += dur

    def end_profiling(self):
        """Writes the node timings of every run so far as a Chrome trace
        (as onnxruntime does) and returns the file name; "" when profiling
        is off."""
        if not self._profiling:
            return ""
        name = "%s%s.json" % (self._options.profile_file_prefix,
                              time.strftime("%Y-%m-%d_%H-%M-%S"))
        with open(name, "w") as f:
            json.dump(self._profile_events, f)
        self._profile_events = []
        return name
