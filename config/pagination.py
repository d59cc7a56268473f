"""Opt-in paging for the API's lists (?limit=&offset=); without them a list stays an array."""

from rest_framework.pagination import LimitOffsetPagination

# Past these the database refuses the number itself (bigint): a 500, not an empty page.
MAX_OFFSET = 10**9


class OptionalLimitOffsetPagination(LimitOffsetPagination):
    max_limit = 1000

    def get_offset(self, request):
        return min(super().get_offset(request), MAX_OFFSET)

    def get_paginated_response_schema(self, schema):
        """A plain array, or with ?limit= DRF's page (its example links made relative: the
        docs name no outside host)."""
        page = super().get_paginated_response_schema(schema)
        for key, offset in (("next", 400), ("previous", 200)):
            page["properties"][key]["example"] = f"/api/auctions/?offset={offset}&limit=100"
        page["description"] = "With ?limit= (and ?offset=): one page of the list."
        return {"oneOf": [schema, page]}
