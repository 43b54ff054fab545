/* Trainer settings: names, keys, ranges, choices, kinds, statistics. */
#include <gnnrec.h>
#include <math.h>
#include <string.h>

#include "dist/dist.h"
#include "fixtures.h"

START_TEST(settings_by_name_and_key)
{
    gr_trainer *t;
    ck_assert_int_eq(gr_trainer_new(&t, GR_MODEL_LIGHTGCN), GR_OK);
    double v;
    ck_assert_int_eq(gr_trainer_get_double(&v, t, GR_OPT_DIM), GR_OK);
    ck_assert_double_eq(v, 64);
    ck_assert_int_eq(gr_trainer_get_double(&v, t, GR_OPT_LAYERS), GR_OK);
    ck_assert_double_eq(v, 3);
    ck_assert_int_eq(gr_trainer_set(t, "dim", "32"), GR_OK);
    ck_assert_int_eq(gr_trainer_get_double(&v, t, GR_OPT_DIM), GR_OK);
    ck_assert_double_eq(v, 32);
    ck_assert_int_eq(gr_trainer_set_double(t, GR_OPT_LR, 0.005), GR_OK);
    ck_assert_int_eq(gr_trainer_get_double(&v, t, GR_OPT_LR), GR_OK);
    ck_assert_double_eq(v, 0.005);
    ck_assert_int_eq(gr_trainer_set_int(t, GR_OPT_EPOCHS, 7), GR_OK);
    ck_assert_int_eq(gr_trainer_set(t, "mode", "PAPER"), GR_OK);
    ck_assert_int_eq(gr_trainer_get_double(&v, t, GR_OPT_MODE), GR_OK);
    ck_assert_double_eq(v, GR_MODE_PAPER);
    ck_assert_int_eq(gr_trainer_get_double(&v, t, GR_OPT_VALID_METRIC), GR_OK);
    ck_assert_double_eq(v, GR_METRIC_NDCG);
    ck_assert_int_eq(gr_trainer_set(t, "valid_metric", "recall"), GR_OK);
    ck_assert_int_eq(gr_trainer_get_double(&v, t, GR_OPT_VALID_METRIC), GR_OK);
    ck_assert_double_eq(v, GR_METRIC_RECALL);
    ck_assert_int_eq(gr_trainer_set_int(t, GR_OPT_VALID_METRIC, GR_METRIC_MRR), GR_OK);
    gr_trainer_free(t);
}
END_TEST

START_TEST(bad_settings_name_the_problem)
{
    gr_trainer *t;
    ck_assert_int_eq(gr_trainer_new(&t, GR_MODEL_LIGHTGCN), GR_OK);
    ck_assert_int_eq(gr_trainer_set(t, "dimension", "32"), GR_EINVAL);
    ck_assert_ptr_nonnull(strstr(gr_last_error(), "dimension"));
    ck_assert_int_eq(gr_trainer_set(t, "dim", "3.5"), GR_EINVAL);
    ck_assert_ptr_nonnull(strstr(gr_last_error(), "integer"));
    ck_assert_int_eq(gr_trainer_set(t, "dim", "0"), GR_EINVAL);
    ck_assert_int_eq(gr_trainer_set(t, "lr", "fast"), GR_EINVAL);
    ck_assert_int_eq(gr_trainer_set(t, "lr", "1e-3x"), GR_EINVAL);
    ck_assert_int_eq(gr_trainer_set(t, "lr", "nan"), GR_EINVAL);
    /* plain decimal numbers only: no hex, no blanks, no empty text */
    ck_assert_int_eq(gr_trainer_set(t, "dim", "0x10"), GR_EINVAL);
    ck_assert_ptr_nonnull(strstr(gr_last_error(), "'0x10' is not a decimal number"));
    ck_assert_int_eq(gr_trainer_set(t, "dim", " 8"), GR_EINVAL);
    ck_assert_int_eq(gr_trainer_set(t, "dim", "8 "), GR_EINVAL);
    ck_assert_int_eq(gr_trainer_set(t, "dim", ""), GR_EINVAL);
    ck_assert_int_eq(gr_trainer_set(t, "lr", "1e"), GR_EINVAL);
    ck_assert_int_eq(gr_trainer_set(t, "lr", "inf"), GR_EINVAL);
    ck_assert_int_eq(gr_trainer_set(t, "dim", "+8"), GR_OK);
    ck_assert_int_eq(gr_trainer_set(t, "lr", ".5e-2"), GR_OK);
    ck_assert_int_eq(gr_trainer_set(t, "lr", "1E-3"), GR_OK);
    ck_assert_int_eq(gr_trainer_set(t, "mode", "slow"), GR_EINVAL);
    ck_assert_int_eq(gr_trainer_set(t, "valid_metric", "auc"), GR_EINVAL);
    ck_assert_ptr_nonnull(strstr(gr_last_error(), "valid_metric"));
    ck_assert_int_eq(gr_trainer_set_int(t, GR_OPT_VALID_METRIC, GR_METRIC_COUNT), GR_EINVAL);
    ck_assert_int_eq(gr_trainer_set_int(t, 9999, 1), GR_EINVAL);
    ck_assert_int_eq(gr_trainer_set_double(t, GR_OPT_REG, -1), GR_EINVAL);
    ck_assert_int_eq(gr_trainer_set(NULL, "dim", "3"), GR_EINVAL);
    ck_assert_int_eq(gr_trainer_set(t, NULL, "3"), GR_EINVAL);
    gr_model *m = NULL;
    ck_assert_int_eq(gr_trainer_fit(&m, t, NULL), GR_EINVAL);
    ck_assert_ptr_null(m);
    gr_trainer_free(t);
    gr_trainer_free(NULL);
}
END_TEST

