"""Atomic, checksummed downloads with a progress bar (tqdm when installed) and mirror fallback."""
import hashlib
import http.client
import os
import urllib.error
import urllib.request

from ..atomic import atomic_write

__all__ = ["DownloadError", "ChecksumError", "download_url", "md5sum"]

_CHUNK = 1 << 16


class DownloadError(OSError):
    """No mirror delivered the file (network error, HTTP error, incomplete transfer)."""


class ChecksumError(DownloadError):
    """A downloaded file's MD5 differs from the published one (nothing is kept)."""


def md5sum(path):
    """Hex MD5 digest of a file's contents."""
    h = hashlib.md5(usedforsecurity=False)
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _progress(total, desc, enabled):
    if not enabled:
        return None
    try:
        from tqdm import tqdm
    except ImportError:  # tqdm is optional: download silently without it
        return None
    return tqdm(total=total, desc=desc, unit="B", unit_scale=True, unit_divisor=1024, leave=False)


def _fetch(url, out, timeout, progress, desc):
    """Stream ``url`` into the open file ``out``; return the MD5 of what was written."""
    h = hashlib.md5(usedforsecurity=False)
    request = urllib.request.Request(url, headers={"User-Agent": "scratchgrad"})
    with urllib.request.urlopen(request, timeout=timeout) as resp:
        length = resp.headers.get("Content-Length")
        total = int(length) if length and length.isdigit() else None
        bar = _progress(total, desc, progress)
        got = 0
        try:
            while True:
                chunk = resp.read(_CHUNK)
                if not chunk:
                    break
                out.write(chunk)
                h.update(chunk)
                got += len(chunk)
                if bar is not None:
                    bar.update(len(chunk))
        finally:
            if bar is not None:
                bar.close()
    if total is not None and got != total:
        raise DownloadError(f"incomplete transfer: got {got} of {total} bytes")
    return h.hexdigest()


def download_url(urls, path, md5=None, progress=True, timeout=60):
    """Download ``path`` from the first of ``urls`` that works, atomically and verified.

    The data goes to a temporary file in the destination directory (:func:`autograd.atomic.atomic_write`);
    only after the whole transfer succeeded and the MD5 matched is it renamed onto ``path``, so an error, a
    checksum mismatch or Ctrl-C never leaves a partial file behind (and one left by a killed process is
    removed by the next download or save into that directory).

    Args:
        urls: a URL or a list of mirror URLs for the same file, tried in order.
        path: the destination file.
        md5: the expected hex MD5 digest, or None to skip the check.
        progress: show a tqdm progress bar when tqdm is installed.
        timeout: socket timeout in seconds.

    Returns:
        ``path``.

    Raises:
        ChecksumError: every mirror failed and at least one delivered a file with the wrong checksum.
        DownloadError: every mirror failed (the message lists each URL and its error).
    """
    urls = [urls] if isinstance(urls, str) else list(urls)
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    name = os.path.basename(path)
    failures = []
    with atomic_write(path) as out:  # renamed onto path only if the block ends without an exception
        for url in urls:
            out.seek(0)
            out.truncate()
            try:
                digest = _fetch(url, out, timeout, progress, name)
            except (urllib.error.URLError, http.client.HTTPException, OSError, ValueError) as e:
                failures.append((url, e))
                continue
            if md5 is not None and digest != md5.lower():
                failures.append((url, ChecksumError(f"MD5 mismatch: got {digest}, expected {md5}")))
                continue
            break
        else:
            details = "; ".join(f"{url}: {e}" for url, e in failures) or "no URLs given"
            kind = ChecksumError if any(isinstance(e, ChecksumError) for _, e in failures) else DownloadError
            raise kind(f"could not download {name} to {folder}: {details}")
    return path
