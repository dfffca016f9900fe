"""The adapter's tests run under their own settings (``tests.contrib_cms.settings``), in a
pytest run of their own; the main suite, without django CMS, leaves this directory out."""

from django.conf import settings

if "cms" not in settings.INSTALLED_APPS:
    collect_ignore_glob = ["*"]
