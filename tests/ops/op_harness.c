/* See op_harness.h. Allocation failures in the tests' own set-up abort the
 * test program: that is harness code, not library code. */
#include "op_harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

static void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (p == NULL) {
        fprintf(stderr, "op_harness: out of memory\n");
        exit(2);
    }
    return p;
}

void oh_node_init(struct oh_node *n, const char *op_type, const char *name)
{
    memset(n, 0, sizeof *n);
    snprintf(n->name, sizeof n->name, "%s", name);
    snprintf(n->op_type, sizeof n->op_type, "%s", op_type);
    n->node.name = n->name;
    n->node.op_type = n->op_type;
    n->node.domain = "";
    n->node.attrs = n->attrs;
}

void oh_node_free(struct oh_node *n)
{
    for (int i = 0; i < n->node.n_attrs; i++) {
        struct onr_attr *a = &n->attrs[i];
        free(a->name);
        free(a->s);
        free(a->ints);
        free(a->floats);
        if (a->t != NULL) {
            onr_tensor_free(a->t);
            free(a->t);
        }
    }
    n->node.n_attrs = 0;
}

static struct onr_attr *add_attr(struct oh_node *n, const char *name, enum onr_attr_type type)
{
    if (n->node.n_attrs >= OH_MAX_ATTRS) {
        fprintf(stderr, "op_harness: too many attributes\n");
        exit(2);
    }
    struct onr_attr *a = &n->attrs[n->node.n_attrs++];
    memset(a, 0, sizeof *a);
    a->name = xmalloc(strlen(name) + 1);
    strcpy(a->name, name);
    a->type = type;
    return a;
}

void oh_attr_int(struct oh_node *n, const char *name, int64_t v)
{
    add_attr(n, name, ONR_ATTR_INT)->i = v;
}

void oh_attr_float(struct oh_node *n, const char *name, float v)
{
    add_attr(n, name, ONR_ATTR_FLOAT)->f = v;
}

void oh_attr_string(struct oh_node *n, const char *name, const char *s)
{
    struct onr_attr *a = add_attr(n, name, ONR_ATTR_STRING);
    a->s_len = strlen(s);
    a->s = xmalloc(a->s_len + 1);
    memcpy(a->s, s, a->s_len + 1);
}

void oh_attr_ints(struct oh_node *n, const char *name, const int64_t *v, size_t count)
{
    struct onr_attr *a = add_attr(n, name, ONR_ATTR_INTS);
    a->ints = xmalloc(count * sizeof *v);
    if (count) memcpy(a->ints, v, count * sizeof *v);
    a->count = count;
}

void oh_attr_floats(struct oh_node *n, const char *name, const float *v, size_t count)
{
    struct onr_attr *a = add_attr(n, name, ONR_ATTR_FLOATS);
    a->floats = xmalloc(count * sizeof *v);
    if (count) memcpy(a->floats, v, count * sizeof *v);
    a->count = count;
}

void oh_attr_tensor(struct oh_node *n, const char *name, const struct onr_tensor *t)
{
    struct onr_attr *a = add_attr(n, name, ONR_ATTR_TENSOR);
    a->t = xmalloc(sizeof *a->t);
    memset(a->t, 0, sizeof *a->t);
    if (onr_tensor_copy(a->t, t, NULL) != ONR_STATUS_OK) exit(2);
}

void oh_tensor_f32(struct onr_tensor *t, int rank, const int64_t *dims, const float *data)
{
    struct onr_shape shape = {.rank = rank};
    for (int i = 0; i < rank; i++) shape.dims[i] = dims[i];
    memset(t, 0, sizeof *t);
    if (onr_tensor_alloc(t, ONR_DTYPE_FLOAT, &shape, NULL) != ONR_STATUS_OK) {
        fprintf(stderr, "op_harness: cannot allocate a tensor\n");
        exit(2);
    }
    if (data != NULL && t->nbytes) memcpy(t->data, data, t->nbytes);
}

/* infer, allocate outputs, prepare, run: with non-constant input data
 * hidden until run, as the executor does. */
