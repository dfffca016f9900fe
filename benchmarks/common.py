"""Helpers shared by benchmark modules."""

from personalize.sinks import EventSink

#: The browser the benchmarks' returning visitor uses (a desktop Chrome).
DESKTOP = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0.0.0 Safari/537.36"
)


class NullSink(EventSink):
    """Accepts batches and stores nothing: isolates the cost of personalization itself."""

    def emit(self, batch: dict) -> None:
        self.stats.add("accepted", len(batch.get("events") or ()))
