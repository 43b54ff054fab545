/*
 * gnnrec/gnnrec.hpp - header-only C++ wrapper over the C API (C++11).
 *
 * Every handle is owned by one object and freed by its destructor; objects
 * move but do not copy.  A failing call throws gnnrec::error carrying the
 * status code and gr_last_error()'s message.  Nothing here is compiled
 * into libgnnrec, so this header adds nothing to the library's ABI.
 *
 *   gnnrec::graph data = gnnrec::graph::load("ml-100k");
 *   gnnrec::split_graphs s = data.split();
 *   gnnrec::trainer t("lightgcn");
 *   t.set("dim", 64).set("epochs", 100).validation(s.valid);
 *   gnnrec::model m = t.fit(s.train);
 *   for (const auto &r : m.recommend(1, 10)) ...
 */
#ifndef GNNREC_HPP
#define GNNREC_HPP

#include <algorithm>
#include <cmath>
#include <exception>
#include <functional>
#include <limits>
#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "../gnnrec.h"

namespace gnnrec {

/* A failed library call: code() is a gr_status, what() the library's message. */
class error : public std::runtime_error {
public:
    error(int code, const std::string &message) : std::runtime_error(message), code_(code) {}
    int code() const noexcept { return code_; }
    const char *status_name() const noexcept { return gr_status_name(code_); }

private:
    int code_;
};

namespace detail {

inline void check(int status)
{
    if (status != GR_OK) throw error(status, gr_last_error());
}

template <typename T> inline std::string to_text(const T &value)
{
    std::ostringstream s;
    s.precision(17);
    s << value;
    return s.str();
}
inline std::string to_text(const std::string &value) { return value; }
inline std::string to_text(const char *value) { return value; }
inline std::string to_text(bool value) { return value ? "1" : "0"; }

/* Owns one C handle; Free is the library's free function. */
template <typename T, void (*Free)(T *)> class handle {
public:
    explicit handle(T *h = nullptr) noexcept : h_(h) {}
    handle(handle &&o) noexcept : h_(o.h_) { o.h_ = nullptr; }
    handle &operator=(handle &&o) noexcept
    {
        if (this != &o) {
            Free(h_);
            h_ = o.h_;
            o.h_ = nullptr;
        }
        return *this;
    }
    handle(const handle &) = delete;
    handle &operator=(const handle &) = delete;
    ~handle() { Free(h_); }
    T *get() const noexcept { return h_; }

private:
    T *h_;
};

} // namespace detail

/* The library's version at run time, and at compile time. */
/* The id a name has in a graph whose ids are names (gr_name_id). */
inline int64_t name_id(const std::string &name)
{
    int64_t id = 0;
    detail::check(gr_name_id(&id, name.c_str()));
    return id;
}

inline std::string version() { return gr_version_string(); }
inline int version_number() { return gr_version(); }
inline const char *header_version() { return GR_VERSION_STRING; }

/* One recommended item. */
struct scored_item {
    int64_t item;
    float score;
};

/* One similar user. */
struct scored_user {
    int64_t user;
    float score;
};

/* One history item's term of a score, and all the terms of one score. */
struct contribution {
    int64_t item;
    float weight;
};
struct item_explanation {
    float total;                     /* the score the terms sum to */
    std::vector<contribution> terms; /* largest first */
};

/* Ranking metrics at one cut-off. */
struct ranking_metrics {
    int k;
    double recall, precision, ndcg, hit, mrr;
};

/* Filters of a recommendation (gr_rec_options), built fluently:
 *   gnnrec::rec_options().genres(mask).years(1990, 1999) */
class rec_options {
public:
    rec_options() noexcept
    {
        gr_rec_options init = GR_REC_OPTIONS_INIT;
        o_ = init;
    }
    rec_options &exclude_seen(bool on) { o_.exclude_seen = on; return *this; }
    rec_options &least(bool on) { o_.least = on; return *this; }
    rec_options &genres(uint64_t mask) { o_.genres = mask; return *this; }
    rec_options &years(int min, int max) { o_.year_min = min; o_.year_max = max; return *this; }
    rec_options &min_score(double s) { o_.has_min_score = 1; o_.min_score = s; return *this; }
    /* Never return these items. */
    rec_options &exclude_items(const std::vector<int64_t> &ids) { exclude_ = ids; return *this; }
    /* Return only items among these (an empty list returns nothing). */
    rec_options &only_items(const std::vector<int64_t> &ids) { only_ = ids; has_only_ = true; return *this; }
    /* The lists point into this object: valid while it lives unchanged. */
    const gr_rec_options *get() const noexcept
    {
        static const int64_t none = 0;
        o_.exclude_items = exclude_.empty() ? nullptr : exclude_.data();
        o_.n_exclude_items = exclude_.size();
        o_.only_items = !has_only_ ? nullptr : only_.empty() ? &none : only_.data();
        o_.n_only_items = only_.size();
        return &o_;
    }

private:
    mutable gr_rec_options o_;
    std::vector<int64_t> exclude_, only_;
    bool has_only_ = false;
};

/* Read-only access to a graph owned elsewhere (a model's training graph). */
class graph_view {
public:
    explicit graph_view(const gr_graph *g) noexcept : g_(g) {}
    const gr_graph *get() const noexcept { return g_; }

