"""Citizens' photos: JPEG or PNG of at most 5 MB, known by their first bytes."""

from django.core.files.uploadedfile import UploadedFile

from cityloop.core.files import sniff_content_type

MAX_PHOTO_BYTES = 5 * 1024 * 1024
PHOTO_TYPES = frozenset({"image/jpeg", "image/png"})


def photo_content_type(photo: UploadedFile) -> str | None:
    """"image/jpeg" or "image/png" by the file's magic bytes, or None for anything else."""
    content_type = sniff_content_type(photo)
    return content_type if content_type in PHOTO_TYPES else None
