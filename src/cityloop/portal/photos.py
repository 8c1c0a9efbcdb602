"""Citizens' photos: what a file is, by its first bytes (never its name or the type the browser claimed)."""

from django.core.files.uploadedfile import UploadedFile

MAX_PHOTO_BYTES = 5 * 1024 * 1024
PHOTO_SIGNATURES = {b"\xff\xd8\xff": "image/jpeg", b"\x89PNG\r\n\x1a\n": "image/png"}


def photo_content_type(photo: UploadedFile) -> str | None:
    """"image/jpeg" or "image/png" by the file's magic bytes, or None for anything else."""
    photo.seek(0)
    head = photo.read(8)
    photo.seek(0)
    return next((kind for magic, kind in PHOTO_SIGNATURES.items() if head.startswith(magic)), None)