static enum onr_status run_hooks(const struct onr_op_def *def, struct onr_op_ctx *ctx,
                                 const struct oh_opts *opts, struct onr_error *err)
{
    const unsigned const_mask = opts->const_mask;
    void *saved[ONR_MAX_RANK * 4] = {0};
    for (int i = 0; i < ctx->n_x && i < (int)(sizeof saved / sizeof saved[0]); i++)
        if (ctx->x[i] != NULL && !(const_mask & (1u << i))) {
            saved[i] = ctx->x[i]->data;
            ctx->x[i]->data = NULL;
        }
    enum onr_status st = def->infer(ctx, err);
    for (int k = 0; k < ctx->n_y && st == ONR_STATUS_OK; k++) {
        struct onr_tensor *y = ctx->y[k];
        if (y == NULL) continue;
        struct onr_shape shape = y->shape;
        st = onr_tensor_alloc(y, y->dtype, &shape, err);
    }
    if (st == ONR_STATUS_OK && def->prepare != NULL) st = def->prepare(ctx, err);
    if (st == ONR_STATUS_OK && opts->after_prepare != NULL)
        st = opts->after_prepare(def, ctx, opts->arg, err);
    for (int i = 0; i < ctx->n_x && i < (int)(sizeof saved / sizeof saved[0]); i++)
        if (saved[i] != NULL) ctx->x[i]->data = saved[i];
    if (st != ONR_STATUS_OK) return st;
    ctx->workspace = ctx->workspace_bytes ? onr_aligned_alloc(ctx->workspace_bytes) : NULL;
    if (ctx->workspace_bytes && ctx->workspace == NULL)
        return onr_error_set(err, ONR_STATUS_OUT_OF_MEMORY, "op_harness: workspace");
    st = def->run(ctx, err);
    onr_aligned_free(ctx->workspace);
    ctx->workspace = NULL;
    return st;
}

enum onr_status oh_run(const struct oh_node *n, const struct oh_opts *opts,
                       struct onr_tensor **x, int n_x, struct onr_tensor **y, int n_y,
                       struct onr_error *err)
{
    const int64_t opset = opts->opset ? opts->opset : 13;
    const struct onr_op_def *def = onr_op_find(n->node.op_type, n->node.domain, opset);
    if (def == NULL)
        return onr_error_set(err, ONR_STATUS_UNSUPPORTED, "op_harness: no %s at opset %lld",
                             n->node.op_type, (long long)opset);
    if (n_x < def->min_inputs || n_x > def->max_inputs || n_y < def->min_outputs ||
        n_y > def->max_outputs)
        return onr_error_set(err, ONR_STATUS_INVALID_MODEL, "%s '%s': bad arity",
                             n->node.op_type, n->node.name);
    struct onr_op_ctx ctx = {
        .node = &n->node, .opset = opset, .n_x = n_x, .x = x, .n_y = n_y, .y = y,
        .threads = opts->threads > 0 ? opts->threads : 1, .reference = opts->reference,
        .isa = onr_cpu_isa(),
    };
    enum onr_status st = def->init != NULL ? def->init(&ctx, err) : ONR_STATUS_OK;
    if (st == ONR_STATUS_OK && opts->after_init != NULL) st = opts->after_init(&ctx, opts->arg, err);
    if (st == ONR_STATUS_OK) st = run_hooks(def, &ctx, opts, err);
    if (def->release != NULL)
        def->release(ctx.params);
    else
        free(ctx.params);
    return st;
}

void oh_expect_error(const char *what, const struct oh_node *n, const struct oh_opts *opts,
                     struct onr_tensor **x, int n_x, int n_y, enum onr_status want)
{
    struct onr_tensor ys[8];
    struct onr_tensor *y[8];
    struct onr_error err = {{0}};
    memset(ys, 0, sizeof ys);
    for (int k = 0; k < n_y && k < 8; k++) y[k] = &ys[k];
    enum onr_status st = oh_run(n, opts, x, n_x, y, n_y, &err);
    for (int k = 0; k < n_y && k < 8; k++) onr_tensor_free(&ys[k]);
    if (getenv("OH_VERBOSE") != NULL)
        printf("%-40s %s: %s\n", what, onr_status_name(st), err.message);
    if (st != want || strstr(err.message, n->name) == NULL) {
        fprintf(stderr, "%s: got %s \"%s\", expected %s naming '%s'\n", what,
                onr_status_name(st), err.message, onr_status_name(want), n->name);
        onr_test_failures++;
    }
}
