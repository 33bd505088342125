"""A read-only cache directory for tests: a real read-only bind mount where the machine allows it (root can
write through file permissions, not through a read-only mount), else a folder without write permission."""
from __future__ import annotations

import os
import shutil
import subprocess
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def read_only(folder: Path):
    """Make ``folder`` (with whatever it holds) read-only for the duration; yields the read-only path."""
    mounted = subprocess.run(["mount", "--bind", str(folder), str(folder)], capture_output=True).returncode == 0
    if mounted:
        remount = subprocess.run(["mount", "-o", "remount,bind,ro", str(folder)], capture_output=True)
        if remount.returncode != 0:
            subprocess.run(["umount", str(folder)], check=False)
            mounted = False
    if not mounted:
        if os.geteuid() == 0:
            raise RuntimeError("cannot make a read-only folder: bind mounts are refused and root ignores modes")
        for path in [folder, *folder.rglob("*")]:
            path.chmod(0o555 if path.is_dir() else 0o444)
    try:
        probe = folder / ".probe"
        try:
            probe.write_text("x")
        except OSError:
            pass
        else:
            probe.unlink()
            raise RuntimeError(f"{folder} is still writable")
        yield folder
    finally:
        if mounted:
            subprocess.run(["umount", str(folder)], check=False)
        else:
            for path in [folder, *folder.rglob("*")]:
                path.chmod(0o755 if path.is_dir() else 0o644)


def copy_tree(src: Path, dst: Path) -> Path:
    """A copy of a cache dir to make read-only (so the real one is untouched)."""
    shutil.copytree(src, dst, symlinks=True)
    return dst