    size_t num_users() const { return gr_graph_num_users(g_); }
    size_t num_items() const { return gr_graph_num_items(g_); }
    size_t num_edges() const { return gr_graph_num_edges(g_); }
    size_t num_skipped() const { return gr_graph_num_skipped(g_); }
    bool has_ratings() const { return gr_graph_has_ratings(g_) != 0; }
    bool has_timestamps() const { return gr_graph_has_timestamps(g_) != 0; }

    int64_t user_id(size_t index) const
    {
        int64_t id;
        detail::check(gr_graph_user_id(&id, g_, index));
        return id;
    }
    int64_t item_id(size_t index) const
    {
        int64_t id;
        detail::check(gr_graph_item_id(&id, g_, index));
        return id;
    }

    /* The items a user interacted with (ratings via the second overload). */
    std::vector<int64_t> user_items(int64_t user) const
    {
        std::vector<float> ratings;
        return user_items(user, ratings);
    }
    std::vector<int64_t> user_items(int64_t user, std::vector<float> &ratings) const
    {
        size_t count = 0;
        detail::check(gr_graph_user_items(&count, g_, user, nullptr, nullptr, 0));
        std::vector<int64_t> items(count);
        ratings.resize(count);
        detail::check(gr_graph_user_items(&count, g_, user, items.data(), ratings.data(), count));
        return items;
    }
    std::vector<int64_t> item_users(int64_t item) const
    {
        size_t count = 0;
        detail::check(gr_graph_item_users(&count, g_, item, nullptr, nullptr, 0));
        std::vector<int64_t> users(count);
        detail::check(gr_graph_item_users(&count, g_, item, users.data(), nullptr, count));
        return users;
    }

    /* Ids that are names (gr_ids): whether they are, and a user's or
     * item's name ("" when the ids are integers or the id is unknown). */
    bool has_names() const { return gr_graph_has_names(g_) != 0; }
    std::string user_name(int64_t user) const
    {
        const char *n = gr_graph_user_name(g_, user);
        return n ? n : "";
    }
    std::string item_name(int64_t item) const
    {
        const char *n = gr_graph_item_name(g_, item);
        return n ? n : "";
    }

    /* "" when the item has no title. */
    std::string item_title(int64_t item) const
    {
        const char *t = gr_graph_item_title(g_, item);
        return t ? t : "";
    }
    int item_year(int64_t item) const { return gr_graph_item_year(g_, item); }
    uint64_t item_genres(int64_t item) const { return gr_graph_item_genres(g_, item); }
    std::vector<std::string> genre_names(uint64_t mask) const
    {
        std::vector<std::string> names;
        size_t n = gr_graph_num_genres(g_);
        for (size_t i = 0; i < n && i < 64; i++)
            if (mask >> i & 1) names.push_back(gr_graph_genre_name(g_, i));
        return names;
    }
    uint64_t genre_mask(const std::string &names) const
    {
        uint64_t mask = 0;
        detail::check(gr_graph_genre_mask(&mask, g_, names.c_str()));
        return mask;
    }

    void write(const std::string &path, int format = GR_FORMAT_ML100K) const
    {
        detail::check(gr_graph_write(g_, path.c_str(), format));
    }

protected:
    const gr_graph *g_;
};

/* The graphs gr_graph_split() makes; valid is empty without a validation share. */
struct split_graphs;

/* An interaction graph the program owns. */
class graph : public graph_view {
public:
    explicit graph(gr_graph *g) noexcept : graph_view(g), h_(g) {}
    graph(graph &&o) noexcept : graph_view(o.g_), h_(std::move(o.h_)) { o.g_ = nullptr; }
    graph &operator=(graph &&o) noexcept
    {
        if (this != &o) {
            h_ = std::move(o.h_);
            g_ = o.g_;
            o.g_ = nullptr;
        }
        return *this;
    }
    bool empty() const noexcept { return g_ == nullptr; }

    static graph load(const std::string &path, const gr_load_options *opts = nullptr)
    {
        gr_graph *g = nullptr;
        detail::check(gr_graph_load(&g, path.c_str(), opts));
        return graph(g);
    }
    /* A file in the id space of `like` (the test part of a pre-split dataset). */
    static graph load_like(const graph_view &like, const std::string &path, const gr_load_options *opts = nullptr)
    {
        gr_graph *g = nullptr;
        detail::check(gr_graph_load_like(&g, like.get(), path.c_str(), opts));
        return graph(g);
    }
    /* ratings may be empty; otherwise all vectors have the same length. */
    static graph from_edges(const std::vector<int64_t> &users, const std::vector<int64_t> &items,
                            const std::vector<float> &ratings = std::vector<float>(), double min_rating = 0.0)
    {
        check_lengths(users, items, ratings);
        gr_graph *g = nullptr;
        detail::check(gr_graph_from_edges(&g, users.data(), items.data(), ratings.empty() ? nullptr : ratings.data(),
                                          nullptr, users.size(), min_rating));
        return graph(g);
    }
    static graph from_edges_like(const graph_view &like, const std::vector<int64_t> &users,
                                 const std::vector<int64_t> &items,
                                 const std::vector<float> &ratings = std::vector<float>(), double min_rating = 0.0)
    {
        check_lengths(users, items, ratings);
        gr_graph *g = nullptr;
        detail::check(gr_graph_from_edges_like(&g, like.get(), users.data(), items.data(),
                                               ratings.empty() ? nullptr : ratings.data(), nullptr, users.size(),
                                               min_rating));
        return graph(g);
    }

