"""Reads a PyTorch checkpoint in the legacy (pre-1.6, non-zip) format into numpy arrays,
without torch: the file is four pickles (magic number, protocol, system info, the object with
storages as persistent ids), a pickled list of storage keys, then each storage's raw bytes
preceded by its element count (int64, little-endian).

Only what a state dict of float tensors needs is understood; anything else is an error."""
import collections
import pickle
import struct

import numpy as np

MAGIC = 0x1950A86A20F9469CFC6C
DTYPES = {"FloatStorage": np.float32, "DoubleStorage": np.float64, "HalfStorage": np.float16,
          "LongStorage": np.int64, "IntStorage": np.int32, "ByteStorage": np.uint8}


class _StorageType:
    def __init__(self, name):
        if name not in DTYPES:
            raise ValueError(f"unsupported storage {name}")
        self.dtype = np.dtype(DTYPES[name])


class _Storage:
    def __init__(self, dtype, numel):
        self.dtype, self.numel, self.data = dtype, numel, None


class _Tensor:
    def __init__(self, storage, offset, size, stride):
        self.storage, self.offset, self.size, self.stride = storage, offset, tuple(size), tuple(stride)

    def array(self):
        item = self.storage.dtype.itemsize
        a = np.lib.stride_tricks.as_strided(
            self.storage.data[self.offset:], shape=self.size, strides=[s * item for s in self.stride])
        return np.array(a)


def _rebuild_tensor_v2(storage, offset, size, stride, requires_grad=False, hooks=None, *rest):
    return _Tensor(storage, offset, size, stride)


class _Unpickler(pickle.Unpickler):
    def __init__(self, f, storages):
        super().__init__(f)
        self.storages = storages

    def find_class(self, module, name):
        if module == "collections" and name == "OrderedDict":
            return collections.OrderedDict
        if module == "torch._utils" and name in ("_rebuild_tensor_v2", "_rebuild_tensor"):
            return _rebuild_tensor_v2
        if module == "torch" and name.endswith("Storage"):
            return _StorageType(name)
        raise pickle.UnpicklingError(f"unexpected class {module}.{name}")

    def persistent_load(self, pid):
        if pid[0] != "storage":
            raise pickle.UnpicklingError(f"unexpected persistent id {pid[0]}")
        storage_type, key, _location, numel, view = pid[1:6]
        if view is not None:
            raise pickle.UnpicklingError("storage views are not supported")
        if key not in self.storages:
            self.storages[key] = _Storage(storage_type.dtype, numel)
        return self.storages[key]


def load(path):
    """The state dict in `path`: {name: numpy array}."""
    with open(path, "rb") as f:
        if pickle.load(f) != MAGIC:
            raise ValueError(f"{path}: not a legacy PyTorch file")
        pickle.load(f)  # protocol version
        pickle.load(f)  # system info
        storages = {}
        obj = _Unpickler(f, storages).load()
        keys = pickle.load(f)
        for k in keys:
            s = storages[k]
            (n,) = struct.unpack("<q", f.read(8))
            if n != s.numel:
                raise ValueError(f"storage {k}: {n} elements, {s.numel} expected")
            raw = f.read(n * s.dtype.itemsize)
            if len(raw) != n * s.dtype.itemsize:
                raise ValueError(f"storage {k}: file ends early")
            s.data = np.frombuffer(raw, dtype=s.dtype)
    return collections.OrderedDict((name, t.array()) for name, t in obj.items())
