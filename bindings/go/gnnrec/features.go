package gnnrec

/*
#include <stdlib.h>
#include <gnnrec.h>
*/
import "C"

import (
	"fmt"
	"runtime"
	"unsafe"
)

// Node is one of the two node types of the bipartite graph.
type Node int

const (
	Users Node = C.GR_NODE_USER
	Items Node = C.GR_NODE_ITEM
)

// NewUser is a user the model has not seen (GraphSAGE): demographics, a
// few rated items, or, for a model trained on caller features, its
// feature row.  Zero values and nil slices are "unknown"; Age is -1 when
// unknown (NewUser{Age: -1} is the empty user).
type NewUser struct {
	Age        int
	Gender     byte // 'M', 'F' or 0
	Occupation string
	Items      []int64
	Ratings    []float32 // nil, or one per item
	Timestamps []int64   // nil, or one per item
	Features   []float32 // nil, or Model.FeatureDim(Users) values
}

// NewItem is an item the model has not seen: genres, year, its first
// raters or its feature row.
type NewItem struct {
	Genres     uint64 // a mask of Graph.GenreMask
	Year       int    // 0 unknown
	Users      []int64
	Ratings    []float32 // nil, or one per user
	Timestamps []int64   // nil, or one per user
	Features   []float32 // nil, or Model.FeatureDim(Items) values
}

func lengthsOK(n int, ratings []float32, timestamps []int64) error {
	if (ratings != nil && len(ratings) != n) || (timestamps != nil && len(timestamps) != n) {
		return &Error{Code: -1, Status: "GR_EINVAL", Message: "ratings and timestamps must be nil or one per item or user"}
	}
	return nil
}

// cFloats and cInt64s copy a slice into C memory (nil for an empty one):
// cgo forbids passing C a struct that points into Go memory.
func cFloats(v []float32) *C.float {
	if len(v) == 0 {
		return nil
	}
	p := (*C.float)(C.malloc(C.size_t(len(v)) * C.size_t(unsafe.Sizeof(C.float(0)))))
	copy(unsafe.Slice((*float32)(unsafe.Pointer(p)), len(v)), v)
	return p
}

func cInt64s(v []int64) *C.int64_t {
	if len(v) == 0 {
		return nil
	}
	return cIDs(v)
}

// raw is the C struct of u; call free once the library call returned.
func (u *NewUser) raw() (r C.gr_new_user, free func(), err error) {
	free = func() {}
	if err = lengthsOK(len(u.Items), u.Ratings, u.Timestamps); err != nil {
		return
	}
	if u.Gender != 0 && u.Gender != 'M' && u.Gender != 'F' {
		err = &Error{Code: -1, Status: "GR_EINVAL", Message: fmt.Sprintf("gender must be 'M' or 'F', got %q", u.Gender)}
		return
	}
	r = C.gr_new_user{version: C.GR_NEW_USER_VERSION, age: C.int(u.Age), gender: C.char(u.Gender),
		n_items: C.size_t(len(u.Items))}
	r.items, r.ratings, r.timestamps, r.features = cInt64s(u.Items), cFloats(u.Ratings), cInt64s(u.Timestamps), cFloats(u.Features)
	if u.Occupation != "" {
		r.occupation = C.CString(u.Occupation)
	}
	free = func() {
		C.free(unsafe.Pointer(r.items))
		C.free(unsafe.Pointer(r.ratings))
		C.free(unsafe.Pointer(r.timestamps))
		C.free(unsafe.Pointer(r.features))
		C.free(unsafe.Pointer(r.occupation))
	}
	return
}

func (it *NewItem) raw() (r C.gr_new_item, free func(), err error) {
	free = func() {}
	if err = lengthsOK(len(it.Users), it.Ratings, it.Timestamps); err != nil {
		return
	}
	r = C.gr_new_item{version: C.GR_NEW_ITEM_VERSION, genres: C.uint64_t(it.Genres), year: C.int(it.Year),
		n_users: C.size_t(len(it.Users))}
	r.users, r.ratings, r.timestamps, r.features = cInt64s(it.Users), cFloats(it.Ratings), cInt64s(it.Timestamps), cFloats(it.Features)
	free = func() {
		C.free(unsafe.Pointer(r.users))
		C.free(unsafe.Pointer(r.ratings))
		C.free(unsafe.Pointer(r.timestamps))
		C.free(unsafe.Pointer(r.features))
	}
	return
}

