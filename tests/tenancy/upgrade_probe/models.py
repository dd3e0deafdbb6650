from django.db import models


class Probe(models.Model):
    """Only what post_migrate needs (content type, permissions); the columns
    each release adds are in its migrations."""

    name = models.CharField(max_length=40)