START_TEST(kinds_have_their_own_defaults)
{
    gr_trainer *t;
    ck_assert_int_eq(gr_trainer_new(&t, GR_MODEL_MF), GR_OK);
    double v;
    ck_assert_int_eq(gr_trainer_get_double(&v, t, GR_OPT_LAYERS), GR_OK);
    ck_assert_double_eq(v, 0);
    ck_assert_int_eq(gr_trainer_set(t, "layers", "2"), GR_EINVAL);
    gr_trainer_free(t);
    ck_assert_int_eq(gr_trainer_new(&t, 12345), GR_EINVAL);
    ck_assert_int_eq(gr_trainer_new(NULL, GR_MODEL_MF), GR_EINVAL);
    int kind;
    ck_assert_int_eq(gr_model_kind_from_name(&kind, "LightGCN"), GR_OK);
    ck_assert_int_eq(kind, GR_MODEL_LIGHTGCN);
    ck_assert_str_eq(gr_model_kind_name(GR_MODEL_MF), "mf");
    ck_assert_int_eq(gr_model_kind_from_name(&kind, "gcn"), GR_EINVAL);
    ck_assert_ptr_null(gr_model_kind_name(0));
}
END_TEST

START_TEST(validation_must_share_the_id_space)
{
    fx_planted p, q;
    fx_planted_make(&p, 20, 20, 2, 5, 1);
    fx_planted_make(&q, 20, 20, 2, 5, 2);
    gr_trainer *t;
    ck_assert_int_eq(gr_trainer_new(&t, GR_MODEL_MF), GR_OK);
    gr_trainer_set_validation(t, q.test);
    gr_model *m = NULL;
    ck_assert_int_eq(gr_trainer_fit(&m, t, p.train), GR_EINVAL);
    ck_assert_ptr_nonnull(strstr(gr_last_error(), "id space"));
    gr_trainer_free(t);
    fx_planted_free(&p);
    fx_planted_free(&q);
}
END_TEST

START_TEST(thread_setting)
{
    int before = gr_get_num_threads();
    ck_assert_int_eq(gr_set_num_threads(1), GR_OK);
    ck_assert_int_eq(gr_get_num_threads(), 1);
    ck_assert_int_eq(gr_set_num_threads(-1), GR_EINVAL);
    ck_assert_int_eq(gr_set_num_threads(0), GR_OK);
    ck_assert_int_eq(gr_get_num_threads(), before);
}
END_TEST

/* Without MPI in the build the communicator is refused; with it, it is
 * refused until MPI is initialised (this test never initialises it).  NULL
 * (one process) is always accepted. */
START_TEST(comm_needs_mpi)
{
    gr_trainer *t;
    ck_assert_int_eq(gr_trainer_new(&t, GR_MODEL_LIGHTGCN), GR_OK);
    long fake_comm = 0;
    int rc = gr_trainer_set_comm(t, &fake_comm);
    ck_assert_int_eq(rc, gr_dist_available() ? GR_ESTATE : GR_EUNSUPPORTED);
    ck_assert_ptr_nonnull(strstr(gr_last_error(), "MPI"));
    ck_assert_int_eq(gr_trainer_set_comm(t, NULL), GR_OK);
    ck_assert_int_eq(gr_trainer_set_comm(NULL, NULL), GR_EINVAL);
    gr_trainer_free(t);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("trainer");
    TCase *tc = tcase_create("trainer");
    tcase_add_test(tc, settings_by_name_and_key);
    tcase_add_test(tc, bad_settings_name_the_problem);
    tcase_add_test(tc, kinds_have_their_own_defaults);
    tcase_add_test(tc, validation_must_share_the_id_space);
    tcase_add_test(tc, thread_setting);
    tcase_add_test(tc, comm_needs_mpi);
    suite_add_tcase(s, tc);
    return fx_run(s);
}
