package gnnrec

/*
#include <stdlib.h>
#include <gnnrec.h>
*/
import "C"

import (
	"runtime"
	"strings"
	"unsafe"
)

// Graph is a bipartite user-item graph with ratings and metadata.
type Graph struct {
	ptr   *C.gr_graph
	owner *Model // set for a model's training graph, which the model owns
}

func newGraph(p *C.gr_graph) *Graph {
	g := &Graph{ptr: p}
	runtime.SetFinalizer(g, (*Graph).Close)
	return g
}

// Close frees the graph; a model's training graph is freed with the model.
func (g *Graph) Close() {
	if g == nil {
		return
	}
	if g.ptr != nil && g.owner == nil {
		C.gr_graph_free(g.ptr)
	}
	g.ptr = nil
	runtime.SetFinalizer(g, nil)
}

func (g *Graph) raw() *C.gr_graph {
	if g == nil {
		return nil
	}
	return g.ptr
}

// LoadGraph loads an interaction file or a MovieLens directory with its metadata.
func LoadGraph(path string) (*Graph, error) {
	cpath := C.CString(path)
	defer C.free(unsafe.Pointer(cpath))
	var out *C.gr_graph
	if err := call(func() C.int { return C.gr_graph_load(&out, cpath, nil) }); err != nil {
		return nil, err
	}
	return newGraph(out), nil
}

// IDs says what the user and item fields of a file hold (gr_ids).
type IDs int

const (
	// IDsAuto reads integers, unless the first row's user or item field is not one.
	IDsAuto IDs = 0
	// IDsIntegers refuses a field that is not an integer.
	IDsIntegers IDs = 1
	// IDsNames reads every field as a name ("17" too); its id is NameID(name).
	IDsNames IDs = 2
)

// LoadGraphIDs loads like LoadGraph, reading the file's ids as ids says.
func LoadGraphIDs(path string, ids IDs) (*Graph, error) {
	cpath := C.CString(path)
	defer C.free(unsafe.Pointer(cpath))
	var o C.gr_load_options
	o.version = C.GR_LOAD_OPTIONS_VERSION
	o.metadata = 1
	o.ids = C.int(ids)
	var out *C.gr_graph
	if err := call(func() C.int { return C.gr_graph_load(&out, cpath, &o) }); err != nil {
		return nil, err
	}
	return newGraph(out), nil
}

// NameID is the id a name has in a graph whose ids are names: a 63-bit
// hash of its bytes, the same in every file and process.
func NameID(name string) (int64, error) {
	cname := C.CString(name)
	defer C.free(unsafe.Pointer(cname))
	var id C.int64_t
	if err := call(func() C.int { return C.gr_name_id(&id, cname) }); err != nil {
		return 0, err
	}
	return int64(id), nil
}

// HasNames says whether the graph's ids are names.
func (g *Graph) HasNames() bool {
	defer runtime.KeepAlive(g)
	return C.gr_graph_has_names(g.raw()) != 0
}

// UserName is the user's name, "" for integer ids or an unknown id.
func (g *Graph) UserName(user int64) string {
	defer runtime.KeepAlive(g)
	return goStringOrEmpty(C.gr_graph_user_name(g.raw(), C.int64_t(user)))
}

// ItemName is the item's name, "" for integer ids or an unknown id.
func (g *Graph) ItemName(item int64) string {
	defer runtime.KeepAlive(g)
	return goStringOrEmpty(C.gr_graph_item_name(g.raw(), C.int64_t(item)))
}

func goStringOrEmpty(s *C.char) string {
	if s == nil {
		return ""
	}
	return C.GoString(s)
}

// LoadGraphLike loads a file in the id space of like; unknown ids are skipped.
func LoadGraphLike(like *Graph, path string) (*Graph, error) {
	cpath := C.CString(path)
	defer C.free(unsafe.Pointer(cpath))
	defer runtime.KeepAlive(like)
	var out *C.gr_graph
	if err := call(func() C.int { return C.gr_graph_load_like(&out, like.raw(), cpath, nil) }); err != nil {
		return nil, err
	}
	return newGraph(out), nil
}

// GraphFromEdges builds a graph from parallel slices; ratings may be nil.
func GraphFromEdges(users, items []int64, ratings []float32) (*Graph, error) {
	return fromEdges(nil, users, items, ratings)
}

// GraphFromEdgesLike builds a graph in the id space of like.
func GraphFromEdgesLike(like *Graph, users, items []int64, ratings []float32) (*Graph, error) {
	return fromEdges(like, users, items, ratings)
}

