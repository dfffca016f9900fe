"""Helpers shared by benchmark modules."""

from personalize.sinks import EventSink


class NullSink(EventSink):
    """Accepts batches and stores nothing: isolates the cost of personalization itself."""

    def emit(self, batch: dict) -> None:
        self.stats.add("accepted", len(batch.get("events") or ()))