    /* Edges between named users and items (ids that are names: each
     * gnnrec::name_id() of its name; the graph keeps the names).  ratings
     * may be empty.  With like (a graph of names), in its id space: names
     * it does not know are skipped. */
    static graph from_named_edges(const std::vector<std::string> &users, const std::vector<std::string> &items,
                                  const std::vector<float> &ratings = std::vector<float>(),
                                  const graph_view *like = nullptr)
    {
        if (users.size() != items.size() || (!ratings.empty() && ratings.size() != users.size()))
            throw error(GR_EINVAL, "from_named_edges: users, items and ratings differ in length");
        std::vector<const char *> u, i;
        for (size_t k = 0; k < users.size(); k++) {
            u.push_back(users[k].c_str());
            i.push_back(items[k].c_str());
        }
        const float *r = ratings.empty() ? nullptr : ratings.data();
        gr_graph *g = nullptr;
        if (like)
            detail::check(gr_graph_from_named_edges_like(&g, like->get(), u.data(), i.data(), r, nullptr, u.size(), 0));
        else
            detail::check(gr_graph_from_named_edges(&g, u.data(), i.data(), r, nullptr, u.size(), 0));
        return graph(g);
    }

    inline split_graphs split(const gr_split_options *opts = nullptr) const;

private:
    static void check_lengths(const std::vector<int64_t> &users, const std::vector<int64_t> &items,
                              const std::vector<float> &ratings)
    {
        if (users.size() != items.size() || (!ratings.empty() && ratings.size() != users.size()))
            throw error(GR_EINVAL, "from_edges: users, items and ratings differ in length");
    }
    detail::handle<gr_graph, gr_graph_free> h_;
};

struct split_graphs {
    graph train, valid, test;
};

inline split_graphs graph::split(const gr_split_options *opts) const
{
    gr_split_options defaults = GR_SPLIT_OPTIONS_INIT;
    const gr_split_options *o = opts ? opts : &defaults;
    bool want_valid = o->method == GR_SPLIT_LEAVE_ONE_OUT || o->valid_ratio > 0;
    gr_graph *tr = nullptr, *va = nullptr, *te = nullptr;
    detail::check(gr_graph_split(&tr, want_valid ? &va : nullptr, &te, g_, o));
    return split_graphs{ graph(tr), graph(va), graph(te) };
}

/* A user the model has not seen (GraphSAGE; gr_new_user): demographics,
 * a few rated items, or, for a model trained on caller features, its
 * feature row.  Empty vectors and the defaults are "unknown". */
struct new_user {
    int age = -1;
    char gender = 0;
    std::string occupation;
    std::vector<int64_t> items;
    std::vector<float> ratings;      /* empty, or one per item */
    std::vector<int64_t> timestamps; /* empty, or one per item */
    std::vector<float> features;     /* empty, or model::feature_dim(GR_NODE_USER) values */
};

/* An item the model has not seen (gr_new_item). */
struct new_item {
    uint64_t genres = 0; /* graph_view::genre_mask() */
    int year = 0;
    std::vector<int64_t> users;      /* users who rated it */
    std::vector<float> ratings;      /* empty, or one per user */
    std::vector<int64_t> timestamps; /* empty, or one per user */
    std::vector<float> features;     /* empty, or model::feature_dim(GR_NODE_ITEM) values */
};

namespace detail {

template <typename T> inline const T *data_or_null(const std::vector<T> &v) { return v.empty() ? nullptr : v.data(); }

inline gr_new_user raw_user(const new_user &u)
{
    gr_new_user r = GR_NEW_USER_INIT;
    r.age = u.age;
    r.gender = u.gender;
    r.occupation = u.occupation.empty() ? nullptr : u.occupation.c_str();
    r.items = data_or_null(u.items);
    r.ratings = data_or_null(u.ratings);
    r.timestamps = data_or_null(u.timestamps);
    r.n_items = u.items.size();
    r.features = data_or_null(u.features);
    return r;
}

inline gr_new_item raw_item(const new_item &it)
{
    gr_new_item r = GR_NEW_ITEM_INIT;
    r.genres = it.genres;
    r.year = it.year;
    r.users = data_or_null(it.users);
    r.ratings = data_or_null(it.ratings);
    r.timestamps = data_or_null(it.timestamps);
    r.n_users = it.users.size();
    r.features = data_or_null(it.features);
    return r;
}

} // namespace detail

/* One entity of a link-prediction answer. */
struct scored_entity {
    int64_t entity;
    float score;
};

/* Filtered link-prediction metrics (gr_eval_link_prediction). */
struct link_metrics {
    double mrr, mr, hits1, hits3, hits10;
};

/* Read-only access to a knowledge graph owned elsewhere (a model's). */
class kg_view {
public:
    explicit kg_view(const gr_kg *kg = nullptr) noexcept : kg_(kg) {}
    const gr_kg *get() const noexcept { return kg_; }

