from django.apps import AppConfig


class ContribCMSTestsConfig(AppConfig):
    name = "tests.contrib_cms"
    label = "contrib_cms_tests"
    default_auto_field = "django.db.models.BigAutoField"