func fromEdges(like *Graph, users, items []int64, ratings []float32) (*Graph, error) {
	if len(users) != len(items) || (ratings != nil && len(ratings) != len(users)) {
		return nil, &Error{Code: -1, Status: "GR_EINVAL", Message: "users, items and ratings differ in length"}
	}
	if len(users) == 0 {
		return nil, &Error{Code: -9, Status: "GR_ESTATE", Message: "no edges"}
	}
	defer runtime.KeepAlive(like)
	var r *C.float
	if ratings != nil {
		r = (*C.float)(unsafe.Pointer(&ratings[0]))
	}
	u := (*C.int64_t)(unsafe.Pointer(&users[0]))
	i := (*C.int64_t)(unsafe.Pointer(&items[0]))
	var out *C.gr_graph
	err := call(func() C.int {
		if like == nil {
			return C.gr_graph_from_edges(&out, u, i, r, nil, C.size_t(len(users)), 0)
		}
		return C.gr_graph_from_edges_like(&out, like.raw(), u, i, r, nil, C.size_t(len(users)), 0)
	})
	if err != nil {
		return nil, err
	}
	return newGraph(out), nil
}

// GraphFromNamedEdges builds a graph of edges between named users and
// items (ids that are names, each NameID of its name; the graph keeps
// the names); ratings may be nil.
func GraphFromNamedEdges(users, items []string, ratings []float32) (*Graph, error) {
	return fromNamedEdges(nil, users, items, ratings)
}

// GraphFromNamedEdgesLike builds a graph of named edges in the id space of
// like (a graph of names); names it does not know are skipped and counted.
func GraphFromNamedEdgesLike(like *Graph, users, items []string, ratings []float32) (*Graph, error) {
	return fromNamedEdges(like, users, items, ratings)
}

func fromNamedEdges(like *Graph, users, items []string, ratings []float32) (*Graph, error) {
	defer runtime.KeepAlive(like)
	if len(users) != len(items) || (ratings != nil && len(ratings) != len(users)) {
		return nil, &Error{Code: -1, Status: "GR_EINVAL", Message: "users, items and ratings differ in length"}
	}
	if len(users) == 0 {
		return nil, &Error{Code: -9, Status: "GR_ESTATE", Message: "no edges"}
	}
	n := len(users)
	// the pointer arrays live in C memory: Go memory may not hold Go pointers passed to C
	size := C.size_t(n) * C.size_t(unsafe.Sizeof((*C.char)(nil)))
	u := unsafe.Slice((**C.char)(C.malloc(size)), n)
	i := unsafe.Slice((**C.char)(C.malloc(size)), n)
	for k := 0; k < n; k++ {
		u[k] = C.CString(users[k])
		i[k] = C.CString(items[k])
	}
	defer func() {
		for k := 0; k < n; k++ {
			C.free(unsafe.Pointer(u[k]))
			C.free(unsafe.Pointer(i[k]))
		}
		C.free(unsafe.Pointer(&u[0]))
		C.free(unsafe.Pointer(&i[0]))
	}()
	var r *C.float
	if ratings != nil {
		r = (*C.float)(unsafe.Pointer(&ratings[0]))
	}
	var out *C.gr_graph
	err := call(func() C.int {
		if like != nil {
			return C.gr_graph_from_named_edges_like(&out, like.raw(), &u[0], &i[0], r, nil, C.size_t(n), 0)
		}
		return C.gr_graph_from_named_edges(&out, &u[0], &i[0], r, nil, C.size_t(n), 0)
	})
	if err != nil {
		return nil, err
	}
	return newGraph(out), nil
}

func (g *Graph) NumUsers() int {
	defer runtime.KeepAlive(g)
	return int(C.gr_graph_num_users(g.raw()))
}

func (g *Graph) NumItems() int {
	defer runtime.KeepAlive(g)
	return int(C.gr_graph_num_items(g.raw()))
}

func (g *Graph) NumEdges() int {
	defer runtime.KeepAlive(g)
	return int(C.gr_graph_num_edges(g.raw()))
}

func (g *Graph) NumSkipped() int {
	defer runtime.KeepAlive(g)
	return int(C.gr_graph_num_skipped(g.raw()))
}

// UserIDs lists external user ids in dense-index order.
func (g *Graph) UserIDs() []int64 {
	defer runtime.KeepAlive(g)
	ids := make([]int64, g.NumUsers())
	for i := range ids {
		var id C.int64_t
		C.gr_graph_user_id(&id, g.raw(), C.size_t(i))
		ids[i] = int64(id)
	}
	return ids
}

