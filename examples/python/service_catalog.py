"""The model's movies as the page shows them: titles, years, genres, search.

Read once from the model's training graph when the service starts (one
library call per item and field), so that every response can name its
movies without further calls, and title search is a scan of a list.  In a
model whose ids are names, an item is shown by its name (shown()), and the
search matches names as it matches titles.
"""


class Catalog:
    def __init__(self, graph):
        self.genres = graph.genre_names()
        self.ids = graph.item_ids()
        self.named = graph.has_names
        self._title, self._year, self._mask, self._name = {}, {}, {}, {}
        for i in self.ids:
            self._title[i] = graph.item_title(i)
            self._year[i] = graph.item_year(i)
            self._mask[i] = graph.item_genre_mask(i)
            if self.named:
                self._name[i] = graph.item_name(i)
        years = [y for y in self._year.values() if y]
        self.year_range = (min(years), max(years)) if years else (None, None)
        # lower-cased titles and names (ids for untitled items), searched in id order
        self._search = [(i, " ".join(filter(None, (self._title[i], self._name.get(i)))).lower() or str(i))
                        for i in self.ids]

    def __contains__(self, item):
        return item in self._title

    def title(self, item):
        return self._title.get(item)

    def shown(self, item):
        """The item as responses show it: its name where ids are names, else its id."""
        return self._name.get(item, item)

    def year(self, item):
        """The release year, None when unknown."""
        return self._year.get(item) or None

    def genre_names(self, item):
        mask = self._mask.get(item, 0)
        return [g for b, g in enumerate(self.genres) if mask >> b & 1]

    def first_genre(self, item):
        """The index of the item's first genre (its colour on the map), -1 for none."""
        mask = self._mask.get(item, 0)
        return (mask & -mask).bit_length() - 1

    def record(self, item):
        return {"item": self.shown(item), "title": self.title(item), "year": self.year(item),
                "genres": self.genre_names(item)}

    def search(self, query, limit):
        """Items whose title contains every word of `query` (any case),
        titles starting with the query first; a number also matches the id,
        and a name the item of that name."""
        words = query.lower().split()
        if not words:
            return []
        hits = [(not t.startswith(words[0]), i) for i, t in self._search if all(w in t for w in words)]
        hits.sort()
        found = [i for _, i in hits]
        q = query.strip()
        exact = [i for i in self.ids if self._name.get(i) == q] if self.named else (
            [int(q)] if q.lstrip("-").isdigit() and int(q) in self._title else [])
        if exact:  # the id or name itself comes first
            found = exact + [i for i in found if i != exact[0]]
        return [self.record(i) for i in found[:limit]]
