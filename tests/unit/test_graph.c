/* runtime/graph.c on hand-built graphs: the name index, topological sort
 * (unsorted input, stable order, random DAGs), every rejection the sort
 * makes (cycle, dangling input, two producers, unproduced output, a node
 * writing a graph input) with the culprits named, and attribute getters. */
#include <stdlib.h>
#include <string.h>

#include "runtime/error.h"
#include "runtime/graph.h"
#include "testutil.h"

static struct onr_error err;

static int val(struct onr_graph *g, const char *name)
{
    int v = -1;
    CHECK_STATUS(onr_graph_intern_value(g, name, &v, &err), ONR_STATUS_OK);
    return v;
}

/* ins/outs: space-separated value names; "-" is an omitted input. */
static int *names_to_values(struct onr_graph *g, const char *list, int *n)
{
    int *out = malloc(16 * sizeof *out);
    char buf[256];
    *n = 0;
    snprintf(buf, sizeof buf, "%s", list);
    for (char *tok = strtok(buf, " "); tok != NULL && *n < 16; tok = strtok(NULL, " "))
        out[(*n)++] = strcmp(tok, "-") == 0 ? -1 : val(g, tok);
    return out;
}

static struct onr_node *add(struct onr_graph *g, const char *op, const char *name,
                            const char *ins, const char *outs)
{
    struct onr_node *nd = NULL;
    CHECK_STATUS(onr_graph_add_node(g, &nd, &err), ONR_STATUS_OK);
    int *in = names_to_values(g, ins, &nd->n_inputs);
    int *out = names_to_values(g, outs, &nd->n_outputs);
    nd->inputs = in;
    nd->outputs = out;
    nd->op_type = strdup(op);
    nd->name = strdup(name);
    nd->domain = strdup("");
    return nd;
}

static void set_io(struct onr_graph *g, const char *ins, const char *outs)
{
    g->inputs = names_to_values(g, ins, &g->n_inputs);
    g->outputs = names_to_values(g, outs, &g->n_outputs);
}

static const char *order(const struct onr_graph *g)
{
    static char buf[256];
    buf[0] = '\0';
    for (int i = 0; i < g->n_nodes; i++) {
        strcat(buf, g->nodes[i].name);
        if (i + 1 < g->n_nodes) strcat(buf, " ");
    }
    return buf;
}

/* Every input is produced by an earlier node, and producers agree. */
static int is_sorted(const struct onr_graph *g)
{
    for (int i = 0; i < g->n_nodes; i++) {
        for (int k = 0; k < g->nodes[i].n_inputs; k++) {
            int v = g->nodes[i].inputs[k];
            if (v >= 0 && g->values[v].producer >= i) return 0;
        }
        for (int k = 0; k < g->nodes[i].n_outputs; k++)
            if (g->values[g->nodes[i].outputs[k]].producer != i) return 0;
    }
    return 1;
}

static void test_index(void)
{
    struct onr_graph g;
    onr_graph_init(&g);
    char name[32];
    for (int i = 0; i < 2000; i++) {
        snprintf(name, sizeof name, "v%d", i * 7);
        CHECK(val(&g, name) == i);
    }
    CHECK(g.n_values == 2000);
    for (int i = 0; i < 2000; i++) {
        snprintf(name, sizeof name, "v%d", i * 7);
        CHECK(onr_graph_find_value(&g, name) == i);
        CHECK(val(&g, name) == i);   /* interning again finds it */
    }
    CHECK(g.n_values == 2000);
    CHECK(onr_graph_find_value(&g, "v1") == -1);
    CHECK(onr_graph_find_value(&g, "") == -1);
    onr_graph_free(&g);
    CHECK(g.n_values == 0 && g.values == NULL);
}

static void test_sort_unsorted(void)
{
    struct onr_graph g;
    onr_graph_init(&g);
    add(&g, "Relu", "C", "b", "y");
    add(&g, "Relu", "B", "a", "b");
    add(&g, "Conv", "A", "x w -", "a");
    set_io(&g, "x w", "y");
    CHECK_STATUS(onr_graph_sort(&g, &err), ONR_STATUS_OK);
    CHECK(strcmp(order(&g), "A B C") == 0);
    CHECK(is_sorted(&g));
    CHECK(g.nodes[0].inputs[2] == -1);
    CHECK(g.values[onr_graph_find_value(&g, "y")].producer == 2);
    CHECK(g.values[onr_graph_find_value(&g, "x")].producer == -1);
    onr_graph_free(&g);
}

