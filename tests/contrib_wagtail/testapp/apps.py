from django.apps import AppConfig


class TestAppConfig(AppConfig):
    name = "tests.contrib_wagtail.testapp"
    label = "wagtail_testapp"
    default_auto_field = "django.db.models.BigAutoField"
