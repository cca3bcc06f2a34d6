"""Pagination for every list: ``limit`` and ``offset`` in, ``Page`` out.

Lists are newest first where they have a time, and every page says its ``total`` so a client can
draw a pager without a second call. Repositories return the filtered rows; the page is cut here so
all lists page the same way whatever store sits below.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Depends, Query
from pydantic import BaseModel

from freeride.api.errors import ApiError
from freeride.core.slices import convert_in_slices

MAX_LIMIT = 1_000
MAX_REACH = 10_000
"""``offset + limit`` stays within this: deeper pages are found by narrowing the filters (a time
range, a symbol), never by scanning past ten thousand rows per request."""
T = TypeVar("T")


class PageParams(BaseModel):
    limit: int = 100
    offset: int = 0

    def cut(self, rows: Sequence[T]) -> list[T]:
        return list(rows[self.offset : self.offset + self.limit])


async def page_params(
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="items per page (1-1000)")] = 100,
    offset: Annotated[
        int,
        Query(
            ge=0,
            le=MAX_REACH - 1,
            description=f"items to skip; offset + limit must be at most {MAX_REACH:,}",
        ),
    ] = 0,
) -> PageParams:
    if offset + limit > MAX_REACH:
        message = f"offset + limit must be at most {MAX_REACH} (narrow the filters to reach further)"
        raise ApiError(422, f"offset: {message}", fields=[("offset", message)])
    return PageParams(limit=limit, offset=offset)


Paging = Annotated[PageParams, Depends(page_params)]


class Page(BaseModel, Generic[T]):
    """One page of a list: the items, how many matched in all, and where the page starts."""

    items: list[T]
    total: int
    limit: int
    offset: int

    @classmethod
    def of(cls, rows: Sequence[T], paging: PageParams) -> Page[T]:
        return cls(items=paging.cut(rows), total=len(rows), limit=paging.limit, offset=paging.offset)

    @classmethod
    async def converted(cls, rows: Sequence[Any], paging: PageParams, convert: Callable[[Any], T]) -> Page[T]:
        """The page of ``rows`` (all that matched), only its own rows converted to response
        models, in slices (``core.slices``): a thousand models hold the shared loop 20 ms."""
        items = await convert_in_slices(paging.cut(rows), convert)
        return cls(items=items, total=len(rows), limit=paging.limit, offset=paging.offset)