    size_t num_entities() const { return gr_kg_num_entities(kg_); }
    size_t num_relations() const { return gr_kg_num_relations(kg_); }
    size_t num_triples() const { return gr_kg_num_triples(kg_); }
    size_t num_skipped() const { return gr_kg_num_skipped(kg_); }
    /* Names of ids ("" out of range) and ids of names (error GR_ENOTFOUND). */
    std::string entity_name(int64_t id) const { return text(gr_kg_entity_name(kg_, id)); }
    std::string relation_name(int64_t id) const { return text(gr_kg_relation_name(kg_, id)); }
    int64_t entity_id(const std::string &name) const
    {
        int64_t id = 0;
        detail::check(gr_kg_entity_id(&id, kg_, name.c_str()));
        return id;
    }
    int64_t relation_id(const std::string &name) const
    {
        int64_t id = 0;
        detail::check(gr_kg_relation_id(&id, kg_, name.c_str()));
        return id;
    }
    bool contains(int64_t head, int64_t relation, int64_t tail) const
    {
        return gr_kg_contains(kg_, head, relation, tail) != 0;
    }
    void write(const std::string &path) const { detail::check(gr_kg_write(kg_, path.c_str())); }

protected:
    static std::string text(const char *s) { return s ? s : ""; }
    const gr_kg *kg_;
};

/* A knowledge graph the program owns: triples over named entities and relations. */
class kg : public kg_view {
public:
    explicit kg(gr_kg *g) noexcept : kg_view(g), h_(g) {}
    kg(kg &&o) noexcept : kg_view(o.kg_), h_(std::move(o.h_)) { o.kg_ = nullptr; }
    kg &operator=(kg &&o) noexcept
    {
        if (this != &o) {
            h_ = std::move(o.h_);
            kg_ = o.kg_;
            o.kg_ = nullptr;
        }
        return *this;
    }
    bool empty() const noexcept { return kg_ == nullptr; }

    /* Triples from a "head<TAB>relation<TAB>tail" file; entities.dict and
     * relations.dict beside it fix the ids (opts: gr_kg_load_options). */
    static kg load(const std::string &path, const gr_kg_load_options *opts = nullptr)
    {
        gr_kg *g = nullptr;
        detail::check(gr_kg_load(&g, path.c_str(), opts));
        return kg(g);
    }
    /* A file in like's id space (valid and test triples); unknown names are skipped. */
    static kg load_like(const kg_view &like, const std::string &path)
    {
        gr_kg *g = nullptr;
        detail::check(gr_kg_load_like(&g, like.get(), path.c_str()));
        return kg(g);
    }
    /* Triples by name; with like, in its id space. */
    static kg from_names(const std::vector<std::string> &heads, const std::vector<std::string> &relations,
                         const std::vector<std::string> &tails, const kg_view &like = kg_view())
    {
        if (heads.size() != relations.size() || heads.size() != tails.size())
            throw error(GR_EINVAL, "from_names: heads, relations and tails differ in length");
        std::vector<const char *> h, r, t;
        for (size_t i = 0; i < heads.size(); i++) {
            h.push_back(heads[i].c_str());
            r.push_back(relations[i].c_str());
            t.push_back(tails[i].c_str());
        }
        gr_kg *g = nullptr;
        detail::check(gr_kg_from_names(&g, like.get(), h.data(), r.data(), t.data(), heads.size()));
        return kg(g);
    }

private:
    detail::handle<gr_kg, gr_kg_free> h_;
};

/* A trained model. */
class model {
public:
    explicit model(gr_model *m) noexcept : h_(m) {}
    const gr_model *get() const noexcept { return h_.get(); }

    static model load(const std::string &path)
    {
        gr_model *m = nullptr;
        detail::check(gr_model_load(&m, path.c_str()));
        return model(m);
    }
    void save(const std::string &path) const { detail::check(gr_model_save(h_.get(), path.c_str())); }

    std::string kind() const
    {
        const char *n = gr_model_kind_name(gr_model_kind_of(h_.get()));
        return n ? n : "";
    }
    size_t dim() const { return gr_model_dim(h_.get()); }
    /* The training graph: valid while this model lives. */
    graph_view training_graph() const { return graph_view(gr_model_graph(h_.get())); }
    double info(const std::string &key) const
    {
        double v;
        detail::check(gr_model_info(&v, h_.get(), key.c_str()));
        return v;
    }
    float score(int64_t user, int64_t item) const
    {
        float s;
        detail::check(gr_model_score(&s, h_.get(), user, item));
        return s;
    }

