"""The polymorphic :class:`Rule` every segment rule type subclasses.

A rule type is a model that subclasses :class:`Rule` and implements:

``evaluate_condition(ctx) -> bool``
    Whether the visitor described by ``ctx`` (a :class:`personalize.engine.context.Context`)
    satisfies the condition, ignoring ``negate``. It must not query the database: everything
    it needs is on the context or pre-computed in :meth:`~Rule.prepare_for`.
``describe_condition() -> str``
    The condition in plain words, e.g. "arrived from a search engine".

and may implement ``prepare_for(snapshot)`` (pre-compute once per snapshot of definitions;
call ``super().prepare_for(snapshot)``), ``compile_condition()`` (a faster stand-in for
``evaluate_condition``, built once per snapshot), ``clean()`` (validation with field errors) and
``to_q(now)`` (a ``Q`` over ``Visitor`` for static segments and size estimates; ``None`` when
the rule can only be evaluated in Python).

Callers use :meth:`~Rule.evaluate` (``negate`` applied) and :meth:`~Rule.describe`; the
snapshot compiles each rule once with :func:`compile_check` for segment evaluation.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable

from django.db import models
from django.utils.translation import gettext_lazy as _
from polymorphic.models import PolymorphicModel

from personalize.fields import MultipleChoiceField, UnreadableChoices
from personalize.models.segment import Segment
from personalize.utils import log_once

_UNPREPARED = object()


def prefetch_relations(rules) -> None:
    """Load the objects ``rules`` refer to (another segment, an intent, whatever a third-party
    rule type points at) with one query per rule type and relation, not one per rule, so that
    describing many rules costs a fixed number of queries."""
    by_type = defaultdict(list)
    for rule in rules:
        by_type[type(rule)].append(rule)
    for model, group in by_type.items():
        names = [
            field.name
            for field in model._meta.concrete_fields
            if field.many_to_one and field.name not in ("segment", "polymorphic_ctype")
        ]
        if names:
            models.prefetch_related_objects(group, *names)


def prefetch_rules(segments) -> list:
    """``segments`` as a list, each with its rules and what the rules refer to loaded, in a
    fixed number of queries however many segments and rules there are: for listings that show
    :meth:`Segment.describe_rules`, called on the page they show."""
    segments = list(segments)
    models.prefetch_related_objects(segments, "rules")
    prefetch_relations(rule for segment in segments for rule in segment.rules.all())
    return segments


def _defined_in(klass: type, name: str) -> type | None:
    """The class of ``klass``'s MRO whose body defines ``name``."""
    for base in klass.__mro__:
        if name in base.__dict__:
            return base
    return None


def compile_check(rule) -> tuple[Callable[[object], object], bool]:
    """``(condition, negate)`` for the hot path: ``condition(ctx) != negate``, made a bool,
    answers like ``rule.evaluate(ctx)`` for contexts over the snapshot ``rule`` was prepared
    for. Called once per snapshot, after ``prepare_for``; may raise like ``compile_condition()``.

    A rule type that overrides :meth:`Rule.evaluate` itself (the time rules: an unknown time
    zone matches nobody, negated or not) keeps its ``evaluate``; a subclass that overrides
    ``evaluate_condition`` below the class that defines ``compile_condition`` keeps that override.
    """
    klass = type(rule)
    if klass.evaluate is not Rule.evaluate:
        return rule.evaluate, False
    condition_class = _defined_in(klass, "compile_condition")
    if condition_class is not Rule:
        mro = klass.__mro__
        if mro.index(_defined_in(klass, "evaluate_condition")) < mro.index(condition_class):
            return rule.evaluate_condition, rule.negate
    return rule.compile_condition(), rule.negate


