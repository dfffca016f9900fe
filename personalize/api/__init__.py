"""The REST API of django-personalize (Django REST framework): see ``docs/api.md``.

Mounted by ``personalize.urls`` under ``api/``: decisions for client-side slots and headless
front-ends, event intake, visitor self-service, and staff CRUD, export and statistics.
"""
