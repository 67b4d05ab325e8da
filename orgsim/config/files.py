"""Files in and out: TOML read with every failure as a ValidationError, and atomic writes (a
temp file in the same folder, fsync, then rename)."""

from __future__ import annotations

import os
import sys
import tempfile
import tomllib
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from orgsim.config.errors import Problem, ValidationError


def read_toml(path: str | Path) -> dict[str, Any]:
    """Read a TOML file, turning a missing file or bad syntax into a ValidationError naming the file."""
    path = Path(path)
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        raise ValidationError(Problem(str(path), "missing", "the file does not exist")) from None
    except IsADirectoryError:
        raise ValidationError(Problem(str(path), "a directory", "a TOML file")) from None
    except tomllib.TOMLDecodeError as err:
        raise ValidationError(Problem(str(path), "not TOML", f"valid TOML ({err})")) from None
    except UnicodeDecodeError:
        raise ValidationError(Problem(str(path), "binary", "a UTF-8 TOML file")) from None
    except ValueError:  # after its subclasses above: tomllib reads integers with int(), which refuses > 4300 digits
        allowed = f"TOML whose integers have at most {sys.get_int_max_str_digits()} digits"
        raise ValidationError(Problem(str(path), "an integer too long to read", allowed)) from None


def write_toml(data: Mapping[str, Any], path: str | Path | None = None) -> str:
    """``data`` as TOML text; also written atomically to ``path`` when given."""
    import tomli_w  # only writing needs it

    text = tomli_w.dumps(data)
    if path is not None:
        atomic_write_text(Path(path), text)
    return text


def atomic_write(path: Path, write: Callable[[Path], None]) -> None:
    """Call ``write(tmp_path)`` and rename the result onto ``path``; nothing half-written remains."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp_path, 0o666 & ~umask)  # mkstemp makes it private; give the file the usual permissions
    try:
        write(tmp_path)
        with open(tmp_path, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp_path, path)
    except BaseException:
        tmp_path.unlink(missing_ok=True)
        raise


def atomic_write_text(path: Path, text: str) -> None:
    """Write text to ``path`` atomically (UTF-8)."""
    atomic_write(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write bytes to ``path`` atomically."""
    atomic_write(path, lambda tmp: tmp.write_bytes(data))
