/*
 * Training-free graph filters on the normalised item-item graph
 * (docs/filters.md).  With R the binary user-item matrix and
 * R~ = c (D_u + s)^-n R (D_i + s)^-n (n = `norm`, 1/2 in GF-CF and ChebyCF;
 * s = `shift` times the mean degree, 0 in both; c scales R~'s largest
 * singular value to 1, and is 1 at n = 1/2 and s = 0, where it is 1
 * already), P = R~^T R~ has its spectrum in [0, 1].  A user's row r
 * scores all items as
 *
 *     s(r) = (r D_i^-eps) h(P) D_i^eps'  +  alpha r D_i^-g V V^T D_i^g'
 *
 * where V holds the top k right singular vectors of R~ (the ideal
 * low-pass filter), L their eigenvalues of P, and h is a polynomial:
 *   - GF-CF (Shen et al. 2021): h(mu) = mu, eps = 0, g = 1/2;
 *   - cheby (after ChebyCF, Kim et al. 2025): h interpolates mu^phi or the
 *     plateau 1/2 + 1/2 sgn(t)|t|^phi (t = 2 mu - 1) at the order + 1
 *     Chebyshev nodes of [0, 1], g = eps and g' = eps' = eps + skew
 *     (GF-CF: eps' = eps, g' = g).
 * With `tail` 1, h(P) is taken as V h(L) V^T on the top-k subspace and
 * as b I + a P below it (b = h(0), a the chord to the smallest of L): the
 * difference joins alpha as per-vector weights W of the low-rank term, so
 * large catalogues cost what GF-CF costs whatever the order.  Otherwise
 * (tail 0) h(P) is applied as products with R~ and R~^T; P is never
 * formed.  Small catalogues get the whole filter as a matrix.  The
 * low-rank term is the model's dot-product part: item_vec[i] =
 * d_i^g V[i], user_vec[u] = sum over the user's items of d_i^-g V[i] W,
 * dim = k.
 */
#ifndef GR_MODELS_FILTER_H
#define GR_MODELS_FILTER_H

#include "kernels/spmm.h"
#include "models/model.h"

#define GR_FILTER_MAX_ORDER 32
/* The largest `shift`: a hundred times the mean degree flattens every
 * degree into nearly the same weight. */
#define GR_FILTER_MAX_SHIFT 100.0f

/* The response h interpolates on [0, 1]: mu^phi, the plateau, or the
 * plateau read at the Chebyshev extrema and placed at the nodes (ChebyCF's
 * coefficients: the plateau stretched outward, see filter.c). */
enum { GR_FILTER_POWER = 0, GR_FILTER_PLATEAU = 1, GR_FILTER_STRETCHED = 2 };

typedef struct gr_filter_params {
    float alpha; /* weight of the ideal low-pass term */
    int order;   /* degree of h */
    float phi;   /* power: mu^phi (1: linear); plateau: 1/2 + 1/2 sgn(t) |t|^phi, t = 2 mu - 1 */
    float eps;   /* degree exponent around the polynomial term (cheby: around the ideal term too) */
    int shape;   /* GR_FILTER_POWER, GR_FILTER_PLATEAU or GR_FILTER_STRETCHED */
    int tail;    /* 0: h(P) exactly; 1: h exact on the top-k subspace, affine in mu below it */
    float skew;  /* cheby: the output is scaled by D^(eps + skew) instead of D^eps (0: ChebyCF's symmetric form) */
    float norm;  /* cheby: the degree exponent n of R~ (GF-CF: 1/2); a new n needs a new basis */
    float shift; /* cheby: R~'s degrees are d + shift x the mean degree (0: d, as GF-CF); a new shift needs a new basis */
} gr_filter_params;

