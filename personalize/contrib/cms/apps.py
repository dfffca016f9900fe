from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PersonalizeCMSConfig(AppConfig):
    name = "personalize.contrib.cms"
    # "cms" is django CMS's own label.
    label = "personalize_cms"
    verbose_name = _("Personalization for django CMS")
    default_auto_field = "django.db.models.BigAutoField"
