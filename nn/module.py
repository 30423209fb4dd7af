"""`Module`: the base of every layer and network: parameters, zero_grad, a named forward pass, saving.

A module's *state* is every `Tensor` (and, for the scalar layers, every `Value`) among its public
attributes, found recursively through sub-modules and lists, each under a stable dotted name such as
``layers.0.weight``. Its *parameters* are the part of the state an optimizer updates: the Values and
the Tensors with ``requires_grad``. A frozen Tensor (``requires_grad`` False, see `Module.freeze`) is
still state: it is saved and loaded, just not trained; so are a layer's *buffers* (`named_buffers`:
running statistics), which are never trained. Attributes starting with ``_`` are private
and never state.
"""

from __future__ import annotations

import errno
import fnmatch
import os
import secrets
import signal
import stat
import struct
import threading
import zipfile
import zlib
from contextlib import contextmanager, suppress
from typing import Any, BinaryIO, Iterator, Mapping

import numpy as np

from micrograd_like import Tensor, Value, no_grad, scope


class Module:
    """A piece of a network. Subclasses define `forward`; calling the module runs it.

    Every node the forward pass creates is tagged with the module's name (`scope_name`), so that
    `draw_dot` can group a network's graph by layer.

    `training` says whether the module is being trained (dropout drops, batch normalisation uses the
    batch's statistics) or evaluated; `train()` and `eval()` set it for the module and every
    sub-module. A layer lists in `_buffer_names` the state it keeps that is not trained, such as a
    batch norm's running statistics: saved and loaded with the weights, never frozen or unfrozen.
    """

    training: bool = True  # (a class default: subclasses need not call an __init__)
    _buffer_names: tuple[str, ...] = ()

    def forward(self, *args: Any) -> Any:
        raise NotImplementedError(f"{type(self).__name__} must define forward()")

    def __call__(self, *args: Any) -> Any:
        with scope(self.scope_name()):
            return self.forward(*args)

    def predict(self, X: Any) -> np.ndarray:
        """The output array of a forward pass on X in evaluation mode under `no_grad()` (no graph is
        recorded); the module's modes are restored afterwards."""
        modes = [(module, module.training) for module in self.modules()]
        self.eval()
        try:
            with no_grad():
                outputs = self(X if isinstance(X, Tensor) else Tensor(np.asarray(X, dtype=np.float64)))
        finally:
            for module, training in modes:
                module.training = training
        return np.asarray(outputs.data)

    # ---- training and evaluation modes ---------------------------------------------------

    def train(self, mode: bool = True) -> Module:
        """Set `training` to `mode` on this module and every sub-module; returns the module (as PyTorch)."""
        for module in self.modules():
            module.training = bool(mode)
        return self

    def eval(self) -> Module:
        """Evaluation mode (`train(False)`): dropout is the identity, batch norm uses its running statistics."""
        return self.train(False)

    def modules(self) -> Iterator[Module]:
        """This module and every sub-module, recursively (through attributes, lists and tuples)."""
        yield self
        for name, attr in vars(self).items():
            if not name.startswith("_"):
                yield from _submodules(attr)

    def scope_name(self) -> str:
        """The name this module's nodes are grouped under when drawn."""
        return getattr(self, "_scope_name", None) or type(self).__name__

    # ---- parameters ---------------------------------------------------------------------

    def named_state(self, prefix: str = "") -> Iterator[tuple[str, Any]]:
        """(dotted name, Tensor or Value) for everything saved by `save`, trainable or frozen."""
        for name, attr in vars(self).items():
            if not name.startswith("_"):
                yield from _named(prefix + name, attr)

    def named_parameters(self, prefix: str = "") -> Iterator[tuple[str, Any]]:
        """(dotted name, parameter) pairs, e.g. ("layers.0.weight", Tensor(...)): the trainable state."""
        seen = set()  # a parameter shared by two layers (tied weights) is listed, and so stepped, once
        for name, node in self.named_state(prefix):
            if (isinstance(node, Value) or node.requires_grad) and id(node) not in seen:
                seen.add(id(node))
                yield name, node

    def parameters(self) -> list:
        """Everything an optimizer should update (frozen Tensors are left out)."""
        return [p for _, p in self.named_parameters()]

    def zero_grad(self) -> None:
        """Reset every parameter's gradient (gradients accumulate across backward passes)."""
        for p in self.parameters():
            p.zero_grad()

    def freeze(self, *patterns: str) -> list[str]:
        """Stop training the Tensors whose dotted names match any of `patterns` (shell-style,
        e.g. ``"*.bias"``); they stay in the state and are still saved. Returns the names frozen."""
        return self._set_requires_grad(patterns, False)

    def unfreeze(self, *patterns: str) -> list[str]:
        """Train again the Tensors whose dotted names match any of `patterns`. Returns their names."""
        return self._set_requires_grad(patterns, True)

    def named_buffers(self, prefix: str = "") -> Iterator[tuple[str, Tensor]]:
        """(dotted name, Tensor) for the state that is kept but never trained (e.g. running statistics)."""
        for name, attr in vars(self).items():
            if name.startswith("_"):
                continue
            if name in self._buffer_names:
                yield prefix + name, attr
            else:
                for module_name, module in _named_modules(prefix + name, attr):
                    yield from module.named_buffers(module_name + ".")

    def _set_requires_grad(self, patterns: tuple[str, ...], flag: bool) -> list[str]:
        buffers = {name for name, _ in self.named_buffers()}
        tensors = {name: node for name, node in self.named_state() if isinstance(node, Tensor) and name not in buffers}
        chosen = [name for name in tensors if any(fnmatch.fnmatchcase(name, p) for p in patterns)]
        if not chosen:
            raise ValueError(f"no tensor of {type(self).__name__} matches {list(patterns)}; "
                             f"its tensors are {list(tensors)}")
        for name in chosen:
            tensors[name].requires_grad = flag
            tensors[name].grad = None
        return chosen

    # ---- saving and loading -------------------------------------------------------------

    def state_dict(self) -> dict[str, np.ndarray]:
        """A copy of every state array by dotted name (a Value becomes a 0-d array)."""
        return {name: np.array(node.data) for name, node in self.named_state()}

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Copy `state` into this module's Tensors and Values, in place (parameters keep their identity).

        Every name must be present, none extra, every shape equal, every value a finite real number
        (nan or inf weights are refused: they come from a training that diverged); otherwise a
        `ValueError` lists all the problems and nothing is changed.
        """
        nodes = dict(self.named_state())
        arrays = {name: np.asarray(value) for name, value in state.items()}
        problems = []
        missing = [name for name in nodes if name not in arrays]
        extra = [name for name in arrays if name not in nodes]
        if missing:
            problems.append(f"missing {missing}")
        if extra:
            problems.append(f"unexpected {extra}")
        for name, node in nodes.items():
            if name not in arrays:
                continue
            expected = np.shape(node.data)
            if arrays[name].shape != expected:
                problems.append(f"{name!r} has shape {arrays[name].shape}, the model needs {expected}")
            elif arrays[name].dtype.kind not in "fiu":
                problems.append(f"{name!r} has dtype {arrays[name].dtype}, the model needs real numbers")
            elif not np.all(np.isfinite(arrays[name])):
                bad = int(np.size(arrays[name]) - np.count_nonzero(np.isfinite(arrays[name])))
                problems.append(f"{name!r} holds {bad} non-finite value(s) (nan or inf): weights saved from "
                                f"a training that diverged, which could only predict nan")
        if problems:
            raise ValueError(f"cannot load the state of {type(self).__name__}: " + "; ".join(problems))
        for name, node in nodes.items():
            if isinstance(node, Value):
                node.data = float(arrays[name])
            elif node.data.flags.writeable:
                node.data[...] = arrays[name]
            else:  # guarded for a graph not backpropagated yet (see Tensor): a new array, that graph keeps the old
                node.data = arrays[name].astype(node.data.dtype)

    def save(self, path: str | os.PathLike) -> None:
        """Write `state_dict()` to `path` as a numpy ``.npz`` archive: replaced whole, never half-written,
        and never over a folder, a FIFO, a device or a read-only file (see `atomic_write`)."""
        with atomic_write(path) as fh:
            np.savez(fh, **self.state_dict())

    def load(self, path: str | os.PathLike) -> None:
        """Load what `save` wrote (arrays only: pickled objects are refused). On any problem (not an .npz
        archive, a damaged one, names or shapes that do not match, non-finite weights) a `ValueError`
        names it and the module is left unchanged. (A missing file is a `FileNotFoundError`.)"""
        self.load_state_dict(_read_npz(path))

    # ---- printing -----------------------------------------------------------------------

    def extra_repr(self) -> str:
        """What goes between the parentheses of this module's one-line repr (override in layers)."""
        return ""

    def __repr__(self) -> str:
        children = [(name, attr) for name, attr in vars(self).items()
                    if not name.startswith("_") and isinstance(attr, Module)]
        for name, attr in vars(self).items():
            if not name.startswith("_") and isinstance(attr, (list, tuple)):
                children += [(f"{name}.{i}", m) for i, m in enumerate(attr) if isinstance(m, Module)]
        if not children:
            return f"{type(self).__name__}({self.extra_repr()})"
        lines = [f"  ({name}): " + repr(child).replace("\n", "\n  ") for name, child in children]
        return f"{type(self).__name__}(\n" + "\n".join(lines) + "\n)"


