"""django CMS plugins for personalization: ``personalize.contrib.cms``.

"Personalized content" renders a :class:`~personalize.models.Slot` exactly as
``{% personalize %}`` does, its child plugins being the default content; "Segment" shows its
child plugins to members of chosen segments only, and an "Otherwise" child holds what everyone
else sees. See ``docs/django-cms.md``.
"""
