"""What the delete pages of segments and intents say: rules shown in words, where they are."""

from __future__ import annotations

from django.contrib.admin.utils import quote
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from personalize.models import Rule


def _prefix(model) -> str:
    return f"{capfirst(model._meta.verbose_name)}: "


def without_base_rules(items: list) -> list:
    """Django lists each rule twice, as "Rule: rule" (the shared table) with the rule of its
    type nested under it; keep only the rule of its type, in words."""
    prefix = _prefix(Rule)
    result = []
    hoist = False
    for item in items:
        if isinstance(item, list):
            children = without_base_rules(item)
            if hoist:
                result.extend(children)
            else:
                result.append(children)
            hoist = False
        elif str(item).startswith(prefix):
            hoist = True
        else:
            result.append(item)
            hoist = False
    return result


def without_base_rule_count(counts: dict) -> dict:
    name = str(Rule._meta.verbose_name_plural)
    return {key: count for key, count in counts.items() if str(key) != name}


def rules_that_block(admin_site, protected: list, rules) -> list:
    """``protected`` with each blocking rule among ``rules`` named with the segment that holds
    it (linked), since an editor finds a rule through its segment."""
    blocking = {f"{_prefix(type(rule))}{rule}": rule for rule in rules}
    result = []
    for item in protected:
        rule = blocking.get(str(item))
        result.append(item if rule is None else _rule_in_its_segment(admin_site, rule))
    return result


def _rule_in_its_segment(admin_site, rule) -> str:
    segment = rule.segment
    try:
        url = reverse(f"{admin_site.name}:personalize_segment_change", args=(quote(segment.pk),))
    except NoReverseMatch:
        name = segment.name
    else:
        name = format_html('<a href="{}">{}</a>', url, segment.name)
    return format_html(
        "{} {} ({}: {})", capfirst(_("segment")), name, _("its rule"), rule.describe()
    )
