"""Downloads through a local HTTP server: success, mirror fallback, checksum mismatch and interrupted
transfers (neither may leave a file behind), and MNIST(download=True) end to end."""
import gzip
import hashlib
import http.server
import os
import struct
import sys
import threading

import numpy as np
import pytest

import autograd.data as data
from autograd.data import MNIST, ChecksumError, DownloadError, download_url
from autograd.data import download as download_module


class _Handler(http.server.BaseHTTPRequestHandler):
    files = {}

    def do_GET(self):
        name = self.path.lstrip("/")
        cut = name.startswith("cut/")
        body = self.files.get(name[4:] if cut else name)
        if body is None:
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        # A "cut" transfer promises the whole body, sends half, then drops the connection.
        self.wfile.write(body[: len(body) // 2] if cut else body)
        self.wfile.flush()
        if cut:
            self.close_connection = True

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    """(base URL, dict path -> bytes the server serves)."""
    files = {}
    handler = type("Handler", (_Handler,), {"files": files})
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/", files
    httpd.shutdown()
    httpd.server_close()


def md5(b):
    return hashlib.md5(b).hexdigest()


def leftovers(folder):
    return sorted(os.listdir(folder)) if os.path.isdir(folder) else []


PAYLOAD = os.urandom(200_000)


def test_success_with_checksum(server, tmp_path):
    url, files = server
    files["a.bin"] = PAYLOAD
    out = download_url(url + "a.bin", tmp_path / "d" / "a.bin", md5=md5(PAYLOAD), progress=False)
    assert open(out, "rb").read() == PAYLOAD
    assert leftovers(tmp_path / "d") == ["a.bin"]


def test_mirror_fallback(server, tmp_path):
    url, files = server
    files["a.bin"] = PAYLOAD
    download_url([url + "missing.bin", url + "a.bin"], tmp_path / "a.bin", md5=md5(PAYLOAD), progress=True)
    assert (tmp_path / "a.bin").read_bytes() == PAYLOAD


def test_checksum_mismatch_leaves_no_file(server, tmp_path):
    url, files = server
    files["a.bin"] = PAYLOAD
    with pytest.raises(ChecksumError, match="MD5 mismatch") as e:
        download_url(url + "a.bin", tmp_path / "a.bin", md5="0" * 32, progress=False)
    assert "a.bin" in str(e.value)
    assert leftovers(tmp_path) == []


def test_interrupted_transfer_leaves_no_file(server, tmp_path):
    url, files = server
    files["a.bin"] = PAYLOAD
    with pytest.raises(DownloadError, match="incomplete") as e:
        download_url(url + "cut/a.bin", tmp_path / "a.bin", md5=md5(PAYLOAD), progress=False)
    assert not isinstance(e.value, ChecksumError)
    assert leftovers(tmp_path) == []


def test_http_error_lists_urls(server, tmp_path):
    url, _ = server
    with pytest.raises(DownloadError, match="404") as e:
        download_url([url + "x", url + "y"], tmp_path / "x", progress=False)
    assert url + "x" in str(e.value) and url + "y" in str(e.value)
    assert leftovers(tmp_path) == []


def test_keyboard_interrupt_leaves_no_file(tmp_path, monkeypatch):
    class Response:
        headers = {"Content-Length": "100"}
        calls = 0

        def read(self, n):
            Response.calls += 1
            if Response.calls > 1:
                raise KeyboardInterrupt
            return b"x" * 50

        def __enter__(self):
            return self

        def __exit__(self, *a):
            return False

    monkeypatch.setattr(download_module.urllib.request, "urlopen", lambda *a, **k: Response())
    with pytest.raises(KeyboardInterrupt):
        download_url("http://example.invalid/a", tmp_path / "a", progress=False)
    assert leftovers(tmp_path) == []


def test_without_tqdm(server, tmp_path, monkeypatch):
    url, files = server
    files["a.bin"] = PAYLOAD
    monkeypatch.setitem(sys.modules, "tqdm", None)  # makes `from tqdm import tqdm` raise ImportError
    download_url(url + "a.bin", tmp_path / "a.bin", progress=True)
    assert (tmp_path / "a.bin").read_bytes() == PAYLOAD


def idx_gz(arr):
    arr = np.asarray(arr, np.uint8)
    return gzip.compress(struct.pack(">I", 0x0800 | arr.ndim) + struct.pack(f">{arr.ndim}I", *arr.shape)
                         + arr.tobytes())


@pytest.fixture
def mnist_mirror(server, tmp_path, monkeypatch):
    """MNIST's mirrors and checksums pointed at the local server, which serves a 12-image test split."""
    url, files = server
    rng = np.random.default_rng(0)
    files["t10k-images-idx3-ubyte.gz"] = idx_gz(rng.integers(0, 256, (12, 28, 28)))
    files["t10k-labels-idx1-ubyte.gz"] = idx_gz(np.arange(12) % 10)
    monkeypatch.setattr(MNIST, "mirrors", [url + "nothing-here/", url])
    monkeypatch.setattr(MNIST, "md5", {k: md5(v) for k, v in files.items()})
    monkeypatch.setenv("SCRATCHGRAD_DATA", str(tmp_path / "env"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    return files


def test_mnist_download_end_to_end(mnist_mirror, tmp_path):
    ds = MNIST(tmp_path / "root", train=False, download=True)
    assert len(ds) == 12 and ds.folder == str(tmp_path / "root" / "mnist")
    assert sorted(os.listdir(ds.folder)) == ["t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"]
    again = MNIST(tmp_path / "root", train=False)  # found now, no download
    np.testing.assert_array_equal(again.data, ds.data)


def test_mnist_download_default_root_is_env(mnist_mirror, tmp_path):
    ds = MNIST(train=False, download=True)
    assert ds.folder == str(tmp_path / "env" / "mnist")


def test_mnist_download_checksum_mismatch(mnist_mirror, tmp_path, monkeypatch):
    monkeypatch.setitem(MNIST.md5, "t10k-labels-idx1-ubyte.gz", "f" * 32)
    with pytest.raises(ChecksumError, match="t10k-labels"):
        MNIST(tmp_path / "root", train=False, download=True)
    assert "t10k-labels-idx1-ubyte.gz" not in leftovers(tmp_path / "root" / "mnist")
    assert not any(f.startswith(".") for f in leftovers(tmp_path / "root" / "mnist"))  # no temporary file


def test_download_errors_are_os_errors():
    assert issubclass(data.DownloadError, OSError) and issubclass(data.ChecksumError, data.DownloadError)
