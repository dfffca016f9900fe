"""The demo shop's catalogue: products and inspiration articles."""

from decimal import Decimal

from django.db import models
from django.urls import reverse


class Product(models.Model):
    class Level(models.TextChoices):
        BEGINNER = "beginner", "Beginner"
        INTERMEDIATE = "intermediate", "Intermediate"
        ADVANCED = "advanced", "Advanced"

    name = models.CharField(max_length=200)
    slug = models.SlugField(unique=True)
    level = models.CharField(max_length=20, choices=Level.choices)
    kind = models.CharField(max_length=50, default="Club set")
    price = models.DecimalField(max_digits=8, decimal_places=2)
    sale_price = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True)
    summary = models.CharField(max_length=300)
    description = models.TextField()
    features = models.TextField(blank=True, help_text="One feature per line")
    colour = models.CharField(max_length=7, default="#2f6b3a")
    featured = models.BooleanField(default=False)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "name"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("shop:product", args=[self.slug])

    @property
    def current_price(self) -> Decimal:
        return self.sale_price if self.sale_price is not None else self.price

    @property
    def on_sale(self) -> bool:
        return self.sale_price is not None and self.sale_price < self.price

    @property
    def saving(self) -> Decimal:
        return self.price - self.current_price

    @property
    def feature_list(self) -> list[str]:
        return [line.strip() for line in self.features.splitlines() if line.strip()]


class Article(models.Model):
    title = models.CharField(max_length=200)
    slug = models.SlugField(unique=True)
    teaser = models.CharField(max_length=300)
    body = models.TextField()
    topic = models.CharField(max_length=50)
    colour = models.CharField(max_length=7, default="#3b7d4f")
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "title"]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("shop:article", args=[self.slug])