def _read_npz(path: str | os.PathLike) -> dict[str, np.ndarray]:
    """The named arrays of an .npz file, or a ValueError saying why the file is not one."""
    where = f"cannot load {os.fspath(path)!r} as saved weights (an .npz archive of plain arrays, as Module.save writes)"
    with open(path, "rb") as fh:  # opened here, so that it is closed whatever numpy makes of it
        try:
            archive = np.load(fh, allow_pickle=False)
            if not isinstance(archive, np.lib.npyio.NpzFile):
                raise ValueError("it holds a single array, not an archive of named arrays")
            with archive:
                return {name: archive[name] for name in archive.files}
        except (ValueError, OSError, EOFError, zipfile.BadZipFile, zlib.error, KeyError, struct.error,
                NotImplementedError) as err:  # (zlib, struct: a damaged member; NotImplementedError: a zip method)
            raise ValueError(f"{where}: {type(err).__name__}: {err}") from None


def _submodules(obj: Any) -> Iterator[Module]:
    if isinstance(obj, Module):
        yield from obj.modules()
    elif isinstance(obj, (list, tuple)):
        for item in obj:
            yield from _submodules(item)


def _named_modules(prefix: str, obj: Any) -> Iterator[tuple[str, Module]]:
    """(dotted name, module) for the modules directly held by an attribute (itself, or in a list)."""
    if isinstance(obj, Module):
        yield prefix, obj
    elif isinstance(obj, (list, tuple)):
        for i, item in enumerate(obj):
            yield from _named_modules(f"{prefix}.{i}", item)


