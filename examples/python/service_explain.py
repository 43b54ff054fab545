"""Why the service recommends an item: the liked items behind each one.

Three sources, best first, chosen once per model:

- "paths" (the KG kinds): gr_model_explain()'s paths of training triples
  from the user to the item (through a liked movie sharing a genre or a
  decade, through similar users, ...), declared here with ctypes when the
  binding does not expose them; the liked movies on the paths link the
  user to the item.
- "contributions" (models whose binding has Model.explain_items): each
  liked item's exact share of the item's score.
- "cosine" (every other case, and new users of the KG kinds): the liked
  items whose vectors are most similar (cosine) to the item's: a reading
  of the embedding, not a decomposition of the score, and labelled so.

Every explanation has the same shape, so the page draws it one way:
{"method": ..., "label": ..., "items": [{"item", "title", "weight"}, ...]}
plus "paths" for the KG kinds.
"""

import ctypes
import math
import operator

import gnnrec

KG_KINDS = ("transe", "distmult", "rotate", "complex")
EXPLAIN_MAX = 4  # GR_EXPLAIN_MAX of gnnrec/kg.h
PATHS_PER_ITEM = 3
ITEMS_PER_EXPLANATION = 3

LABELS = {
    "paths": "paths of the knowledge graph from the user to the movie (gr_model_explain)",
    "contributions": "the liked movies contributing most to the score",
    "cosine": "the liked movies most similar to it (cosine of the item vectors; "
              "a reading of the embedding, not a decomposition of the score)",
}


class _Triple(ctypes.Structure):
    _fields_ = [("head", ctypes.c_int64), ("relation", ctypes.c_int64), ("tail", ctypes.c_int64)]


class _Explanation(ctypes.Structure):
    _fields_ = [("n_triples", ctypes.c_size_t), ("triples", _Triple * EXPLAIN_MAX), ("weight", ctypes.c_float)]


def _kg_functions():
    """gr_model_explain and the naming calls it needs, declared on the
    binding's library (the binding does not declare them)."""
    cdll = gnnrec._native.lib._cdll
    f = {name: getattr(cdll, name) for name in
         ("gr_model_explain", "gr_model_kg", "gr_kg_entity_name", "gr_kg_relation_name")}
    f["gr_model_explain"].restype = ctypes.c_int
    f["gr_model_explain"].argtypes = [ctypes.POINTER(ctypes.c_size_t), ctypes.c_void_p, ctypes.c_int64,
                                      ctypes.c_int64, ctypes.POINTER(_Explanation), ctypes.c_size_t]
    f["gr_model_kg"].restype = ctypes.c_int
    f["gr_model_kg"].argtypes = [ctypes.POINTER(ctypes.c_void_p), ctypes.c_void_p]
    for name in ("gr_kg_entity_name", "gr_kg_relation_name"):
        f[name].restype = ctypes.c_char_p
        f[name].argtypes = [ctypes.c_void_p, ctypes.c_int64]
    return f


class Explainer:
    """Explanations for one model; thread-safe (reads only)."""

    def __init__(self, model, catalog):
        self.model = model
        self.catalog = catalog
        self._kg = None
        if model.kind in KG_KINDS:
            self._fn = _kg_functions()
            kg = ctypes.c_void_p()
            if self._fn["gr_model_kg"](ctypes.byref(kg), model._as_parameter_) == 0:
                self._kg = kg
        self.method = "paths" if self._kg else (
            "contributions" if hasattr(model, "explain_items") else "cosine")

    def describe(self):
        return {"method": self.method, "label": LABELS[self.method]}

    def explain(self, items, user=None, liked=None):
        """The explanations of `items` (ids) for a known user (by their
        history) or a new user (by the liked ids), in order."""
        if user is not None and self.method == "paths":
            return [self._paths(user, i) for i in items]
        if user is not None and self.method == "contributions":
            return [self._contributions(user, i) for i in items]
        history = liked if liked is not None else [i for i, _ in self.model.graph.user_items(user)]
        liked_vectors = {i: self._unit_vector(i) for i in set(history)}
        return [self._cosine(liked_vectors, i) for i in items]

    # ---- the three methods -------------------------------------------------------

    def _paths(self, user, item):
        paths = (_Explanation * PATHS_PER_ITEM)()
        n = ctypes.c_size_t()
        status = self._fn["gr_model_explain"](ctypes.byref(n), self.model._as_parameter_, user, item, paths,
                                              PATHS_PER_ITEM)
        gnnrec.check(status)
        out, via = [], {}
        for p in paths[:n.value]:
            steps = [self._triple(t) for t in p.triples[:p.n_triples]]
            text = "; ".join("%s %s %s" % (self._entity_text(h), r.replace("_", " "), self._entity_text(t))
                             for h, r, t in steps)
            out.append({"weight": round(p.weight, 6), "steps": steps, "text": text})
            for movie in self._movies_on(steps, item):
                via[movie] = max(via.get(movie, 0.0), p.weight)
        items = sorted(via.items(), key=lambda kv: (-kv[1], kv[0]))
        return dict(self._shape("paths", items), paths=out)

    def _contributions(self, user, item):
        ranked = [_pair(c) for c in self.model.explain_items(user, item)]
        ranked.sort(key=lambda kv: (-kv[1], kv[0]))
        return self._shape("contributions", ranked)

    def _cosine(self, liked_vectors, item):
        target = self._unit_vector(item)
        scored = [(i, sum(map(operator.mul, v, target))) for i, v in liked_vectors.items() if i != item]
        scored.sort(key=lambda kv: (-kv[1], kv[0]))
        return self._shape("cosine", scored)

    # ---- helpers ------------------------------------------------------------------

    def _shape(self, method, ranked):
        items = [{"item": i, "title": self.catalog.title(i), "weight": round(w, 6)}
                 for i, w in ranked[:ITEMS_PER_EXPLANATION]]
        return {"method": method, "items": items}

    def _triple(self, t):
        name = self._fn["gr_kg_entity_name"]
        rel = self._fn["gr_kg_relation_name"](self._kg, t.relation)
        return [_text(name(self._kg, t.head)), _text(rel), _text(name(self._kg, t.tail))]

    def _entity_text(self, entity):
        """'movie:50' as its title, 'genre:Comedy' as 'genre Comedy'."""
        kind, _, ident = entity.partition(":")
        if kind == "movie" and ident.lstrip("-").isdigit():
            return self.catalog.title(int(ident)) or "movie " + ident
        return "%s %s" % (kind, ident) if ident else entity

    def _movies_on(self, steps, item):
        """The catalog's movies a path passes through, other than its end."""
        for step in steps:
            for entity in (step[0], step[2]):
                kind, _, ident = entity.partition(":")
                if kind == "movie" and ident.lstrip("-").isdigit() and int(ident) != item:
                    yield int(ident)

    def _unit_vector(self, item):
        v = [float(a) for a in self.model.item_vector(item)]
        norm = math.sqrt(sum(a * a for a in v))
        return [a / norm for a in v] if norm > 0 else v


def _pair(c):
    """(item, weight) of one entry of Model.explain_items, whether a named
    tuple (item, contribution or score or weight) or a plain pair."""
    item = getattr(c, "item", None)
    if item is None:
        return int(c[0]), float(c[1])
    for name in ("contribution", "score", "weight"):
        if hasattr(c, name):
            return int(item), float(getattr(c, name))
    return int(item), float(c[1])


def _text(b):
    return b.decode("utf-8", "replace") if b is not None else "?"
