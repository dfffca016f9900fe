"""Wagtail integration: StreamField blocks over personalize's slots and segments.

Install with ``pip install "django-personalize[wagtail]"``, add ``"personalize.contrib.wagtail"``
to ``INSTALLED_APPS`` (for the admin menu item) and use :class:`~.blocks.SlotBlock` and
:class:`~.blocks.SegmentBlock` in a page's ``StreamField``. See ``docs/wagtail.md``.
"""
