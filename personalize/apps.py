from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PersonalizeConfig(AppConfig):
    name = "personalize"
    verbose_name = _("Personalization")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from personalize import checks, signals

        signals.connect()
        checks.register()