typedef struct gr_filter_state {
    gr_filter_params p;
    double coef[GR_FILTER_MAX_ORDER + 1]; /* Chebyshev coefficients of h on x = 2 mu - 1 */
    /* derived from the training graph */
    gr_spmat r, rt;     /* R~ (users x items) and R~^T */
    float *v;           /* the top k right singular vectors of R~ (items x k) */
    float *lam;         /* their eigenvalues of P, sigma^2 (k) */
    float scale;        /* c of R~ (1 at norm 1/2 and shift 0) */
    float deg_shift;    /* added to R~'s degrees: p.shift x the mean degree of the graph it was fitted on */
    float *w;           /* weight of each vector in the low-rank term (k) */
    double tail_a, tail_b; /* the affine response b + a mu below the top k (tail 1) */
    float *deg_pow;     /* d_i^eps', the output's scale (0 for items nobody has) */
    float *deg_neg_pow; /* d_i^-eps */
    float *r_out;       /* R~'s values times d_i^eps' of their column i: the polynomial term's output scale folded in */
    /* The whole filter as an items x items matrix, when the catalogue is
     * small enough (gr_filter_dense_ok): scoring is then a sum of rows. */
    float *dense;
} gr_filter_state;

/* Whether a filter over this graph is materialised: at most as many items
 * as users (building it costs less than scoring every user through the
 * factors) and items x items floats within 1 GiB. */
int gr_filter_dense_ok(const gr_graph *g);

extern const gr_model_ops gr_gfcf_ops;
extern const gr_model_ops gr_cheby_ops;

/* Chebyshev interpolation coefficients of the response of `shape` with
 * exponent phi on [0, 1] at order + 1 nodes. */
void gr_filter_coefficients(double *coef, int order, double phi, int shape);

/* The interpolating polynomial of those coefficients at mu (Clenshaw). */
double gr_filter_response(const double *coef, int order, double mu);

struct gr_dist;

/* Build R~ = scale (D_u + s)^-norm R (D_i + s)^-norm and R~^T of a graph,
 * s = deg_shift (binary; ratings are ignored). */
int gr_filter_norm_matrices(gr_spmat *r, gr_spmat *rt, const gr_graph *g, double norm, double deg_shift, float scale);

/* The degree shift s of a setting `shift`: shift x the mean degree of the
 * graph's users and items, 2 nnz / (users + items); 0 for shift 0.  A
 * float, as the model file keeps it, so a fit and a load use one value. */
float gr_filter_deg_shift(const gr_graph *g, double shift);

/*
 * The users [lo, hi)'s share of them: r their rows of R~ (hi - lo rows),
 * rt its transpose (n_items rows, columns renumbered from lo), with the
 * item degrees item_deg (summed over the ranks; NULL: the graph's).  The
 * one process's matrices are the share [0, n_users).
 */
int gr_filter_norm_share(gr_spmat *r, gr_spmat *rt, const gr_graph *g, size_t lo, size_t hi, const double *item_deg,
                         double norm, double deg_shift, float scale);

/*
 * A finished filter model of `kind` (GR_MODEL_GFCF or GR_MODEL_CHEBY) from
 * the top-k right singular vectors v (n_items x k) of (D_u + s)^-n R
 * (D_i + s)^-n (n = p->norm, s = gr_filter_deg_shift(train, p->shift),
 * unscaled) and their singular values sigma (k, descending), both taken
 * over; c = 1 / sigma[0] where n is not 1/2 or s is not 0.  With d (NULL: none), every
 * rank of d calls it with the same v: the filter matrix of a small
 * catalogue is built in shares of its rows and gathered, and a failure on
 * one rank is returned on all.
 */
int gr_filter_model(gr_model **out, int kind, const gr_graph *train, const gr_filter_params *p, float *v, float *sigma,
                    size_t k, struct gr_dist *d);

/* Change the parameters of a finished filter model (validation search);
 * p->norm and p->shift must be the model's (others need another basis). */
int gr_filter_set_params(gr_model *m, const gr_filter_params *p);
/* The same on every rank of d (collective; NULL: this process alone). */
int gr_filter_set_params_on(gr_model *m, const gr_filter_params *p, struct gr_dist *d);

#endif
