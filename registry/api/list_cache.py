"""Rendered API list pages, kept in each worker while the data they show is unchanged.

A page's bytes depend on the data, on who asks (a ministry sees screening on its own
projects only; people's roles see more or less of it) and on the query; never on the
Host header (links come from REGISTRY_BASE_URL or are relative). The key holds all
three, the data as the data version and its
stamp (`registry.database.data_state`): any committed change to the data raises the
version and draws a new stamp, so a page built at an older state is never served again
and simply ages out of the LRU. The version alone would not do: a database restored
from an older copy (`sqlite3 … ".restore"`, `pg_restore`) goes back to an older value
and counts up again through values this worker has cached pages for, but with other
data; the stamps of those values differ. A restored copy's own pair names exactly the
data it was taken with, so a page cached for that pair is still right.
The state is read before the page is built, in the same transaction, so a page is never
newer-keyed than its contents.

Size: `API_LIST_CACHE_MB` per worker (0 turns the cache off).
"""

from __future__ import annotations

import threading
from functools import wraps

from cachetools import LRUCache
from flask import Response, current_app, request

from registry.api.auth import current_actor
from registry.database import data_state
from registry.services.actors import Actor


class PageCache:
    def __init__(self, max_bytes: int):
        self._pages: LRUCache = LRUCache(maxsize=max_bytes, getsizeof=len)
        self._lock = threading.Lock()  # LRUCache reorders itself on every read
        self.max_bytes = max_bytes

    def get(self, key) -> bytes | None:
        with self._lock:
            return self._pages.get(key)

    def put(self, key, body: bytes) -> None:
        if len(body) <= self.max_bytes // 8:  # one page never crowds out the rest
            with self._lock:
                self._pages[key] = body


def init_list_cache(app) -> None:
    megabytes = float(app.config["API_LIST_CACHE_MB"])
    app.extensions["registry_list_cache"] = PageCache(int(megabytes * 1024 * 1024))


def cached_list(view):
    """Serve a list view's 200 JSON page from the cache, or run it and keep its page.

    Goes under `token_required` (the key needs the caller) and above `blp.arguments`:
    a query string is only in the cache if it was valid for this kind of caller.
    """

    @wraps(view)
    def wrapper(*args, **kwargs):
        cache: PageCache = current_app.extensions["registry_list_cache"]
        if cache.max_bytes <= 0:
            return view(*args, **kwargs)
        viewer: Actor = current_actor()
        key = (
            data_state(),
            viewer.role,
            viewer.organisation_id,
            request.query_string,  # links never name the request's Host (REGISTRY_BASE_URL)
        )
        body = cache.get(key)
        if body is not None:
            return Response(body, mimetype="application/json")
        response = view(*args, **kwargs)
        if response.status_code == 200 and response.mimetype == "application/json":
            cache.put(key, response.get_data())
        return response

    return wrapper
