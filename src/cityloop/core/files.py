"""What an uploaded file is, by its first bytes: never by its name or the type the browser claimed."""

from typing import IO

IMAGE_TYPES = frozenset({"image/jpeg", "image/png", "image/webp"})


def sniff_content_type(file: IO[bytes]) -> str | None:
    """JPEG, PNG, WebP or PDF by magic bytes, or None; the file's position is left at the start."""
    file.seek(0)
    head = file.read(16)
    file.seek(0)
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    return None
