"""Why the service recommends an item: the liked items behind each one.

Three sources, best first, chosen once per model:

- "paths" (the KG kinds): gr_model_explain()'s paths of training triples
  from the user to the item (through a liked movie sharing a genre or a
  decade, through similar users, ...); the liked movies on the paths link
  the user to the item.
- "contributions" (LightGCN and MF, with a library that has
  gr_model_explain_items): each liked item's exact additive share of the
  score of the user's fold-in (gr_model_explain_liked for a new user),
  largest first, and the total they sum to.
- "cosine" (every other case, and new users of the KG kinds): the liked
  items whose vectors are most similar (cosine) to the item's: a reading
  of the embedding, not a decomposition of the score, and labelled so.

The calls are declared here with ctypes on the binding's library, when the
library exports them, so the service does not depend on which of them a
binding version wraps.  Every explanation has the same shape, so the page
draws it one way: {"method": ..., "items": [{"item", "title", "weight"},
...]}, plus "paths" (KG kinds) or "total" (contributions).
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
    "contributions": "the liked movies contributing most to the score of the user's history "
                     "(exact additive shares, gr_model_explain_items)",
    "cosine": "the liked movies most similar to it (cosine of the item vectors; "
              "a reading of the embedding, not a decomposition of the score)",
}


class _Triple(ctypes.Structure):
    _fields_ = [("head", ctypes.c_int64), ("relation", ctypes.c_int64), ("tail", ctypes.c_int64)]


class _Explanation(ctypes.Structure):
    _fields_ = [("n_triples", ctypes.c_size_t), ("triples", _Triple * EXPLAIN_MAX), ("weight", ctypes.c_float)]


class _Contribution(ctypes.Structure):  # gr_contribution of gnnrec/recommend.h
    _fields_ = [("item", ctypes.c_int64), ("weight", ctypes.c_float)]


_P = ctypes.POINTER
_SIZE, _I64, _VOID = ctypes.c_size_t, ctypes.c_int64, ctypes.c_void_p
_PROTOTYPES = {
    "gr_model_explain": (ctypes.c_int, [_P(_SIZE), _VOID, _I64, _I64, _P(_Explanation), _SIZE]),
    "gr_model_kg": (ctypes.c_int, [_P(_VOID), _VOID]),
    "gr_kg_entity_name": (ctypes.c_char_p, [_VOID, _I64]),
    "gr_kg_relation_name": (ctypes.c_char_p, [_VOID, _I64]),
    "gr_model_explain_items": (ctypes.c_int, [_P(_SIZE), _P(ctypes.c_float), _VOID, _I64, _I64,
                                              _P(_Contribution), _SIZE]),
    "gr_model_explain_liked": (ctypes.c_int, [_P(_SIZE), _P(ctypes.c_float), _VOID, _P(_I64), _SIZE, _I64,
                                              _P(_Contribution), _SIZE]),
}


def _functions():
    """The explaining calls the loaded library exports, declared.  Each is
    a function object of its own (cdll[name], where cdll.name would return
    the binding's, whose declaration this must not change)."""
    cdll = gnnrec._native.lib._cdll
    out = {}
    for name, (restype, argtypes) in _PROTOTYPES.items():
        try:
            fn = cdll[name]
        except AttributeError:  # an older library
            continue
        fn.restype, fn.argtypes = restype, argtypes
        out[name] = fn
    return out


class Explainer:
    """Explanations for one model; thread-safe (reads only)."""

    def __init__(self, model, catalog):
        self.model = model
        self.catalog = catalog
        self._fn = _functions()
        self._kg = None
        if model.kind in KG_KINDS and "gr_model_explain" in self._fn:
            kg = ctypes.c_void_p()
            if self._fn["gr_model_kg"](ctypes.byref(kg), model._as_parameter_) == 0:
                self._kg = kg
        self.method = "paths" if self._kg else "contributions" if self._splits_scores() else "cosine"

    def _splits_scores(self):
        """Whether the library splits this model's scores over liked items
        (it refuses kinds whose fold-in is not linear)."""
        if "gr_model_explain_items" not in self._fn or "gr_model_explain_liked" not in self._fn:
            return False
        g = self.model.graph
        if not g.num_items:
            return False
        n, total = ctypes.c_size_t(), ctypes.c_float()
        item = ctypes.c_int64(g.item_ids()[0])
        status = self._fn["gr_model_explain_liked"](ctypes.byref(n), ctypes.byref(total), self.model._as_parameter_,
                                                    ctypes.byref(item), 1, item, None, 0)
        return status == 0

    def describe(self):
        return {"method": self.method, "label": LABELS[self.method]}

    def explain(self, items, user=None, liked=None):
        """The explanations of `items` (ids) for a known user (by their
        history) or a new user (by the liked ids), in order."""
        if user is not None and self.method == "paths":
            return [self._paths(user, i) for i in items]
        if self.method == "contributions":
            return [self._contributions(i, user, liked) for i in items]
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

    def _contributions(self, item, user, liked):
        out = (_Contribution * ITEMS_PER_EXPLANATION)()
        n, total = ctypes.c_size_t(), ctypes.c_float()
        m = self.model._as_parameter_
        if user is not None:
            status = self._fn["gr_model_explain_items"](ctypes.byref(n), ctypes.byref(total), m, user, item, out,
                                                        ITEMS_PER_EXPLANATION)
        else:
            ids = (ctypes.c_int64 * len(liked))(*liked)
            status = self._fn["gr_model_explain_liked"](ctypes.byref(n), ctypes.byref(total), m, ids, len(liked),
                                                        item, out, ITEMS_PER_EXPLANATION)
        gnnrec.check(status)
        ranked = [(out[i].item, out[i].weight) for i in range(n.value)]
        return dict(self._shape("contributions", ranked), total=round(total.value, 6))

    def _cosine(self, liked_vectors, item):
        target = self._unit_vector(item)
        scored = [(i, sum(map(operator.mul, v, target))) for i, v in liked_vectors.items() if i != item]
        scored.sort(key=lambda kv: (-kv[1], kv[0]))
        return self._shape("cosine", scored)

    # ---- helpers ------------------------------------------------------------------

    def _shape(self, method, ranked):
        items = [{"item": self.catalog.shown(i), "title": self.catalog.title(i), "weight": round(w, 6)}
                 for i, w in ranked[:ITEMS_PER_EXPLANATION]]
        return {"method": method, "items": items}

    def _triple(self, t):
        name = self._fn["gr_kg_entity_name"]
        rel = self._fn["gr_kg_relation_name"](self._kg, t.relation)
        return [_text(name(self._kg, t.head)), _text(rel), _text(name(self._kg, t.tail))]

    def _entity_text(self, entity):
        """'movie:50' as its title, 'user:7' as 'user 7', an attribute
        value as the value alone, which its relation names
        ('has_genre genre:Comedy' reads 'has genre Comedy')."""
        kind, _, ident = entity.partition(":")
        if not ident:
            return entity
        if kind == "movie" and ident.lstrip("-").isdigit():
            return self.catalog.title(int(ident)) or "movie " + ident
        return "user " + ident if kind == "user" else ident

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


def _text(b):
    return b.decode("utf-8", "replace") if b is not None else "?"
