"""A GGUF file checked without loading it: magic, header, and every tensor's start on disk."""

from __future__ import annotations

import mmap
import struct
from pathlib import Path

MAGIC = b"GGUF"
# Value types of GGUF metadata: fixed sizes, 8 = string, 9 = array.
_FIXED = {0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8}
_STRING, _ARRAY = 8, 9
MAX_COUNT = 1 << 24  # more tensors or keys than this is damage, not a model
_U32, _U64 = struct.Struct("<I"), struct.Struct("<Q")


class _Reader:
    """Reads little-endian fields from the mapped file; past its end is a ValueError."""

    def __init__(self, data: mmap.mmap) -> None:
        self.data = data
        self.at = 4

    def u32(self) -> int:
        value = int(_U32.unpack_from(self.data, self.at)[0])
        self.at += 4
        return value

    def u64(self) -> int:
        value = int(_U64.unpack_from(self.data, self.at)[0])
        self.at += 8
        return value

    def skip(self, n: int) -> None:
        self.at += n
        if self.at > len(self.data):
            raise ValueError("truncated GGUF: the metadata ends early")

    def value(self, kind: int) -> None:
        """Step over one metadata value of type `kind`."""
        if kind in _FIXED:
            self.skip(_FIXED[kind])
        elif kind == _STRING:
            self.skip(self.u64())
        elif kind == _ARRAY:
            inner, count = self.u32(), self.u64()
            if count > MAX_COUNT:
                raise ValueError(f"damaged GGUF: an array of {count} values")
            if inner in _FIXED:
                self.skip(_FIXED[inner] * count)
            else:
                for _ in range(count):
                    self.value(inner)
        else:
            raise ValueError(f"damaged GGUF: unknown metadata type {kind}")


def check_gguf(path: Path) -> None:
    """Raise ValueError unless `path` is a GGUF file whose every tensor starts inside it.

    The file is mapped, and only its header, metadata and tensor table are touched: the
    weights are never read.
    """
    with path.open("rb") as f:
        if f.read(4) != MAGIC:
            empty = f.tell() == 0
            raise ValueError(f"model file is {'empty' if empty else 'not GGUF'}: {path}")
        with mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as data:
            try:
                _check_tables(_Reader(data))
            except (ValueError, struct.error) as exc:
                why = str(exc) if isinstance(exc, ValueError) else "truncated GGUF"
                raise ValueError(f"{why}: {path}") from None


def _check_tables(r: _Reader) -> None:
    """Walk the metadata and tensor table; the last tensor must start inside the file."""
    version, tensors, keys = r.u32(), r.u64(), r.u64()
    if version not in (2, 3) or tensors > MAX_COUNT or keys > MAX_COUNT:
        raise ValueError(f"damaged GGUF header (version {version}, {tensors} tensors)")
    alignment = 32
    for _ in range(keys):
        length = r.u64()
        name = bytes(r.data[r.at : r.at + min(length, 256)])
        r.skip(length)
        kind = r.u32()
        if name == b"general.alignment" and kind == 4:
            alignment = r.u32() or 32
        else:
            r.value(kind)
    last = 0
    for _ in range(tensors):
        r.skip(r.u64())
        r.skip(8 * r.u32() + 4)  # dimensions, then the tensor type
        last = max(last, r.u64())
    data_start = -(-r.at // alignment) * alignment
    if tensors and data_start + last >= len(r.data):
        raise ValueError("truncated GGUF: the weights are cut short")