// SetFeatures makes GraphSAGE fits of this trainer use the caller's feature
// matrix for users or items: rows x dim values, row-major, rows in the
// training graph's dense-index order (copied).  A nil x returns to the
// built-in features.
func (t *Trainer) SetFeatures(n Node, x []float32, rows, dim int) error {
	defer runtime.KeepAlive(t)
	if len(x) != rows*dim {
		return &Error{Code: -1, Status: "GR_EINVAL", Message: fmt.Sprintf("%d values for %d rows of %d", len(x), rows, dim)}
	}
	if len(x) == 0 {
		return call(func() C.int { return C.gr_trainer_set_features(t.ptr, C.int(n), nil, 0, 0) })
	}
	return call(func() C.int {
		return C.gr_trainer_set_features(t.ptr, C.int(n), (*C.float)(unsafe.Pointer(&x[0])), C.size_t(rows), C.size_t(dim))
	})
}

// FeatureDim is the width of the model's feature rows (0 without features).
func (m *Model) FeatureDim(n Node) (int, error) {
	defer runtime.KeepAlive(m)
	var d C.size_t
	err := call(func() C.int { return C.gr_model_feature_dim(&d, m.ptr, C.int(n)) })
	return int(d), err
}

// Features is the matrix the model keeps, row-major, rows in dense-index order.
func (m *Model) Features(n Node) ([]float32, error) {
	defer runtime.KeepAlive(m)
	d, err := m.FeatureDim(n)
	if err != nil {
		return nil, err
	}
	rows := m.Graph().NumItems()
	if n == Users {
		rows = m.Graph().NumUsers()
	}
	x := make([]float32, rows*d)
	if len(x) == 0 {
		return x, nil
	}
	err = call(func() C.int {
		return C.gr_model_features((*C.float)(unsafe.Pointer(&x[0])), C.size_t(rows), C.size_t(d), m.ptr, C.int(n))
	})
	return x, err
}

// RecommendNewUser gives the top-k items for a user the model has not seen.
func (m *Model) RecommendNewUser(u NewUser, k int, o *RecOptions) ([]Scored, error) {
	defer runtime.KeepAlive(m)
	r, free, err := u.raw()
	defer free()
	if err != nil {
		return nil, err
	}
	opts, freeOpts := o.raw()
	defer freeOpts()
	room := clampRoom(k, m.Graph().NumItems())
	items := make([]C.int64_t, room)
	scores := make([]C.float, room)
	var n C.size_t
	err = call(func() C.int {
		return C.gr_model_recommend_new_user(&n, m.ptr, &r, C.size_t(k), &opts, &items[0], &scores[0])
	})
	if err != nil {
		return nil, err
	}
	out := make([]Scored, int(n))
	for j := range out {
		out[j] = Scored{Item: int64(items[j]), Score: float32(scores[j])}
	}
	return out, nil
}

// NewItemTopUsers gives the k users an unseen item suits best, best first.
func (m *Model) NewItemTopUsers(it NewItem, k int) ([]ScoredUser, error) {
	defer runtime.KeepAlive(m)
	r, free, err := it.raw()
	defer free()
	if err != nil {
		return nil, err
	}
	room := clampRoom(k, m.Graph().NumUsers())
	users := make([]C.int64_t, room)
	scores := make([]C.float, room)
	var n C.size_t
	err = call(func() C.int { return C.gr_model_new_item_top_users(&n, m.ptr, &r, C.size_t(k), &users[0], &scores[0]) })
	if err != nil {
		return nil, err
	}
	out := make([]ScoredUser, int(n))
	for j := range out {
		out[j] = ScoredUser{User: int64(users[j]), Score: float32(scores[j])}
	}
	return out, nil
}

// ScoreNewItem gives an unseen item's scores for known users, in their order.
func (m *Model) ScoreNewItem(it NewItem, users []int64) ([]float32, error) {
	defer runtime.KeepAlive(m)
	r, free, err := it.raw()
	defer free()
	if err != nil {
		return nil, err
	}
	scores := make([]float32, len(users)+1)
	ids := cIDs(users)
	defer C.free(unsafe.Pointer(ids))
	err = call(func() C.int {
		return C.gr_model_score_new_item((*C.float)(unsafe.Pointer(&scores[0])), m.ptr, &r, ids, C.size_t(len(users)))
	})
	return scores[:len(users)], err
}

// clampRoom is the room a top-k call needs: k, at most n, at least 1.
func clampRoom(k, n int) int {
	if k > n {
		k = n
	}
	if k < 1 {
		k = 1
	}
	return k
}
