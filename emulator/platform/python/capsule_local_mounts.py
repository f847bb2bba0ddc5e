"""Managed filesystems for the real SDK on a developer's machine.

On Capsule the platform mounts each `cpsl.FileSystem` at the path the app declares
(`filesystems={"/sources": cpsl.FileSystem("notebook-sources")}`) and the app reads and writes there
with ordinary file calls. A laptop has no `/sources`, and creating one needs root. So the launcher
maps each mount path onto a folder of the workspace's store (`.capsule/filesystems/<name>`) inside
the app's process: Python's own file functions (`open`, the `os` functions that take a path,
`os.scandir`, and so everything built on them: `pathlib`, `shutil`, `glob`, `os.walk`) see the
mount path; the app's code and the SDK are unchanged.

What is not mapped, because it does not go through Python's functions: subprocesses (a shell
command sees the real path), and C libraries that open files themselves (`sqlite3.connect` on a
path under a mount, for example). `os.getcwd()`, `os.path.realpath()` and `__file__`-style results
show the folder's real path.
"""

from __future__ import annotations

import builtins
import io
import os

_ONE_PATH = (
    "stat", "lstat", "listdir", "mkdir", "rmdir", "remove", "unlink", "chdir", "access", "utime",
    "chmod", "truncate", "readlink", "open", "mkfifo", "statvfs", "pathconf", "chown", "lchown",
)
_TWO_PATHS = ("rename", "replace", "link", "symlink")


class Mounts:
    """Mount paths (longest first) and the folders they stand for."""

    def __init__(self, table: dict[str, str]) -> None:
        self.table = sorted(((os.path.normpath(m), os.path.abspath(d)) for m, d in table.items()), key=lambda p: -len(p[0]))

    def map(self, p):
        if isinstance(p, int):
            return p
        try:
            s = os.fspath(p)
        except TypeError:
            return p
        as_bytes = isinstance(s, bytes)
        text = os.fsdecode(s) if as_bytes else s
        if not text.startswith("/"):
            return p
        norm = os.path.normpath(text)
        if norm.startswith("//"):
            norm = "/" + norm.lstrip("/")
        for mount, folder in self.table:
            if norm == mount or norm.startswith(mount + "/"):
                real = folder + norm[len(mount):]
                return os.fsencode(real) if as_bytes else real
        return p

    def unmap(self, real: str | bytes):
        """A real path under a folder, as the app knows it (under its mount path)."""
        as_bytes = isinstance(real, bytes)
        text = os.fsdecode(real) if as_bytes else real
        for mount, folder in self.table:
            if text == folder or text.startswith(folder + "/"):
                shown = mount + text[len(folder):]
                return os.fsencode(shown) if as_bytes else shown
        return real


class _Entry:
    """An os.DirEntry whose `path` is under the mount path the app listed."""

    __slots__ = ("_entry", "_path")

    def __init__(self, entry, path) -> None:
        self._entry = entry
        self._path = path

    @property
    def path(self):
        return self._path

    def __getattr__(self, name):
        return getattr(self._entry, name)

    def __fspath__(self):
        return self._path

    def __repr__(self) -> str:
        return f"<DirEntry {self._entry.name!r}>"


class _Listing:
    def __init__(self, it, mounts: Mounts) -> None:
        self._it = it
        self._mounts = mounts

    def __iter__(self):
        return self

    def __next__(self):
        e = next(self._it)
        return _Entry(e, self._mounts.unmap(e.path))

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self) -> None:
        self._it.close()


def install(table: dict[str, str]) -> Mounts:
    """Creates the folders and maps the mount paths onto them for the rest of the process."""
    mounts = Mounts(table)
    for _, folder in mounts.table:
        os.makedirs(folder, exist_ok=True)
    m = mounts.map

    def one(fn):
        def mapped(path, *args, **kwargs):
            return fn(m(path), *args, **kwargs)

        mapped.__name__ = fn.__name__
        mapped.__doc__ = fn.__doc__
        return mapped

    def two(fn):
        def mapped(src, dst, *args, **kwargs):
            return fn(m(src), m(dst), *args, **kwargs)

        mapped.__name__ = fn.__name__
        mapped.__doc__ = fn.__doc__
        return mapped

    for name in _ONE_PATH:
        if hasattr(os, name):
            setattr(os, name, one(getattr(os, name)))
    for name in _TWO_PATHS:
        if hasattr(os, name):
            setattr(os, name, two(getattr(os, name)))

    real_scandir = os.scandir

    def scandir(path="."):
        if isinstance(path, int):
            return real_scandir(path)
        mapped_path = m(path)
        if mapped_path is path:
            return real_scandir(path)
        return _Listing(real_scandir(mapped_path), mounts)

    os.scandir = scandir
    real_open = builtins.open

    def open_(file, *args, **kwargs):
        return real_open(m(file), *args, **kwargs)

    open_.__doc__ = real_open.__doc__
    builtins.open = open_
    io.open = open_
    return mounts