def _named(prefix: str, obj: Any) -> Iterator[tuple[str, Any]]:
    if isinstance(obj, (Value, Tensor)):
        yield prefix, obj
    elif isinstance(obj, Module):
        yield from obj.named_state(prefix + ".")
    elif isinstance(obj, (list, tuple)):
        for i, item in enumerate(obj):
            yield from _named(f"{prefix}.{i}", item)


def check_writable(path: str | os.PathLike) -> str:
    """Raise an `OSError` naming `path` unless a save there could succeed: its folder exists and is writable,
    and `path` is either absent or a regular file we may replace (never a folder, a FIFO, a device, or a
    read-only file). Returns the path to write: `path`, or the file a symbolic link points to. Cheap: call
    it before long work whose result will be saved there."""
    given = os.fspath(path)
    target = os.path.realpath(given) if os.path.islink(given) else given
    directory = os.path.dirname(os.path.abspath(target))
    if not os.path.isdir(directory):
        raise FileNotFoundError(errno.ENOENT, "cannot save there: the folder does not exist", given)
    try:
        mode = os.stat(target).st_mode
    except FileNotFoundError:
        mode = None
    if mode is not None and not stat.S_ISREG(mode):
        what = "a folder" if stat.S_ISDIR(mode) else "a FIFO" if stat.S_ISFIFO(mode) else \
            "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) else "a socket" if stat.S_ISSOCK(mode) else \
            "not a regular file"
        raise OSError(errno.EISDIR if stat.S_ISDIR(mode) else errno.EINVAL,  # (EISDIR: an IsADirectoryError)
                      f"cannot save there: it is {what}, not a file; choose a file name", given)
    if mode is not None and (not mode & 0o222 or not os.access(target, os.W_OK)):  # (root may write anything)
        raise PermissionError(errno.EACCES, "cannot save there: the file is read-only (make it writable, "
                                            "or choose another name)", given)
    if not os.access(directory, os.W_OK | os.X_OK):
        raise PermissionError(errno.EACCES, f"cannot save there: the folder {directory!r} is not writable", given)
    return target


