"""Screenshot uploads: the type is decided from the file's content (its first bytes), never
from its name or the browser's label, so an SVG or web page renamed .png is refused."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import IO

import filetype

MAX_BYTES = 5 * 1024 * 1024
ALLOWED = {"image/png": "png", "image/jpeg": "jpg", "application/pdf": "pdf"}
TOO_BIG = "The file is bigger than 5 MB. Choose a smaller screenshot, or crop it first."
WRONG_TYPE = ("The file must be a picture (PNG or JPEG) or a PDF. "
              "Other kinds of file, such as Word documents or web pages, cannot be added.")
EMPTY = "The chosen file is empty. Choose the screenshot again."


class UploadError(ValueError):
    """The upload cannot be accepted; the message is shown to the user as it is."""


@dataclass
class CheckedUpload:
    data: bytes
    mime: str
    extension: str
    original_name: str

    @property
    def download_name(self) -> str:
        """The user's file name, tidied, with the extension that matches the content."""
        stem = self.original_name.rsplit("/", 1)[-1].rsplit("\\", 1)[-1].rsplit(".", 1)[0]
        stem = re.sub(r"[^\w .()-]+", "", stem).strip()[:80] or "screenshot"
        return f"{stem}.{self.extension}"


def check_upload(stream: IO[bytes], filename: str | None) -> CheckedUpload:
    """Read at most 5 MB (+1 byte to notice more) and accept only PNG, JPEG or PDF content."""
    data = stream.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise UploadError(TOO_BIG)
    if not data:
        raise UploadError(EMPTY)
    kind = filetype.guess(data)
    if kind is None or kind.mime not in ALLOWED:
        raise UploadError(WRONG_TYPE)
    return CheckedUpload(data=data, mime=kind.mime, extension=ALLOWED[kind.mime],
                         original_name=filename or "")