    std::vector<float> user_vector(int64_t user) const
    {
        std::vector<float> v(dim());
        detail::check(gr_model_user_vector(v.data(), v.size(), h_.get(), user));
        return v;
    }
    std::vector<float> item_vector(int64_t item) const
    {
        std::vector<float> v(dim());
        detail::check(gr_model_item_vector(v.data(), v.size(), h_.get(), item));
        return v;
    }
    /* Row-major num_users x dim, rows in dense-index order (graph_view::user_id names them). */
    std::vector<float> user_vectors() const
    {
        size_t rows = training_graph().num_users();
        std::vector<float> v(rows * dim());
        detail::check(gr_model_user_vectors(v.data(), rows, dim(), h_.get()));
        return v;
    }
    std::vector<float> item_vectors() const
    {
        size_t rows = training_graph().num_items();
        std::vector<float> v(rows * dim());
        detail::check(gr_model_item_vectors(v.data(), rows, dim(), h_.get()));
        return v;
    }

    std::vector<scored_item> recommend(int64_t user, size_t k, const rec_options &o = rec_options()) const
    {
        buffers b(k, training_graph().num_items());
        size_t n = 0;
        detail::check(gr_model_recommend(&n, h_.get(), user, k, o.get(), b.items.data(), b.scores.data()));
        return b.result(n);
    }
    std::vector<scored_item> recommend_liked(const std::vector<int64_t> &liked, size_t k,
                                             const rec_options &o = rec_options()) const
    {
        buffers b(k, training_graph().num_items());
        size_t n = 0;
        detail::check(gr_model_recommend_liked(&n, h_.get(), liked.data(), liked.size(), k, o.get(), b.items.data(),
                                               b.scores.data()));
        return b.result(n);
    }
    std::vector<scored_item> similar_items(int64_t item, size_t k, const rec_options &o = rec_options()) const
    {
        buffers b(k, training_graph().num_items());
        size_t n = 0;
        detail::check(gr_model_similar_items(&n, h_.get(), item, k, o.get(), b.items.data(), b.scores.data()));
        return b.result(n);
    }
    /* One list per user, in the order of `users` (gr_model_recommend_batch). */
    std::vector<std::vector<scored_item>> recommend_batch(const std::vector<int64_t> &users, size_t k,
                                                          const rec_options &o = rec_options()) const
    {
        size_t w = buffers::room(k, training_graph().num_items());
        std::vector<int64_t> items(users.size() * w);
        std::vector<float> scores(users.size() * w);
        std::vector<size_t> counts(users.size());
        detail::check(gr_model_recommend_batch(counts.data(), h_.get(), users.data(), users.size(), k, o.get(),
                                               items.data(), scores.data()));
        std::vector<std::vector<scored_item>> r(users.size());
        for (size_t u = 0; u < users.size(); u++)
            for (size_t q = 0; q < counts[u]; q++) r[u].push_back(scored_item{ items[u * k + q], scores[u * k + q] });
        return r;
    }
    std::vector<scored_user> similar_users(int64_t user, size_t k) const
    {
        size_t nu = training_graph().num_users(), w = buffers::room(k, nu);
        std::vector<int64_t> users(w);
        std::vector<float> scores(w);
        size_t n = 0;
        detail::check(gr_model_similar_users(&n, h_.get(), user, k, users.data(), scores.data()));
        std::vector<scored_user> r(n);
        for (size_t i = 0; i < n; i++) r[i] = scored_user{ users[i], scores[i] };
        return r;
    }
    /* The history items' terms of `item`'s score (LightGCN, MF): at most cap. */
    item_explanation explain_items(int64_t user, int64_t item, size_t cap = 10) const
    {
        std::vector<gr_contribution> c(cap ? cap : 1);
        size_t n = 0;
        float total = 0;
        detail::check(gr_model_explain_items(&n, &total, h_.get(), user, item, c.data(), cap));
        return explanation(total, c, n);
    }
    item_explanation explain_liked(const std::vector<int64_t> &liked, int64_t item, size_t cap = 10) const
    {
        std::vector<gr_contribution> c(cap ? cap : 1);
        size_t n = 0;
        float total = 0;
        detail::check(gr_model_explain_liked(&n, &total, h_.get(), liked.data(), liked.size(), item, c.data(), cap));
        return explanation(total, c, n);
    }
    /* A new model updated with the edges of `added` (new users and items
     * appended) by the default warm-started schedule; this one is unchanged.
     * trainer::update() takes settings. */
    model update(const graph_view &added) const
    {
        gr_model *m = nullptr;
        detail::check(gr_model_update(&m, h_.get(), added.get(), nullptr));
        return model(m);
    }
    /* A KG model trained on triples updated with the triples of `added`,
     * by its own names (kg::load, or kg::from_names without `like`): new
     * entities and relations are appended, the model's keep their ids; the
     * default warm-started schedule; this one is unchanged.
     * trainer::update() takes settings. */
    model update(const kg_view &added) const
    {
        gr_model *m = nullptr;
        detail::check(gr_model_update_kg(&m, h_.get(), added.get(), nullptr));
        return model(m);
    }
    std::vector<float> fold_in(const std::vector<int64_t> &liked) const
    {
        std::vector<float> v(dim());
        detail::check(gr_model_fold_in(v.data(), v.size(), h_.get(), liked.data(), liked.size()));
        return v;
    }

