"""Staff previews: the segments, intents and variants forced by the preview query parameter.

``CurrentVisitor.preview`` reads ``PERSONALIZE_PREVIEW_PARAM`` and, for active staff with the
``personalize.view_segment`` permission, parses it with :meth:`Preview.parse`.
"""

from __future__ import annotations

from dataclasses import dataclass

from personalize.tracking.headers import clean_text


@dataclass(frozen=True, slots=True)
class Preview:
    """A staff preview: forced segments, intent and variants. Never tracked."""

    segments: frozenset[str] = frozenset()
    intents: tuple[str, ...] = ()
    variants: tuple[tuple[str, str], ...] = ()  # (slot key, variant slug)

    @classmethod
    def parse(cls, raw: str) -> Preview:
        """``segment:beginner-golfers,intent:deal-seeking,variant:home-hero=deal-hero``."""
        segments, intents, variants = set(), [], []
        for part in raw[:1000].split(",")[:20]:
            kind, _, value = part.strip().partition(":")
            value = clean_text(value, 100)
            if not value:
                continue
            if kind == "segment":
                segments.add(value)
            elif kind == "intent":
                intents.append(value)
            elif kind == "variant" and "=" in value:
                slot, _, variant = value.partition("=")
                variants.append((slot.strip(), variant.strip()))
        return cls(frozenset(segments), tuple(intents), tuple(variants))

    def describe(self) -> str:
        parts = [f"segment {s}" for s in sorted(self.segments)]
        parts += [f"intent {i}" for i in self.intents]
        parts += [f"{slot} = {variant}" for slot, variant in self.variants]
        return ", ".join(parts) or "no segment"
