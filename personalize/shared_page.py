"""The visitor of a page that a shared cache may serve to everyone (``@cacheable_page``)."""

from __future__ import annotations

from personalize.engine.selection import Decision
from personalize.services import slots
from personalize.visitor import CurrentVisitor


class SharedPageVisitor(CurrentVisitor):
    """The visitor of a page a shared cache may serve to everyone (``@cacheable_page``).

    Nobody in particular: every slot gets its default, no segment or intent matches, nothing
    is read, tracked or stored, and nothing marks the response as personalized. Client-side
    slots personalize such pages after they load.
    """

    tracking = False
    is_page_request = False
    preview = None
    counted_when_shown = True  # the server counts nothing: the page's script reports the view

    @property
    def shown_on(self) -> str:
        return self.path  # a page, though not counted here

    def decide(self, slot_key: str) -> Decision:
        decision = self.decisions.get(slot_key)
        if decision is None:
            slots.register_unknown_slot(slot_key, path=self.shown_on)
            decision = Decision(slot_key, reason="page shared by everyone: default content")
            self.decisions[slot_key] = decision
        return decision

    def in_segment(self, slug: str) -> bool:
        return False

    @property
    def segments(self) -> list[str]:
        return []

    @property
    def intent_scores(self) -> dict[str, float]:
        return {}

    @property
    def active_intents(self) -> list[str]:
        return []

    def has_intent(self, slug: str) -> bool:
        return False

    @property
    def interests(self) -> dict[str, float]:
        return {}

    @property
    def traits(self) -> dict:
        return {}

    def add_interest(self, *topics: str) -> None:
        """Not counted here: topic mappings apply when the script reports the page view."""


class InertVisitor(SharedPageVisitor):
    """The visitor while personalization is switched off (``PERSONALIZE_ENABLED = False``), or
    of an API request the middleware did not see: nobody, as on a shared page, but the page's
    script counts nothing either and no slot is registered. Views that read
    ``request.visitor`` or call ``track()`` / ``identify()`` go on working; nothing is written.
    """

    counted_when_shown = False

    def decide(self, slot_key: str) -> Decision:
        decision = self.decisions.get(slot_key)
        if decision is None:
            decision = Decision(slot_key, reason="personalization switched off: default content")
            self.decisions[slot_key] = decision
        return decision


__all__ = ["InertVisitor", "SharedPageVisitor"]