// ItemIDs lists external item ids in dense-index order (the rows of ItemVectors).
func (g *Graph) ItemIDs() []int64 {
	defer runtime.KeepAlive(g)
	ids := make([]int64, g.NumItems())
	for i := range ids {
		var id C.int64_t
		C.gr_graph_item_id(&id, g.raw(), C.size_t(i))
		ids[i] = int64(id)
	}
	return ids
}

// UserItems returns a user's items and ratings.
func (g *Graph) UserItems(user int64) ([]int64, []float32, error) {
	defer runtime.KeepAlive(g)
	var n C.size_t
	if err := call(func() C.int { return C.gr_graph_user_items(&n, g.raw(), C.int64_t(user), nil, nil, 0) }); err != nil {
		return nil, nil, err
	}
	items := make([]int64, n)
	ratings := make([]float32, n)
	if n == 0 {
		return items, ratings, nil
	}
	err := call(func() C.int {
		return C.gr_graph_user_items(&n, g.raw(), C.int64_t(user), (*C.int64_t)(unsafe.Pointer(&items[0])),
			(*C.float)(unsafe.Pointer(&ratings[0])), C.size_t(len(items)))
	})
	return items, ratings, err
}

// ItemTitle is the item's title, "" when unknown.
func (g *Graph) ItemTitle(item int64) string {
	defer runtime.KeepAlive(g)
	t := C.gr_graph_item_title(g.raw(), C.int64_t(item))
	if t == nil {
		return ""
	}
	return C.GoString(t)
}

// ItemYear is the release year, 0 when unknown.
func (g *Graph) ItemYear(item int64) int {
	defer runtime.KeepAlive(g)
	return int(C.gr_graph_item_year(g.raw(), C.int64_t(item)))
}

// ItemGenres lists the item's genre names.
func (g *Graph) ItemGenres(item int64) []string {
	defer runtime.KeepAlive(g)
	mask := uint64(C.gr_graph_item_genres(g.raw(), C.int64_t(item)))
	var names []string
	for i, name := range g.GenreNames() {
		if mask>>uint(i)&1 == 1 {
			names = append(names, name)
		}
	}
	return names
}

// GenreNames lists the genre names in bit order.
func (g *Graph) GenreNames() []string {
	defer runtime.KeepAlive(g)
	n := int(C.gr_graph_num_genres(g.raw()))
	names := make([]string, n)
	for i := range names {
		names[i] = C.GoString(C.gr_graph_genre_name(g.raw(), C.size_t(i)))
	}
	return names
}

// GenreMask is the mask of genre names; an unknown name is an ErrNotFound naming it.
func (g *Graph) GenreMask(names ...string) (uint64, error) {
	defer runtime.KeepAlive(g)
	c := C.CString(strings.Join(names, ","))
	defer C.free(unsafe.Pointer(c))
	var mask C.uint64_t
	err := call(func() C.int { return C.gr_graph_genre_mask(&mask, g.raw(), c) })
	return uint64(mask), err
}

// SplitOptions are the settings of Split (GR_SPLIT_OPTIONS_INIT by default).
type SplitOptions struct {
	Method                int // 1 per-user ratio, 2 leave-one-out, 3 random
	ValidRatio, TestRatio float64
	Seed                  uint64
}

// DefaultSplitOptions: per user, 80% train, 10% valid, 10% test, seed 42.
func DefaultSplitOptions() SplitOptions {
	return SplitOptions{Method: C.GR_SPLIT_USER_RATIO, ValidRatio: 0.1, TestRatio: 0.1, Seed: 42}
}

// Split returns train, valid (nil without a validation share) and test graphs.
func (g *Graph) Split(o SplitOptions) (train, valid, test *Graph, err error) {
	defer runtime.KeepAlive(g)
	opts := C.gr_split_options{version: C.GR_SPLIT_OPTIONS_VERSION, method: C.int(o.Method),
		valid_ratio: C.double(o.ValidRatio), test_ratio: C.double(o.TestRatio), seed: C.uint64_t(o.Seed)}
	var tr, va, te *C.gr_graph
	wantValid := o.Method == C.GR_SPLIT_LEAVE_ONE_OUT || o.ValidRatio > 0
	err = call(func() C.int {
		if wantValid {
			return C.gr_graph_split(&tr, &va, &te, g.raw(), &opts)
		}
		return C.gr_graph_split(&tr, nil, &te, g.raw(), &opts)
	})
	if err != nil {
		return nil, nil, nil, err
	}
	if va != nil {
		valid = newGraph(va)
	}
	return newGraph(tr), valid, newGraph(te), nil
}
