"""Hits per bucket per fixed window, counted in the database so that every web process on
every machine shares one limit (the widget per key and client, the Delighted API per key,
each in-store kiosk)."""

from __future__ import annotations

from django.db import models


class RateCounter(models.Model):
    bucket = models.CharField(max_length=200)
    window_start = models.DateTimeField()
    hits = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["bucket", "window_start"], name="one_rate_window")
        ]
        indexes = [models.Index(fields=["window_start"], name="rate_window_start")]

    def __str__(self) -> str:
        return f"{self.bucket} at {self.window_start:%H:%M}: {self.hits}"
