"""Two plain plugins for the tests: a text snippet, and a container to compare with."""

from cms.models import CMSPlugin
from django.db import models


class Snippet(CMSPlugin):
    text = models.CharField(max_length=200)


class Box(CMSPlugin):
    title = models.CharField(max_length=200, blank=True)