static void test_sort_stable(void)
{
    /* Already valid: file order is kept, even where another order exists. */
    struct onr_graph g;
    onr_graph_init(&g);
    add(&g, "Relu", "B", "x", "b");
    add(&g, "Relu", "A", "x", "a");
    add(&g, "Add", "C", "a b", "c");
    add(&g, "Relu", "E", "x", "e");
    add(&g, "Add", "D", "c e", "y");
    set_io(&g, "x", "y");
    CHECK_STATUS(onr_graph_sort(&g, &err), ONR_STATUS_OK);
    CHECK(strcmp(order(&g), "B A C E D") == 0);
    onr_graph_free(&g);

    /* One node out of place moves; the others keep their relative order. */
    onr_graph_init(&g);
    add(&g, "Add", "C", "a b", "c");
    add(&g, "Relu", "B", "x", "b");
    add(&g, "Relu", "A", "x", "a");
    add(&g, "Relu", "Z", "x", "z");
    set_io(&g, "x", "c z");
    CHECK_STATUS(onr_graph_sort(&g, &err), ONR_STATUS_OK);
    CHECK(strcmp(order(&g), "B A C Z") == 0);
    onr_graph_free(&g);
}

/* A random DAG of n nodes added in shuffled order comes out sorted. */
static void test_sort_random(uint64_t seed, int n)
{
    struct onr_graph g;
    onr_graph_init(&g);
    int *perm = malloc((size_t)n * sizeof *perm);
    for (int i = 0; i < n; i++) perm[i] = i;
    uint64_t s = seed;
    for (int i = n - 1; i > 0; i--) {
        s = s * 6364136223846793005ull + 1442695040888963407ull;
        int j = (int)((s >> 33) % (uint64_t)(i + 1));
        int t = perm[i]; perm[i] = perm[j]; perm[j] = t;
    }
    for (int k = 0; k < n; k++) {
        int i = perm[k];
        char ins[64], out[16], name[16];
        s = s * 6364136223846793005ull + 1442695040888963407ull;
        int a = i ? (int)((s >> 33) % (uint64_t)i) : -1;
        int b = i ? (int)((s >> 40) % (uint64_t)i) : -1;
        if (i == 0) snprintf(ins, sizeof ins, "x");
        else snprintf(ins, sizeof ins, "v%d v%d x", a, b);
        snprintf(out, sizeof out, "v%d", i);
        snprintf(name, sizeof name, "n%d", i);
        add(&g, "Add", name, ins, out);
    }
    char last[16];
    snprintf(last, sizeof last, "v%d", n - 1);
    set_io(&g, "x", last);
    CHECK_STATUS(onr_graph_sort(&g, &err), ONR_STATUS_OK);
    CHECK(g.n_nodes == n);
    CHECK(is_sorted(&g));
    free(perm);
    onr_graph_free(&g);
}

static void expect_error(struct onr_graph *g, enum onr_status want, const char *const *parts,
                         const char *absent)
{
    err.message[0] = '\0';
    CHECK_STATUS(onr_graph_sort(g, &err), want);
    if (getenv("ONR_TEST_VERBOSE")) fprintf(stderr, "  %s\n", err.message);
    for (int i = 0; parts[i] != NULL; i++)
        if (strstr(err.message, parts[i]) == NULL) {
            fprintf(stderr, "message '%s' lacks '%s'\n", err.message, parts[i]);
            onr_test_failures++;
        }
    if (absent != NULL && strstr(err.message, absent) != NULL) {
        fprintf(stderr, "message '%s' should not name '%s'\n", err.message, absent);
        onr_test_failures++;
    }
    onr_graph_free(g);
}

