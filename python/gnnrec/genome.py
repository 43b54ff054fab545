"""Tag features of movies for GraphSAGE: MovieLens's tag genome
(genome-scores.csv, genome-tags.csv) or the users' own tags (tags.csv),
reduced to a few dozen columns by the library's truncated SVD, fitted on a
training graph's items (docs/graphsage.md, "Tag genome").

    genome = gnnrec.Genome.read("ml-25m")
    est = gnnrec.GraphSAGE().fit(ratings, item_features=genome)   # fitted on the training items
    est.new_item_users(k=10, features=genome.project_movie(movie))
"""

import ctypes
import os

from . import _buffers
from ._handle import Handle
from ._native import lib
from .errors import check


class Genome(Handle):
    """Relevance rows of tags for movies, and the projection fitted on them."""

    _free = staticmethod(lib.gr_genome_free)

    @classmethod
    def read(cls, directory):
        """genome-scores.csv and genome-tags.csv of a MovieLens 20M/25M/latest directory."""
        out = ctypes.c_void_p()
        check(lib.gr_genome_read(ctypes.byref(out), os.fsencode(directory)))
        return cls(out.value)

    @classmethod
    def read_tags(cls, path, max_tags=1000):
        """The users' own tags (tags.csv) as the same kind of table: tf-idf of
        the max_tags tags applied to the most movies."""
        out = ctypes.c_void_p()
        check(lib.gr_genome_read_tags(ctypes.byref(out), os.fsencode(path), int(max_tags)))
        return cls(out.value)

    @classmethod
    def load(cls, path):
        """A projection saved by save(): it projects rows, and has no movies."""
        out = ctypes.c_void_p()
        check(lib.gr_genome_load(ctypes.byref(out), os.fsencode(path)))
        return cls(out.value)

    def save(self, path):
        """Keep the fitted projection (tag ids and weights), written atomically."""
        check(lib.gr_genome_save(self, os.fsencode(path)))

    @property
    def num_tags(self):
        return lib.gr_genome_n_tags(self)

    @property
    def num_movies(self):
        return lib.gr_genome_n_movies(self)

    @property
    def dim(self):
        """The fitted width; 0 before fit()."""
        return lib.gr_genome_dim(self)

    def __repr__(self):
        if self.closed:
            return "<gnnrec.Genome closed>"
        return "<gnnrec.Genome tags=%d movies=%d dim=%d>" % (self.num_tags, self.num_movies, self.dim)

    def tag_id(self, column):
        out = ctypes.c_int64()
        check(lib.gr_genome_tag_id(ctypes.byref(out), self, int(column)))
        return out.value

    def scores(self, movie):
        """The relevance row of a movie (num_tags values; NotFoundError)."""
        out, addr = _buffers.float_vector(self.num_tags)
        check(lib.gr_genome_scores(addr, self.num_tags, self, int(movie)))
        return out

    def fit(self, graph, dim=32, seed=42):
        """Fit the projection on the graph's items that have rows: dim
        columns (capped), centred, scaled to mean column variance 1.
        Returns the singular values of the centred matrix."""
        sigma, addr = _buffers.float_vector(int(dim))
        check(lib.gr_genome_fit(self, graph, int(dim), int(seed), addr))
        return sigma[:self.dim]

    def features(self, graph):
        """The reduced rows of the graph's items, rows in graph.item_ids() order."""
        rows = graph.num_items
        out, addr = _buffers.float_matrix(rows, self.dim)
        check(lib.gr_features_genome(addr, rows, self.dim, self, graph))
        return out

    def project(self, scores):
        """The reduced row of one relevance row (num_tags values in [0, 1])."""
        vals = [float(v) for v in scores]
        sp, n, keep = _buffers.as_c_array(vals, "f")
        out, addr = _buffers.float_vector(self.dim)
        check(lib.gr_genome_project(addr, self.dim, self, ctypes.cast(sp, ctypes.c_void_p), n))
        del keep
        return out

    def project_movie(self, movie):
        """The reduced row of a movie of the files: a new item's features."""
        return self.project(self.scores(movie))