    /* GraphSAGE: the width of the feature rows of users or items
     * (GR_NODE_USER, GR_NODE_ITEM), 0 without, and the matrix kept
     * (row-major, rows in dense-index order). */
    size_t feature_dim(int type) const
    {
        size_t d = 0;
        detail::check(gr_model_feature_dim(&d, h_.get(), type));
        return d;
    }
    std::vector<float> features(int type) const
    {
        size_t d = feature_dim(type);
        size_t rows = type == GR_NODE_USER ? training_graph().num_users() : training_graph().num_items();
        std::vector<float> x(rows * d);
        if (!x.empty()) detail::check(gr_model_features(x.data(), rows, d, h_.get(), type));
        return x;
    }
    /* GraphSAGE cold start: top items for a new user, the users a new item
     * suits best, and a new item's scores for known users. */
    std::vector<scored_item> recommend_new_user(const new_user &u, size_t k, const rec_options &o = rec_options()) const
    {
        check_lengths(u.items.size(), u.ratings, u.timestamps);
        gr_new_user r = detail::raw_user(u);
        buffers b(k, training_graph().num_items());
        size_t n = 0;
        detail::check(gr_model_recommend_new_user(&n, h_.get(), &r, k, o.get(), b.items.data(), b.scores.data()));
        return b.result(n);
    }
    std::vector<scored_user> new_item_top_users(const new_item &it, size_t k) const
    {
        check_lengths(it.users.size(), it.ratings, it.timestamps);
        gr_new_item r = detail::raw_item(it);
        size_t w = buffers::room(k, training_graph().num_users());
        std::vector<int64_t> users(w);
        std::vector<float> scores(w);
        size_t n = 0;
        detail::check(gr_model_new_item_top_users(&n, h_.get(), &r, k, users.data(), scores.data()));
        std::vector<scored_user> out(n);
        for (size_t i = 0; i < n; i++) out[i] = scored_user{ users[i], scores[i] };
        return out;
    }
    std::vector<float> score_new_item(const new_item &it, const std::vector<int64_t> &users) const
    {
        check_lengths(it.users.size(), it.ratings, it.timestamps);
        gr_new_item r = detail::raw_item(it);
        std::vector<float> scores(users.size());
        detail::check(gr_model_score_new_item(scores.data(), h_.get(), &r, users.data(), users.size()));
        return scores;
    }

    /* KG models: the knowledge graph trained on (valid while this model
     * lives), a triple's score, and link prediction. */
    kg_view knowledge_graph() const
    {
        const gr_kg *g = nullptr;
        detail::check(gr_model_kg(&g, h_.get()));
        return kg_view(g);
    }
    float score_triple(int64_t head, int64_t relation, int64_t tail) const
    {
        float s;
        detail::check(gr_model_score_triple(&s, h_.get(), head, relation, tail));
        return s;
    }
    /* The k entities best completing (anchor, relation, ?) with
     * GR_LP_TAILS or (?, relation, anchor) with GR_LP_HEADS, best first. */
    std::vector<scored_entity> predict_links(int64_t anchor, int64_t relation, int direction, size_t k,
                                             bool exclude_training = true) const
    {
        size_t room = k < 1 ? 1 : std::min(k, knowledge_graph().num_entities());
        std::vector<int64_t> ids(room);
        std::vector<float> scores(room);
        size_t n = 0;
        detail::check(gr_model_predict_links(&n, h_.get(), anchor, relation, direction, k, exclude_training ? 1 : 0,
                                             ids.data(), scores.data()));
        std::vector<scored_entity> r(n);
        for (size_t i = 0; i < n; i++) r[i] = scored_entity{ ids[i], scores[i] };
        return r;
    }
    /* One list per query (anchors[i], relations[i], directions[i]), in
     * their order, each that of predict_links (gr_model_predict_links_batch). */
    std::vector<std::vector<scored_entity>> predict_links_batch(const std::vector<int64_t> &anchors,
                                                                const std::vector<int64_t> &relations,
                                                                const std::vector<int> &directions, size_t k,
                                                                bool exclude_training = true) const
    {
        size_t nq = anchors.size();
        if (relations.size() != nq || directions.size() != nq)
            throw error(GR_EINVAL, "predict_links_batch: anchors, relations and directions differ in length");
        // the library refuses k outside 1..entities before writing anything
        size_t w = std::max<size_t>(1, std::min(k, knowledge_graph().num_entities()));
        if (nq > std::numeric_limits<size_t>::max() / w)
            throw error(GR_ERANGE, "predict_links_batch: too many queries for k = " + detail::to_text(k));
        std::vector<int64_t> ids(nq * w);
        std::vector<float> scores(nq * w);
        std::vector<size_t> counts(nq);
        detail::check(gr_model_predict_links_batch(counts.data(), h_.get(), anchors.data(), relations.data(),
                                                   directions.data(), nq, k, exclude_training ? 1 : 0, ids.data(),
                                                   scores.data()));
        std::vector<std::vector<scored_entity>> r(nq);
        for (size_t i = 0; i < nq; i++)
            for (size_t j = 0; j < counts[i]; j++) r[i].push_back(scored_entity{ ids[i * k + j], scores[i * k + j] });
        return r;
    }
    /* Filtered link prediction on `test`, the triples of `known` filtered. */
    link_metrics evaluate_links(const kg_view &test, const std::vector<kg_view> &known, int direction = GR_LP_BOTH) const
    {
        std::vector<const gr_kg *> k;
        for (size_t i = 0; i < known.size(); i++) k.push_back(known[i].get());
        double out[GR_LP_COUNT];
        detail::check(gr_eval_link_prediction(out, h_.get(), test.get(), k.data(), k.size(), direction));
        return link_metrics{ out[GR_LP_MRR], out[GR_LP_MR], out[GR_LP_HITS1], out[GR_LP_HITS3], out[GR_LP_HITS10] };
    }

