"""A problem found in a content file, printed as ``file:line:col: level: message``."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, order=True)
class Problem:
    path: str
    line: int
    col: int
    message: str
    level: str = "error"  # error | warning

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.col}: {self.level}: {self.message}"

    @classmethod
    def at(
        cls, path: Path | str, line: int, message: str, col: int = 1, level: str = "error"
    ) -> Problem:
        return cls(display_path(path), line, col, message, level)


def display_path(path: Path | str) -> str:
    """Paths relative to the working folder when possible, so editors can jump to them."""
    p = Path(path)
    try:
        return str(p.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(p)
