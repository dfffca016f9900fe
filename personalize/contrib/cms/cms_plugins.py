"""The django CMS plugins: "Personalized content", "Segment" and its "Otherwise" child.

None of them may be cached by django CMS (``cache = False``): what they show depends on the
visitor. In edit and structure mode every child renders, so editors can reach all of them.
"""

from __future__ import annotations

from cms.models import CMSPlugin
from cms.plugin_base import CMSPluginBase
from cms.plugin_pool import plugin_pool
from django.utils.translation import gettext_lazy as _

from personalize.contrib.cms import rendering
from personalize.contrib.cms.forms import PersonalizedContentForm, SegmentContentForm
from personalize.contrib.cms.models import PersonalizedContent, SegmentContent

MODULE = _("Personalization")
TEMPLATE = "personalize/cms/plugin.html"


class PersonalizeBasePlugin(CMSPluginBase):
    module = MODULE
    render_template = TEMPLATE
    allow_children = True
    cache = False

    def content(self, context, instance):
        raise NotImplementedError

    def render(self, context, instance, placeholder):
        context = super().render(context, instance, placeholder)
        request = context.get("request")
        editing = rendering.editing(request)
        context[rendering.CONTENT] = None if editing else self.content(context, instance)
        return context


@plugin_pool.register_plugin
class PersonalizedContentPlugin(PersonalizeBasePlugin):
    """A slot: the variant that fits the visitor, or the children (the default content)."""

    name = _("Personalized content")
    model = PersonalizedContent
    form = PersonalizedContentForm

    def content(self, context, instance):
        return rendering.personalized_content(context, instance)


@plugin_pool.register_plugin
class PersonalizeSegmentPlugin(PersonalizeBasePlugin):
    """Children shown to members of segments; "Otherwise" children to everyone else."""

    name = _("Segment")
    model = SegmentContent
    form = SegmentContentForm

    def content(self, context, instance):
        return rendering.segment_content(context, instance)


@plugin_pool.register_plugin
class PersonalizeOtherwisePlugin(PersonalizeBasePlugin):
    """Inside a "Segment" plugin: what visitors outside its segments see."""

    name = _("Otherwise")
    model = CMSPlugin
    require_parent = True
    parent_classes = ["PersonalizeSegmentPlugin"]

    def render(self, context, instance, placeholder):
        context = CMSPluginBase.render(self, context, instance, placeholder)
        context[rendering.CONTENT] = None  # its parent chose whether it renders at all
        return context
