"""Which articles a customer may see: published, and matching their tier, services and region."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from backend_client.kb.article import Article


@dataclass(frozen=True)
class Scope:
    """The asking customer's context; None means unknown (e.g. an unbound WeChat user).

    An unknown tier sees only articles open to every tier (tiers restrict visibility);
    unknown services or region do not narrow the search (they only restrict relevance).
    Regions are hierarchical with '/': an article for "广东" applies to a customer in "广东/深圳".
    """

    tier: str | None = None
    services: tuple[str, ...] | None = None
    region: str | None = None


def _region_applies(article_regions: tuple[str, ...], region: str | None) -> bool:
    if not article_regions or region is None:
        return True
    return any(region == r or region.startswith(r + "/") for r in article_regions)


def visible(article: Article, scope: Scope) -> bool:
    """True when ``article`` may be shown to a customer in ``scope``."""
    if not article.searchable:
        return False
    if article.tiers and scope.tier not in article.tiers:
        return False
    if article.service_types and scope.services is not None:
        if not set(article.service_types) & set(scope.services):
            return False
    return _region_applies(article.regions, scope.region)


class ScopeMasks:
    """Boolean masks over an index's articles, cached per scope (customers repeat a few scopes)."""

    def __init__(self, articles: Sequence[Article], cache_size: int = 512) -> None:
        self._articles = list(articles)
        self._cache: dict[Scope, np.ndarray] = {}
        self._cache_size = cache_size

    def mask(self, scope: Scope) -> np.ndarray:
        """The articles visible in ``scope`` as a boolean array."""
        found = self._cache.get(scope)
        if found is None:
            found = np.fromiter((visible(a, scope) for a in self._articles), bool, len(self._articles))
            if len(self._cache) >= self._cache_size:
                self._cache.pop(next(iter(self._cache)))
            self._cache[scope] = found
        return found
