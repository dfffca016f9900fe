"""Helpers for rule tests: a plain Context built from a profile, no request, no database."""

import datetime as dt

from django.core.exceptions import ValidationError

from personalize.engine.context import Context
from personalize.profile import Profile
from personalize.rules.base import compile_check

NOW = dt.datetime(2025, 6, 11, 12, 0, tzinfo=dt.UTC)  # a Wednesday
VISITOR_ID = "0123456789abcdef0123456789abcdef"


def make_profile(now=NOW, visitor_id=VISITOR_ID, **fields) -> Profile:
    profile = Profile.new(visitor_id, now.timestamp())
    for name, value in fields.items():
        setattr(profile, name, value)
    return profile


def make_ctx(profile=None, *, now=NOW, **kwargs) -> Context:
    return Context(profile if profile is not None else make_profile(now), now=now, **kwargs)


def field_errors(rule) -> dict:
    """The field errors ``rule.clean()`` raises (``{"__all__": [...]}`` for form errors)."""
    try:
        rule.clean()
    except ValidationError as exc:
        if hasattr(exc, "error_dict"):
            return exc.message_dict
        return {"__all__": exc.messages}
    return {}


def model_errors(rule) -> dict:
    """The errors ``rule.full_clean()`` raises (fields, then ``clean()``), segment aside."""
    try:
        rule.full_clean(exclude=["segment"])
    except ValidationError as exc:
        return exc.message_dict
    return {}


def compiled(rule, ctx) -> bool:
    """What segment evaluation answers for ``rule``: its check as a snapshot compiles it."""
    rule.prepare_for(ctx.snapshot)
    condition, negate = compile_check(rule)
    return bool(condition(ctx) != negate)


def both(rule, ctx) -> tuple[bool, bool]:
    """(result, result with negate ticked): a rule and its negation always disagree; segment
    evaluation (the compiled check) answers the same."""
    rule.negate = False
    plain = rule.evaluate(ctx)
    assert compiled(rule, ctx) == plain
    rule.negate = True
    negated = rule.evaluate(ctx)
    assert compiled(rule, ctx) == negated
    rule.negate = False
    return plain, negated


def segment_admin_post(client, segment, rules):
    """POST the segment's admin change form with ``rules``: [(rule model, {field: value})]."""
    from django.contrib.contenttypes.models import ContentType

    data = {
        "name": segment.name,
        "slug": segment.slug,
        "description": segment.description,
        "category": segment.category,
        "is_active": "on" if segment.is_active else "",
        "match": segment.match,
        "kind": segment.kind,
        "rules-TOTAL_FORMS": str(len(rules)),
        "rules-INITIAL_FORMS": "0",
        "rules-MIN_NUM_FORMS": "0",
        "rules-MAX_NUM_FORMS": "1000",
    }
    for index, (model, fields) in enumerate(rules):
        prefix = f"rules-{index}-"
        data[prefix + "polymorphic_ctype"] = str(ContentType.objects.get_for_model(model).pk)
        data[prefix + "segment"] = str(segment.pk)
        for name, value in fields.items():
            if isinstance(value, list | tuple):
                data[prefix + name] = [str(item) for item in value]
            elif isinstance(value, bool):
                if value:
                    data[prefix + name] = "on"
            else:
                data[prefix + name] = str(value)
    return client.post(f"/admin/personalize/segment/{segment.pk}/change/", data)


def form_errors(response) -> list[str]:
    """Every error message shown on an admin change form (main form and inlines)."""
    context = response.context
    messages = []
    for formset in context["inline_admin_formsets"]:
        for errors in formset.formset.errors:
            for field_errors in errors.values():
                messages.extend(field_errors)
        messages.extend(formset.formset.non_form_errors())
    messages.extend(context["adminform"].form.errors.get("__all__", []))
    return messages
