"""Saving and loading under careless input: never over something that is not a file, never half a file,
never a temporary file left behind, clear errors naming the path the user gave."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
import zipfile

import numpy as np
import pytest

from nn import dense_network
from nn.module import TEMPORARY_SUFFIX, atomic_write


def net(seed=0):
    return dense_network((2, 4, 1), ("tanh", "sigmoid"), rng=seed)


def leftovers(folder):
    return [name for name in os.listdir(folder) if name.endswith(TEMPORARY_SUFFIX)]


def test_save_refuses_a_folder_naming_the_path(tmp_path):
    folder = tmp_path / "weights.npz"
    folder.mkdir()
    with pytest.raises(IsADirectoryError, match="folder") as err:
        net().save(folder)
    assert err.value.filename == str(folder)
    assert folder.is_dir() and not leftovers(tmp_path)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this system")
def test_save_refuses_a_fifo_instead_of_replacing_it(tmp_path):
    fifo = tmp_path / "weights.npz"
    os.mkfifo(fifo)
    with pytest.raises(OSError, match="FIFO") as err:
        net().save(fifo)
    assert err.value.filename == str(fifo)
    assert fifo.is_fifo() and not leftovers(tmp_path)


@pytest.mark.skipif(not os.path.exists("/dev/null"), reason="no /dev/null")
def test_save_refuses_a_device():
    with pytest.raises(OSError, match="device") as err:
        net().save("/dev/null")
    assert err.value.filename == "/dev/null"
    assert not os.path.isfile("/dev/null")


def test_save_refuses_a_read_only_file_and_leaves_it(tmp_path):
    # (even for root, whom the system would let write it)
    path = tmp_path / "weights.npz"
    net(0).save(path)
    before = path.read_bytes()
    path.chmod(0o444)
    with pytest.raises(PermissionError, match="read-only") as err:
        net(1).save(path)
    assert err.value.filename == str(path)
    assert path.read_bytes() == before and not leftovers(tmp_path)


def test_save_into_a_missing_folder_names_the_path_given(tmp_path):
    path = tmp_path / "no such folder" / "weights.npz"
    with pytest.raises(FileNotFoundError, match="folder does not exist") as err:
        net().save(path)
    assert err.value.filename == str(path)


def test_save_through_a_symbolic_link_replaces_the_file_it_points_to(tmp_path):
    real, link = tmp_path / "real.npz", tmp_path / "link.npz"
    net(0).save(real)
    link.symlink_to(real)
    net(1).save(link)
    assert link.is_symlink()
    loaded = net(2)
    loaded.load(real)
    np.testing.assert_array_equal(loaded.state_dict()["layers.0.weight"], net(1).state_dict()["layers.0.weight"])


def test_save_keeps_the_mode_of_the_file_it_replaces(tmp_path):
    path = tmp_path / "weights.npz"
    net(0).save(path)
    path.chmod(0o600)
    net(1).save(path)
    assert path.stat().st_mode & 0o777 == 0o600


def test_an_exception_mid_write_leaves_the_old_file_and_no_temporary_file(tmp_path):
    path = tmp_path / "weights.npz"
    net(0).save(path)
    before = path.read_bytes()
    with pytest.raises(RuntimeError, match="boom"):
        with atomic_write(path) as fh:
            fh.write(b"half")
            raise RuntimeError("boom")
    assert path.read_bytes() == before and not leftovers(tmp_path)


def test_a_full_disk_names_the_path_given_not_the_temporary_file(tmp_path):
    path = tmp_path / "weights.npz"
    with pytest.raises(OSError) as err:
        with atomic_write(path) as fh:
            fh.write(b"x")
            (temporary,) = leftovers(tmp_path)
            raise OSError(28, "No space left on device", str(tmp_path / temporary))
    assert err.value.filename == str(path) and "No space" in str(err.value)
    assert not leftovers(tmp_path) and not path.exists()


def test_the_data_is_flushed_to_disk_before_the_rename(tmp_path, monkeypatch):
    events = []
    real_fsync, real_replace = os.fsync, os.replace
    monkeypatch.setattr(os, "fsync", lambda fd: (events.append("fsync"), real_fsync(fd))[1])
    monkeypatch.setattr(os, "replace", lambda a, b: (events.append("replace"), real_replace(a, b))[1])
    net().save(tmp_path / "weights.npz")
    assert events[:2] == ["fsync", "replace"]
    if os.name == "posix":
        assert events == ["fsync", "replace", "fsync"]  # and the folder after the rename


SAVER = textwrap.dedent("""
    import sys
    import numpy as np
    from nn import Linear
    model = Linear(1000, 2000, rng=0)        # 16 MB of weights: each save takes a while
    path = sys.argv[1]
    print("ready", flush=True)
    while True:
        model.weight.data += 1.0
        model.save(path)
""")


@pytest.mark.skipif(os.name != "posix", reason="SIGTERM is POSIX")
def test_sigterm_during_a_save_leaves_the_old_file_loadable_and_no_temporary_file(tmp_path):
    from nn import Linear

    path = tmp_path / "weights.npz"
    Linear(1000, 2000, rng=0).save(path)
    saver = subprocess.Popen([sys.executable, "-c", SAVER, str(path)], stdout=subprocess.PIPE,
                             cwd=os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
    try:
        assert saver.stdout.readline().strip() == b"ready"
        deadline = time.monotonic() + 20
        while not leftovers(tmp_path) and time.monotonic() < deadline:  # wait until a save is under way
            time.sleep(0.001)
        assert leftovers(tmp_path), "the saver never started writing"
        saver.send_signal(signal.SIGTERM)
        assert saver.wait(20) == -signal.SIGTERM  # it still ends because of SIGTERM
    finally:
        if saver.poll() is None:
            saver.kill()
            saver.wait()
    assert not leftovers(tmp_path)
    model = Linear(1000, 2000, rng=1)
    model.load(path)  # a whole archive: the old one or one the loop finished
    assert np.all(np.isfinite(model.weight.data))


def test_sigterm_handler_is_restored_after_a_save(tmp_path):
    before = signal.getsignal(signal.SIGTERM)
    net().save(tmp_path / "weights.npz")
    assert signal.getsignal(signal.SIGTERM) is before


def test_loading_a_damaged_compressed_member_is_a_value_error(tmp_path):
    path = tmp_path / "weights.npz"
    model = net()
    np.savez_compressed(path, **model.state_dict())
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as archive:
        info = archive.infolist()[0]
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    for i in range(start + 2, start + min(info.compress_size, 40)):  # the deflate stream itself
        data[i] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(ValueError, match="cannot load") as err:
        net(1).load(path)
    assert str(path) in str(err.value)


def test_loading_non_finite_weights_is_refused_and_changes_nothing(tmp_path):
    path = tmp_path / "weights.npz"
    state = net(0).state_dict()
    state["layers.0.weight"][0, 0] = np.nan
    state["layers.2.bias"][0] = np.inf
    np.savez(path, **state)
    model = net(1)
    before = model.state_dict()
    with pytest.raises(ValueError, match="non-finite") as err:
        model.load(path)
    assert "layers.0.weight" in str(err.value) and "layers.2.bias" in str(err.value)
    for name, array in model.state_dict().items():
        np.testing.assert_array_equal(array, before[name])
