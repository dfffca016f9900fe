from django.apps import AppConfig


class ShopConfig(AppConfig):
    name = "demo_site.shop"
    label = "shop"
    verbose_name = "Fairway Golf shop"
    default_auto_field = "django.db.models.BigAutoField"