class Rule(PolymorphicModel):
    segment = models.ForeignKey(
        Segment, on_delete=models.CASCADE, related_name="rules", verbose_name=_("segment")
    )
    negate = models.BooleanField(
        _("negate"), default=False, help_text=_("Match the visitors who do NOT meet this rule.")
    )
    sort_order = models.PositiveIntegerField(_("order"), default=0)

    #: Segment category this rule type belongs to (used to group rule types in the admin).
    category = Segment.Category.OTHER

    class Meta:
        ordering = ["sort_order", "pk"]
        verbose_name = _("rule")
        verbose_name_plural = _("rules")

    def __str__(self):
        if type(self) is Rule:
            # The base row alone (Django's deletion collector reads it so): its type's fields
            # are in another table, so there is nothing to describe, and nothing is wrong.
            return f"{self._meta.verbose_name} {self.pk}"
        try:
            text = self.describe()
        except Exception:  # a half-filled rule in the admin must still print
            text = ""
        return text or str(self._meta.verbose_name)

    # -- the contract ------------------------------------------------------------------
    def evaluate_condition(self, ctx) -> bool:  # pragma: no cover - abstract
        raise NotImplementedError(f"{type(self).__name__} must implement evaluate_condition(ctx)")

    def describe_condition(self) -> str:  # pragma: no cover - abstract
        raise NotImplementedError(f"{type(self).__name__} must implement describe_condition()")

    def prepare_for(self, snapshot) -> None:
        """Pre-compute what :meth:`evaluate_condition` needs from this rule's fields and from
        ``snapshot`` (``None`` outside one). ``build_snapshot`` calls it once per snapshot;
        :meth:`evaluate` calls it for a rule that was not prepared for the context's snapshot.
        Overrides call ``super().prepare_for(snapshot)`` first.

        Raises ``ValueError`` for a rule whose stored choices could not be read
        (:class:`~personalize.fields.UnreadableChoices`): such a rule never matches."""
        unreadable = self.unreadable_fields()
        if unreadable:
            raise ValueError(f"Stored values that are not a list of choices: {unreadable}.")
        self._prepared_for = snapshot

    def unreadable_fields(self) -> list[str]:
        """Names of the fields whose stored value could not be read (see ``fields.py``)."""
        return [
            field.name
            for field in self._meta.concrete_fields
            if isinstance(field, MultipleChoiceField)
            and isinstance(getattr(self, field.attname), UnreadableChoices)
        ]

    def compile_condition(self) -> Callable[[object], object]:
        """``ctx -> bool``: :meth:`evaluate_condition` (``negate`` ignored) as segment evaluation
        calls it on every request. Called once per snapshot, after :meth:`prepare_for`; the
        callable answers for contexts over that snapshot.

        The default is the bound :meth:`evaluate_condition`. A rule type may return a closure
        over its prepared values instead (a text matcher built once, a scope resolved once): it
        must answer exactly as :meth:`evaluate_condition` does, which stays the reference
        (``evaluate`` and explanations of rules not yet evaluated use it). A subclass that
        overrides ``evaluate_condition`` below the class defining ``compile_condition`` gets the
        default, so the stand-in never hides its override."""
        return self.evaluate_condition

    def to_q(self, now):
        """A ``Q`` over :class:`~personalize.models.Visitor`, or None if not expressible."""
        return None

    # -- public API --------------------------------------------------------------------
    def evaluate(self, ctx) -> bool:
        """Whether the visitor matches this rule, ``negate`` applied."""
        if getattr(self, "_prepared_for", _UNPREPARED) is not ctx.snapshot:
            self.prepare_for(ctx.snapshot)
        return self.evaluate_condition(ctx) != self.negate

    def describe(self) -> str:
        try:
            text = self.describe_condition()
        except Exception:  # values stored around validation: say so, so an editor can fix them
            log_once(
                ("describe", type(self).__name__, self.pk),
                "personalize: %s %s cannot describe its stored values.",
                type(self).__name__,
                self.pk,
                exc_info=True,
            )
            text = f"{self._meta.verbose_name} with unreadable stored values"
        if self.negate:
            return f"NOT {text}"
        return text[:1].upper() + text[1:]

    @classmethod
    def rule_types(cls) -> list[type[Rule]]:
        """Every concrete rule type, built-in or third-party, in a stable order."""
        found: list[type[Rule]] = []
        stack = list(cls.__subclasses__())
        while stack:
            klass = stack.pop(0)
            if not klass._meta.abstract and not klass._meta.proxy:
                found.append(klass)
            stack.extend(klass.__subclasses__())
        return sorted(
            found,
            key=lambda k: (list(Segment.Category.values).index(k.category), k._meta.verbose_name),
        )
