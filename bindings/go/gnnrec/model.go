package gnnrec

/*
#include <stdlib.h>
#include <gnnrec.h>
*/
import "C"

import (
	"runtime"
	"unsafe"
)

// Model is a trained model; safe for concurrent use.
type Model struct {
	ptr *C.gr_model
}

func newModel(p *C.gr_model) *Model {
	m := &Model{ptr: p}
	runtime.SetFinalizer(m, (*Model).Close)
	return m
}

// Close frees the model (and its training graph).
func (m *Model) Close() {
	if m == nil {
		return
	}
	if m.ptr != nil {
		C.gr_model_free(m.ptr)
	}
	m.ptr = nil
	runtime.SetFinalizer(m, nil)
}

// LoadModel loads a saved model.
func LoadModel(path string) (*Model, error) {
	cpath := C.CString(path)
	defer C.free(unsafe.Pointer(cpath))
	var out *C.gr_model
	if err := call(func() C.int { return C.gr_model_load(&out, cpath) }); err != nil {
		return nil, err
	}
	return newModel(out), nil
}

// Save writes the model atomically.
func (m *Model) Save(path string) error {
	defer runtime.KeepAlive(m)
	cpath := C.CString(path)
	defer C.free(unsafe.Pointer(cpath))
	return call(func() C.int { return C.gr_model_save(m.ptr, cpath) })
}

// Kind is "lightgcn", "mf", ...
func (m *Model) Kind() string {
	defer runtime.KeepAlive(m)
	n := C.gr_model_kind_name(C.gr_model_kind_of(m.ptr))
	if n == nil {
		return ""
	}
	return C.GoString(n)
}

func (m *Model) Dim() int {
	defer runtime.KeepAlive(m)
	return int(C.gr_model_dim(m.ptr))
}

// Graph is the training graph (ids, metadata, seen items), owned by the model.
func (m *Model) Graph() *Graph {
	defer runtime.KeepAlive(m)
	return &Graph{ptr: C.gr_model_graph(m.ptr), owner: m}
}

// Info is a recorded hyper-parameter or statistic ("dim", "epochs", ...).
func (m *Model) Info(key string) (float64, error) {
	defer runtime.KeepAlive(m)
	c := C.CString(key)
	defer C.free(unsafe.Pointer(c))
	var v C.double
	err := call(func() C.int { return C.gr_model_info(&v, m.ptr, c) })
	return float64(v), err
}

// ItemVector copies one item's vector.
func (m *Model) ItemVector(item int64) ([]float32, error) {
	defer runtime.KeepAlive(m)
	v := make([]float32, m.Dim())
	err := call(func() C.int {
		return C.gr_model_item_vector((*C.float)(unsafe.Pointer(&v[0])), C.size_t(len(v)), m.ptr, C.int64_t(item))
	})
	return v, err
}

// UserVector copies one user's vector.
func (m *Model) UserVector(user int64) ([]float32, error) {
	defer runtime.KeepAlive(m)
	v := make([]float32, m.Dim())
	err := call(func() C.int {
		return C.gr_model_user_vector((*C.float)(unsafe.Pointer(&v[0])), C.size_t(len(v)), m.ptr, C.int64_t(user))
	})
	return v, err
}

// ItemVectors copies all item vectors, row-major NumItems x Dim in ItemIDs order.
func (m *Model) ItemVectors() ([]float32, error) {
	defer runtime.KeepAlive(m)
	rows := m.Graph().NumItems()
	v := make([]float32, rows*m.Dim())
	err := call(func() C.int {
		return C.gr_model_item_vectors((*C.float)(unsafe.Pointer(&v[0])), C.size_t(rows), C.size_t(m.Dim()), m.ptr)
	})
	return v, err
}

// Scored is one recommended item.
type Scored struct {
	Item  int64
	Score float32
}

// RecOptions filter a recommendation; nil means the defaults.
type RecOptions struct {
	IncludeSeen      bool   // keep the user's training items
	Least            bool   // the least relevant items instead of the most
	Genres           uint64 // keep items with any of these genre bits (Graph.GenreMask); 0 keeps all
	YearMin, YearMax int    // 0 leaves that end open
	MinScore         *float64
}

func (o *RecOptions) raw() C.gr_rec_options {
	r := C.gr_rec_options{version: C.GR_REC_OPTIONS_VERSION, exclude_seen: 1}
	if o == nil {
		return r
	}
	if o.IncludeSeen {
		r.exclude_seen = 0
	}
	if o.Least {
		r.least = 1
	}
	r.genres = C.uint64_t(o.Genres)
	r.year_min, r.year_max = C.int(o.YearMin), C.int(o.YearMax)
	if o.MinScore != nil {
		r.has_min_score, r.min_score = 1, C.double(*o.MinScore)
	}
	return r
}