TEMPORARY_SUFFIX = ".saving"  # a save in progress writes `.<name>.<random>.saving` beside `name`


@contextmanager
def atomic_write(path: str | os.PathLike) -> Iterator[BinaryIO]:
    """Open a temporary file beside `path` for writing; it replaces `path` only if the block succeeds.

    What can go wrong, and what is left:
    - the path is not a regular file, is read-only, or its folder is missing: an `OSError` naming the
      path given (`check_writable`), before anything is written;
    - an exception in the block, or a full disk: the temporary file is removed, `path` is untouched;
    - SIGTERM during the write (main thread): turned into an exception for the time of the write, so
      the temporary file is removed too; then the previous handler is restored and the signal
      delivered again (by default, the process ends as it was asked to);
    - SIGKILL or a power cut: `path` is the old file or the new one, never half of one (the data is
      flushed to disk before the rename, and the folder after it); a `.<name>.<random>.saving` file
      may be left beside it.
    """
    given = os.fspath(path)
    target = check_writable(given)
    directory = os.path.dirname(os.path.abspath(target))
    mode = stat.S_IMODE(os.stat(target).st_mode) if os.path.exists(target) else 0o644
    with _sigterm_as_exception():
        # (named before it is created, so that whenever SIGTERM arrives the name to remove is known)
        tmp = os.path.join(directory, f".{os.path.basename(target)}.{secrets.token_hex(4)}{TEMPORARY_SUFFIX}")
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o600)
            with os.fdopen(fd, "wb") as fh:
                yield fh
                fh.flush()
                os.fsync(fh.fileno())
            os.chmod(tmp, mode)  # (created private, so no one reads half of it) the replaced file's mode
            os.replace(tmp, target)
        except BaseException as err:
            with suppress(FileNotFoundError):
                os.unlink(tmp)
            if isinstance(err, OSError) and err.errno is not None and err.filename in (tmp, None):
                # name the user's path, not the temporary file (or none, for a full disk)
                raise type(err)(err.errno, f"could not save: {err.strerror}", given) from None
            raise
        _fsync_folder(directory)


def _fsync_folder(directory: str) -> None:
    """Make the rename itself durable (POSIX; Windows has no folder handles to flush)."""
    if os.name != "posix":
        return
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    except OSError:  # some file systems cannot flush a folder; the file's own data is flushed already
        pass
    finally:
        os.close(fd)


class _Terminated(BaseException):
    """SIGTERM arrived during a save (a BaseException, as KeyboardInterrupt: not caught by `except Exception`)."""


@contextmanager
def _sigterm_as_exception() -> Iterator[list]:
    """During the block, SIGTERM raises `_Terminated` (so the block can clean up); afterwards the previous
    handler is back, and a SIGTERM that arrived is delivered to it. The yielded list is non-empty once
    SIGTERM arrived. Only in the main thread (Python runs signal handlers there only)."""
    terminated: list = []
    if threading.current_thread() is not threading.main_thread():
        yield terminated
        return
    previous = signal.getsignal(signal.SIGTERM)
    if previous == signal.SIG_IGN or previous is None:  # ignored, or set outside Python: left alone
        yield terminated
        return

    def handler(signum: int, frame: Any) -> None:
        if not terminated:
            terminated.append(signum)
            raise _Terminated()

    signal.signal(signal.SIGTERM, handler)
    try:
        yield terminated
    except _Terminated:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
        if terminated:
            signal.raise_signal(signal.SIGTERM)
    if terminated:  # the previous handler returned: the save did not happen
        raise InterruptedError(errno.EINTR, "the save was interrupted by SIGTERM; the previous file is unchanged")
