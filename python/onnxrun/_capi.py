"""ctypes declarations of include/onnxrun.h, and where libonnxrun.so is.

The structs mirror the header; struct onr_session_options carries its own
size (set through onr_session_options_init_sized with this module's
sizeof), so a library with fields appended still reads this one right.
"""
import ctypes
import os
import platform

MAX_RANK = 8


class Error(ctypes.Structure):
    _fields_ = [("message", ctypes.c_char * 1024)]


class TensorRef(ctypes.Structure):
    _fields_ = [("name", ctypes.c_char_p),
                ("dtype", ctypes.c_int),
                ("rank", ctypes.c_int),
                ("dims", ctypes.c_int64 * MAX_RANK),
                ("data", ctypes.c_void_p),
                ("nbytes", ctypes.c_size_t)]


class SessionOptions(ctypes.Structure):
    _fields_ = [("size", ctypes.c_size_t),
                ("threads", ctypes.c_int),
                ("passes", ctypes.c_uint),
                ("reference_kernels", ctypes.c_int),
                ("no_arena", ctypes.c_int),
                ("n_input_shapes", ctypes.c_int),
                ("input_shapes", ctypes.POINTER(TensorRef)),
                ("fixed_shapes", ctypes.c_int)]


def _library_path():
    """$ONNXRUN_LIBRARY, else the path cmake --install wrote into _config.py
    (relative to this folder), else the loader's search for the SONAME."""
    env = os.environ.get("ONNXRUN_LIBRARY")
    if env:
        return env
    try:
        from . import _config
    except ImportError:
        return "libonnxrun.so.0"
    path = _config.LIBRARY
    if not os.path.isabs(path):
        path = os.path.normpath(os.path.join(os.path.dirname(__file__), path))
    return path


def _load():
    path = _library_path()
    try:
        lib = ctypes.CDLL(path)
    except OSError as e:
        raise ImportError("onnxrun: cannot load the C library %s (%s); set ONNXRUN_LIBRARY "
                          "to the path of libonnxrun.so" % (path, e)) from None
    c_int, c_char_p, c_void_p, c_size_t = ctypes.c_int, ctypes.c_char_p, ctypes.c_void_p, ctypes.c_size_t
    P = ctypes.POINTER
    err = P(Error)
    sigs = {
        "onr_version": (c_char_p, []),
        "onr_status_name": (c_char_p, [c_int]),
        "onr_model_load_file": (c_int, [c_char_p, P(c_void_p), err]),
        "onr_model_load_buffer": (c_int, [c_void_p, c_size_t, P(c_void_p), err]),
        "onr_model_free": (None, [c_void_p]),
        "onr_model_input_count": (c_int, [c_void_p]),
        "onr_model_output_count": (c_int, [c_void_p]),
        "onr_model_input": (c_int, [c_void_p, c_int, P(TensorRef)]),
        "onr_model_output": (c_int, [c_void_p, c_int, P(TensorRef)]),
        "onr_model_input_dim_param": (c_char_p, [c_void_p, c_int, c_int]),
        "onr_model_output_dim_param": (c_char_p, [c_void_p, c_int, c_int]),
        "onr_model_input_index": (c_int, [c_void_p, c_char_p]),
        "onr_optimization_passes": (ctypes.c_uint, [c_int]),
        "onr_session_options_init_sized": (None, [P(SessionOptions), c_size_t]),
        "onr_session_create": (c_int, [c_void_p, P(SessionOptions), P(c_void_p), err]),
        "onr_session_free": (None, [c_void_p]),
        "onr_session_reshape": (c_int, [c_void_p, P(TensorRef), c_int, err]),
        "onr_session_run": (c_int, [c_void_p, P(TensorRef), c_int, err]),
        "onr_session_input": (c_int, [c_void_p, c_int, P(TensorRef)]),
        "onr_session_output": (c_int, [c_void_p, c_int, P(TensorRef)]),
        "onr_session_bind_output": (c_int, [c_void_p, c_int, c_void_p, c_size_t, err]),
        "onr_session_run_into": (c_int, [c_void_p, P(TensorRef), c_int, P(c_void_p), P(c_size_t),
                                         c_int, err]),
        "onr_session_set_profiling": (None, [c_void_p, c_int]),
        "onr_session_node_count": (c_int, [c_void_p]),
        "onr_session_node_seconds": (ctypes.c_double, [c_void_p, c_int]),
    }
    for name, (res, args) in sigs.items():
        fn = getattr(lib, name)
        fn.restype = res
        fn.argtypes = args
    return lib, path


lib, library_path = _load()

# onr_session_run_into without argtypes, for InferenceSession.run: checking
# and converting seven arguments costs more than the run of a small model.
# Callers pass exactly (c_void_p, TensorRef array, int, c_void_p array,
# c_size_t array, int, byref(Error)).
run_into_unchecked = lib["onr_session_run_into"]
run_into_unchecked.restype = ctypes.c_int


def _data_address_function():
    """A function from a numpy array to the address of its data.

    x.__array_interface__["data"][0] builds a dict of the array's whole
    description, a few microseconds, twice a run (input and output) on a
    run of a few microseconds. numpy's C ABI puts the data pointer first
    after the object header (PyArrayObject_fields), and CPython's id() is
    the object's address, so reading it there is one ctypes access. That
    is used only where it agrees with __array_interface__ on probe arrays
    (views, offsets, empty) in this process; else __array_interface__."""
    import numpy as np

    offset = object.__basicsize__  # sizeof(PyObject) of this interpreter build
    read = ctypes.c_void_p.from_address

    def from_header(x):
        return read(id(x) + offset).value

    def from_interface(x):
        return x.__array_interface__["data"][0]

    if platform.python_implementation() != "CPython":
        return from_interface
    base = np.arange(40, dtype=np.float32)
    probes = [base, base[3:], base.reshape(5, 8)[2], np.empty((2, 64, 64), np.float32),
              np.zeros(0, np.int64), np.ones((), np.float64)]
    try:
        if all(from_header(p) == from_interface(p) for p in probes):
            return from_header
    except (ValueError, OverflowError):
        pass
    return from_interface


data_address = _data_address_function()
