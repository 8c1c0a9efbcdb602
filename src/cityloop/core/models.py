"""Base models shared by every app; no domain nouns here."""

from django.db import models

from cityloop.core import clock


class TimeStampedModel(models.Model):
    # The platform clock rather than auto_now_add, so that the demo generator can write history.
    created_at = models.DateTimeField(default=clock.now, db_index=True)
    updated_at = models.DateTimeField(default=clock.now)

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        self.updated_at = clock.now()
        super().save(*args, **kwargs)
