from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PersonalizeWagtailConfig(AppConfig):
    name = "personalize.contrib.wagtail"
    label = "personalize_wagtail"
    verbose_name = _("Personalization for Wagtail")
