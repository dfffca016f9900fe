from cms.plugin_base import CMSPluginBase
from cms.plugin_pool import plugin_pool

from tests.contrib_cms.models import Box, Snippet


@plugin_pool.register_plugin
class SnippetPlugin(CMSPluginBase):
    model = Snippet
    render_template = "snippet.html"


@plugin_pool.register_plugin
class BoxPlugin(CMSPluginBase):
    """A container that renders its children, as django CMS's own containers do."""

    model = Box
    render_template = "box.html"
    allow_children = True
