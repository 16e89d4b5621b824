"""Entity extraction: how the learned tagger's spans and the lookup tables' entries settle overlaps."""
from __future__ import annotations

from datetime import datetime, timezone

from nlu.entities import EntityExtractor
from nlu.types import Entity

NOW = datetime(2026, 11, 23, 2, 0, tzinfo=timezone.utc)


class WholeTextTagger:
    """Tags the whole message as an address, as the learned tagger once did with “天河区是不是断网”."""

    def tag(self, text: str) -> list[Entity]:
        return [Entity("address", text, 0, len(text), text, "tagger", 0.9)]


def found(text: str) -> list[tuple[str, str]]:
    extractor = EntityExtractor({}, {"广州市": "region", "天河区": "region"}, {}, WholeTextTagger())  # type: ignore[arg-type]
    return [(e.entity, e.value) for e in extractor.extract(text, NOW)]


def test_a_tagged_span_made_only_of_lookup_entries_is_those_entries():
    assert found("广州市天河区") == [("region", "广州市"), ("region", "天河区")]


def test_a_tagged_address_with_more_than_region_names_stays_an_address():
    assert found("天河区天河路385号") == [("address", "天河区天河路385号")]