    /* Ranking metrics on `test`, the items of `exclude` (usually the
     * training graph) left out of each user's ranking. */
    std::vector<ranking_metrics> evaluate(const graph_view &exclude, const graph_view &test,
                                          const std::vector<int> &ks = std::vector<int>{ 10, 20 },
                                          size_t *n_users = nullptr) const
    {
        std::vector<double> out(ks.size() * GR_METRIC_COUNT);
        detail::check(gr_eval_ranking(out.data(), n_users, h_.get(), exclude.get(), test.get(), ks.data(), ks.size()));
        std::vector<ranking_metrics> r;
        for (size_t c = 0; c < ks.size(); c++) {
            const double *v = &out[c * GR_METRIC_COUNT];
            r.push_back(ranking_metrics{ ks[c], v[GR_METRIC_RECALL], v[GR_METRIC_PRECISION], v[GR_METRIC_NDCG],
                                         v[GR_METRIC_HIT], v[GR_METRIC_MRR] });
        }
        return r;
    }
    /* RMSE and MAE of the scores on the rated edges of `test`. */
    std::pair<double, double> evaluate_rating(const graph_view &test) const
    {
        double rmse, mae;
        detail::check(gr_eval_rating(&rmse, &mae, h_.get(), test.get()));
        return std::make_pair(rmse, mae);
    }

private:
    static void check_lengths(size_t n, const std::vector<float> &ratings, const std::vector<int64_t> &timestamps)
    {
        if ((!ratings.empty() && ratings.size() != n) || (!timestamps.empty() && timestamps.size() != n))
            throw error(GR_EINVAL, "ratings and timestamps must be empty or one per item or user");
    }
    static item_explanation explanation(float total, const std::vector<gr_contribution> &c, size_t n)
    {
        item_explanation e{ total, std::vector<contribution>(n) };
        for (size_t i = 0; i < n; i++) e.terms[i] = contribution{ c[i].item, c[i].weight };
        return e;
    }
    struct buffers {
        // the library refuses k above the number of items before writing
        // anything, so a huge k costs no huge buffers
        buffers(size_t k, size_t n_items) : items(room(k, n_items)), scores(room(k, n_items)) {}
        static size_t room(size_t k, size_t n_items) { return k < 1 ? 1 : k < n_items ? k : n_items ? n_items : 1; }
        std::vector<scored_item> result(size_t n) const
        {
            std::vector<scored_item> r(n);
            for (size_t i = 0; i < n; i++) r[i] = scored_item{ items[i], scores[i] };
            return r;
        }
        std::vector<int64_t> items;
        std::vector<float> scores;
    };
    detail::handle<gr_model, gr_model_free> h_;
};

/* Training settings of one model kind. */
class trainer {
public:
    /* Progress after each epoch; return true to stop training (as a non-zero
     * return of the C gr_progress_fn), false to go on. */
    typedef std::function<bool(int epoch, double loss, double seconds, double valid_metric)> progress_fn;
    /* One trial of a budget's settings search (or of a training-free
     * kind's validation grid): the searched settings by name, the trial's
     * validation figure, its best epoch (0 for the filters) and the seconds
     * since the fit began; return true to end the search with the best so
     * far. */
    typedef std::function<bool(int trial, const std::vector<std::pair<std::string, double>> &settings,
                               double valid_metric, int best_epoch, double seconds)>
        trial_fn;

    explicit trainer(int kind = GR_MODEL_LIGHTGCN) : h_(make(kind)) {}
    explicit trainer(const std::string &kind_name) : h_(make(kind_from_name(kind_name))) {}
    trainer(trainer &&) = default;
    trainer &operator=(trainer &&) = default;

    /* Any setting by name: set("dim", 64), set("lr", 1e-3), set("mode", "paper"). */
    template <typename T> trainer &set(const std::string &name, const T &value)
    {
        detail::check(gr_trainer_set(h_.get(), name.c_str(), detail::to_text(value).c_str()));
        return *this;
    }
    double get(int option) const
    {
        double v;
        detail::check(gr_trainer_get_double(&v, h_.get(), option));
        return v;
    }
    /* The graph must outlive fit(); pass an empty graph to remove it. */
    trainer &validation(const graph_view &valid)
    {
        detail::check(gr_trainer_set_validation(h_.get(), valid.get()));
        return *this;
    }
    /* GraphSAGE: the caller's feature matrix for users or items
     * (GR_NODE_USER, GR_NODE_ITEM): rows x dim floats, row-major, rows in
     * the training graph's dense-index order; copied.  An empty x returns
     * to the built-in features. */
    trainer &features(int type, const std::vector<float> &x, size_t rows, size_t dim)
    {
        if (x.size() != rows * dim) throw error(GR_EINVAL, "features: x must hold rows x dim values");
        detail::check(gr_trainer_set_features(h_.get(), type, x.empty() ? nullptr : x.data(), x.empty() ? 0 : rows,
                                              x.empty() ? 0 : dim));
        return *this;
    }
    trainer &on_progress(progress_fn fn)
    {
        progress_ = std::move(fn);
        return *this;
    }
    trainer &on_trial(trial_fn fn)
    {
        trial_ = std::move(fn);
        return *this;
    }
    /* Write the training state to `path` every `every_epochs` epochs and
     * when a fit ends; a fit that finds the file resumes from it.  An empty
     * path removes the checkpoint. */
    trainer &checkpoint(const std::string &path, int every_epochs = 10)
    {
        detail::check(gr_trainer_set_checkpoint(h_.get(), path.empty() ? nullptr : path.c_str(), every_epochs));
        return *this;
    }