static void test_sort_errors(void)
{
    struct onr_graph g;

    onr_graph_init(&g);   /* A -> B -> C -> A, D hangs off the cycle */
    add(&g, "Relu", "D", "b", "d");
    add(&g, "Add", "A", "x c", "a");
    add(&g, "Relu", "B", "a", "b");
    add(&g, "Relu", "C", "b", "c");
    set_io(&g, "x", "d");
    expect_error(&g, ONR_STATUS_INVALID_MODEL,
                 (const char *[]){"cycle", "Add 'A'", "Relu 'B'", "Relu 'C'", NULL}, "'D'");

    onr_graph_init(&g);   /* a node reading its own output */
    add(&g, "Relu", "R0", "x", "a");
    add(&g, "Add", "self", "a s", "s");
    set_io(&g, "x", "s");
    expect_error(&g, ONR_STATUS_INVALID_MODEL, (const char *[]){"cycle", "Add 'self'", NULL},
                 "R0");

    onr_graph_init(&g);
    add(&g, "Conv", "conv_3", "x w_missing", "y");
    set_io(&g, "x", "y");
    expect_error(&g, ONR_STATUS_INVALID_MODEL,
                 (const char *[]){"Conv 'conv_3'", "'w_missing'", NULL}, NULL);

    onr_graph_init(&g);
    add(&g, "Relu", "first", "x", "y");
    add(&g, "Sigmoid", "second", "x", "y");
    set_io(&g, "x", "y");
    expect_error(&g, ONR_STATUS_INVALID_MODEL,
                 (const char *[]){"'y'", "Relu 'first'", "Sigmoid 'second'", NULL}, NULL);

    onr_graph_init(&g);
    add(&g, "Relu", "r", "x", "y");
    set_io(&g, "x", "y nowhere");
    expect_error(&g, ONR_STATUS_INVALID_MODEL,
                 (const char *[]){"graph output", "'nowhere'", NULL}, NULL);

    onr_graph_init(&g);
    add(&g, "Relu", "r", "y", "x");
    set_io(&g, "x y", "x");
    expect_error(&g, ONR_STATUS_INVALID_MODEL,
                 (const char *[]){"Relu 'r'", "'x'", "graph input", NULL}, NULL);

    onr_graph_init(&g);   /* an initializer is defined; writing it is not allowed */
    add(&g, "Relu", "r", "x", "w");
    set_io(&g, "x", "w");
    g.values[onr_graph_find_value(&g, "w")].is_initializer = true;
    expect_error(&g, ONR_STATUS_INVALID_MODEL, (const char *[]){"'w'", "initializer", NULL},
                 NULL);
}

static void test_attrs(void)
{
    struct onr_graph g;
    onr_graph_init(&g);
    struct onr_node *nd = add(&g, "Conv", "conv_3", "x", "y");
    nd->attrs = calloc(3, sizeof *nd->attrs);
    nd->n_attrs = 3;
    nd->attrs[0] = (struct onr_attr){.name = strdup("strides"), .type = ONR_ATTR_INT, .i = 2};
    nd->attrs[1] = (struct onr_attr){.name = strdup("alpha"), .type = ONR_ATTR_FLOAT, .f = 0.5f};
    nd->attrs[2] = (struct onr_attr){.name = strdup("pads"), .type = ONR_ATTR_INTS,
                                     .ints = calloc(4, sizeof(int64_t)), .count = 4};
    nd->attrs[2].ints[3] = 7;

    int64_t i = 0;
    float f = 0;
    const int64_t *ints;
    size_t n;
    CHECK_STATUS(onr_node_attr_int(nd, "strides", 1, &i, &err), ONR_STATUS_OK);
    CHECK(i == 2);
    CHECK_STATUS(onr_node_attr_int(nd, "group", 1, &i, &err), ONR_STATUS_OK);
    CHECK(i == 1);
    CHECK_STATUS(onr_node_attr_float(nd, "alpha", 1.0f, &f, &err), ONR_STATUS_OK);
    CHECK(f == 0.5f);
    CHECK_STATUS(onr_node_attr_ints(nd, "pads", &ints, &n, &err), ONR_STATUS_OK);
    CHECK(n == 4 && ints[3] == 7);
    CHECK_STATUS(onr_node_attr_ints(nd, "dilations", &ints, &n, &err), ONR_STATUS_OK);
    CHECK(n == 0 && ints == NULL);
    const char *s = NULL;
    CHECK_STATUS(onr_node_attr_string(nd, "auto_pad", "NOTSET", &s, &err), ONR_STATUS_OK);
    CHECK(s && strcmp(s, "NOTSET") == 0);

    CHECK_STATUS(onr_node_attr_ints(nd, "strides", &ints, &n, &err), ONR_STATUS_INVALID_MODEL);
    CHECK(strcmp(err.message, "Conv 'conv_3': attribute 'strides' has type INT, expected INTS")
          == 0);
    CHECK_STATUS(onr_node_attr_int(nd, "alpha", 0, &i, &err), ONR_STATUS_INVALID_MODEL);
    CHECK(strstr(err.message, "'alpha' has type FLOAT, expected INT") != NULL);
    CHECK_STATUS(onr_node_attr_string(nd, "pads", "", &s, &err), ONR_STATUS_INVALID_MODEL);
    const float *fl;
    CHECK_STATUS(onr_node_attr_floats(nd, "pads", &fl, &n, &err), ONR_STATUS_INVALID_MODEL);
    onr_graph_free(&g);
}

int main(void)
{
    test_index();
    test_sort_unsorted();
    test_sort_stable();
    test_sort_random(1, 1);
    test_sort_random(2, 50);
    test_sort_random(3, 1000);
    test_sort_errors();
    test_attrs();
    if (onr_test_failures) fprintf(stderr, "test_graph: %d failures\n", onr_test_failures);
    return onr_test_failures != 0;
}