// top calls fn with room for k results.  The library refuses k < 1 or k
// above the number of items before writing anything, so the buffers never
// need more than max(1, min(k, items)) slots.
func (m *Model) top(k int, fn func(n *C.size_t, items *C.int64_t, scores *C.float) C.int) ([]Scored, error) {
	if n := m.Graph().NumItems(); k > n {
		k = n
	}
	if k < 1 {
		k = 1
	}
	items := make([]int64, k)
	scores := make([]float32, k)
	var n C.size_t
	err := call(func() C.int {
		return fn(&n, (*C.int64_t)(unsafe.Pointer(&items[0])), (*C.float)(unsafe.Pointer(&scores[0])))
	})
	if err != nil {
		return nil, err
	}
	out := make([]Scored, int(n))
	for i := range out {
		out[i] = Scored{items[i], scores[i]}
	}
	return out, nil
}

// Recommend returns the top-k items for a known user, best first.
func (m *Model) Recommend(user int64, k int, o *RecOptions) ([]Scored, error) {
	defer runtime.KeepAlive(m)
	opts := o.raw()
	return m.top(k, func(n *C.size_t, items *C.int64_t, scores *C.float) C.int {
		return C.gr_model_recommend(n, m.ptr, C.int64_t(user), C.size_t(k), &opts, items, scores)
	})
}

// RecommendLiked returns the top-k items for a new user who liked these items.
func (m *Model) RecommendLiked(liked []int64, k int, o *RecOptions) ([]Scored, error) {
	defer runtime.KeepAlive(m)
	opts := o.raw()
	var lp *C.int64_t
	if len(liked) > 0 {
		lp = (*C.int64_t)(unsafe.Pointer(&liked[0]))
	}
	return m.top(k, func(n *C.size_t, items *C.int64_t, scores *C.float) C.int {
		return C.gr_model_recommend_liked(n, m.ptr, lp, C.size_t(len(liked)), C.size_t(k), &opts, items, scores)
	})
}

// SimilarItems returns the k items most similar (cosine) to item, itself excluded.
func (m *Model) SimilarItems(item int64, k int, o *RecOptions) ([]Scored, error) {
	defer runtime.KeepAlive(m)
	opts := o.raw()
	return m.top(k, func(n *C.size_t, items *C.int64_t, scores *C.float) C.int {
		return C.gr_model_similar_items(n, m.ptr, C.int64_t(item), C.size_t(k), &opts, items, scores)
	})
}

// FoldIn is the vector a new user with these liked items gets.
func (m *Model) FoldIn(liked []int64) ([]float32, error) {
	defer runtime.KeepAlive(m)
	v := make([]float32, m.Dim())
	var lp *C.int64_t
	if len(liked) > 0 {
		lp = (*C.int64_t)(unsafe.Pointer(&liked[0]))
	}
	err := call(func() C.int {
		return C.gr_model_fold_in((*C.float)(unsafe.Pointer(&v[0])), C.size_t(len(v)), m.ptr, lp, C.size_t(len(liked)))
	})
	return v, err
}

// Metrics are the ranking metrics at cut-off K.
type Metrics struct {
	K                                 int
	Recall, Precision, NDCG, Hit, MRR float64
}

// Evaluate ranks all items for every test user, the items of exclude left out.
func (m *Model) Evaluate(exclude, test *Graph, ks []int) ([]Metrics, error) {
	defer runtime.KeepAlive(m)
	defer runtime.KeepAlive(exclude)
	defer runtime.KeepAlive(test)
	if len(ks) == 0 {
		return nil, nil
	}
	cks := make([]C.int, len(ks))
	for i, k := range ks {
		cks[i] = C.int(k)
	}
	out := make([]float64, len(ks)*C.GR_METRIC_COUNT)
	err := call(func() C.int {
		return C.gr_eval_ranking((*C.double)(unsafe.Pointer(&out[0])), nil, m.ptr, exclude.raw(), test.raw(), &cks[0],
			C.size_t(len(ks)))
	})
	if err != nil {
		return nil, err
	}
	res := make([]Metrics, len(ks))
	for i, k := range ks {
		v := out[i*C.GR_METRIC_COUNT:]
		res[i] = Metrics{k, v[C.GR_METRIC_RECALL], v[C.GR_METRIC_PRECISION], v[C.GR_METRIC_NDCG], v[C.GR_METRIC_HIT],
			v[C.GR_METRIC_MRR]}
	}
	return res, nil
}