    /* An exception thrown by the progress function stops training and is
     * rethrown here: exceptions must not unwind through the C library. */
    model fit(const graph_view &train)
    {
        return run([&](gr_model **m) { return gr_trainer_fit(m, h_.get(), train.get()); });
    }
    /* A KG kind on triples (gr_kg_fit); `valid`, in train's id space or
     * empty, chooses the epoch by its filtered MRR. */
    model fit(const kg_view &train, const kg_view &valid = kg_view())
    {
        return run([&](gr_model **m) { return gr_kg_fit(m, h_.get(), train.get(), valid.get()); });
    }

    /* gr_model_update with these settings: a new model from m and the edges
     * of `added` (m is unchanged). */
    model update(const model &m, const graph_view &added)
    {
        gr_model *out = nullptr;
        detail::check(gr_model_update(&out, m.get(), added.get(), h_.get()));
        return model(out);
    }
    /* gr_model_update_kg with these settings: a new KG model from m and
     * the triples of `added` by its own names (m is unchanged). */
    model update(const model &m, const kg_view &added)
    {
        gr_model *out = nullptr;
        detail::check(gr_model_update_kg(&out, m.get(), added.get(), h_.get()));
        return model(out);
    }

    /* A statistic of the last fit (GR_STAT_EPOCHS, GR_STAT_BEST_EPOCH, ...). */
    double stat(int which) const
    {
        double v;
        detail::check(gr_trainer_stat(&v, h_.get(), which));
        return v;
    }

private:
    /* One fit with the progress and trial functions installed around it;
     * the first exception either throws is rethrown after the fit. */
    struct ctx_t {
        progress_fn *fn;
        trial_fn *trial;
        std::exception_ptr failure;
    };
    template <typename Fit> model run(Fit fit_call)
    {
        ctx_t ctx = { &progress_, &trial_, nullptr };
        detail::check(gr_trainer_set_progress(h_.get(), progress_ ? &trampoline : nullptr, &ctx));
        int rc = gr_trainer_set_trial_callback(h_.get(), trial_ ? &trial_trampoline : nullptr, &ctx);
        gr_model *m = nullptr;
        if (rc == GR_OK) rc = fit_call(&m);
        gr_trainer_set_progress(h_.get(), nullptr, nullptr);
        gr_trainer_set_trial_callback(h_.get(), nullptr, nullptr);
        model result(m);
        if (ctx.failure) std::rethrow_exception(ctx.failure);
        detail::check(rc);
        return result;
    }
    static gr_trainer *make(int kind)
    {
        gr_trainer *t = nullptr;
        detail::check(gr_trainer_new(&t, kind));
        return t;
    }
    static int kind_from_name(const std::string &name)
    {
        int kind = 0;
        detail::check(gr_model_kind_from_name(&kind, name.c_str()));
        return kind;
    }
    static int trampoline(void *ud, int epoch, double loss, double seconds, double metric)
    {
        ctx_t *c = static_cast<ctx_t *>(ud);
        try {
            return (*c->fn)(epoch, loss, seconds, metric) ? 1 : 0;
        } catch (...) {
            if (!c->failure) c->failure = std::current_exception();
            return 1;
        }
    }
    static int trial_trampoline(void *ud, int trial, size_t n, const char *const *names, const double *values,
                                double metric, int best_epoch, double seconds)
    {
        ctx_t *c = static_cast<ctx_t *>(ud);
        try {
            std::vector<std::pair<std::string, double>> settings;
            for (size_t i = 0; i < n; i++) settings.push_back(std::make_pair(std::string(names[i]), values[i]));
            return (*c->trial)(trial, settings, metric, best_epoch, seconds) ? 1 : 0;
        } catch (...) {
            if (!c->failure) c->failure = std::current_exception();
            return 1;
        }
    }
    detail::handle<gr_trainer, gr_trainer_free> h_;
    progress_fn progress_;
    trial_fn trial_;
};

/* Write a synthetic MovieLens-format dataset (gnnrec/synth.h). */
inline void synth_write(const std::string &dir, const gr_synth_options *opts = nullptr)
{
    detail::check(gr_synth_write(dir.c_str(), opts));
}

} // namespace gnnrec

#endif
