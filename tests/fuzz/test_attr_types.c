/* Attributes of the wrong type, for every operator in ops/op_list.inc.
 *
 * For each operator a model can name (the registry, internal ops left out),
 * at the newest opset its definition accepts, a one-node model is loaded and
 * a session created while the attribute accessors (onr_node_attr*, wrapped
 * at link time) record which attribute names are read, and as which type.
 * Then, for every attribute read through a typed accessor, the model is
 * built again with that attribute given each other type in turn (and the
 * attributes that had to be present for it to be read, with values of their
 * own type): the load or the session must fail with a message naming the
 * attribute. Attributes
 * only ever looked up untyped (onr_node_attr, where the op checks the type
 * itself) get every type too and must not crash; a refusal must then carry
 * a message. AddressSanitizer and UBSan watch all of it in the sanitizer
 * build. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ops/op.h"
#include "runtime/graph.h"
#include "testutil.h"
#include "unit/model_builder.h"

#define KIND_ANY 0 /* looked up with onr_node_attr only */

struct read_attr {
    char name[64];
    int typed;  /* enum onr_attr_type of a typed accessor, or KIND_ANY */
    int n_base; /* found with the first n_base typed attributes present */
};

static int recording;
static struct read_attr reads[64];
static int n_reads;

static void note(const char *name, int kind)
{
    if (!recording || name == NULL) return;
    for (int i = 0; i < n_reads; i++)
        if (strcmp(reads[i].name, name) == 0) {
            if (kind != KIND_ANY) reads[i].typed = kind;
            return;
        }
    if (n_reads == (int)(sizeof reads / sizeof reads[0])) return;
    snprintf(reads[n_reads].name, sizeof reads[n_reads].name, "%s", name);
    reads[n_reads++].typed = kind;
}

const struct onr_attr *__real_onr_node_attr(const struct onr_node *node, const char *name);
const struct onr_attr *__wrap_onr_node_attr(const struct onr_node *node, const char *name)
{
    note(name, KIND_ANY);
    return __real_onr_node_attr(node, name);
}

#define WRAP(SUFFIX, KIND, ...)                                                              \
    enum onr_status __real_onr_node_attr_##SUFFIX(const struct onr_node *node,               \
                                                  const char *name, __VA_ARGS__,             \
                                                  struct onr_error *err);                    \
    enum onr_status __wrap_onr_node_attr_##SUFFIX(const struct onr_node *node,               \
                                                  const char *name, __VA_ARGS__,             \
                                                  struct onr_error *err)
WRAP(int, ONR_ATTR_INT, int64_t def, int64_t *out)
{
    note(name, ONR_ATTR_INT);
    return __real_onr_node_attr_int(node, name, def, out, err);
}
WRAP(float, ONR_ATTR_FLOAT, float def, float *out)
{
    note(name, ONR_ATTR_FLOAT);
    return __real_onr_node_attr_float(node, name, def, out, err);
}
WRAP(string, ONR_ATTR_STRING, const char *def, const char **out)
{
    note(name, ONR_ATTR_STRING);
    return __real_onr_node_attr_string(node, name, def, out, err);
}
WRAP(ints, ONR_ATTR_INTS, const int64_t **ints, size_t *count)
{
    note(name, ONR_ATTR_INTS);
    return __real_onr_node_attr_ints(node, name, ints, count, err);
}
WRAP(floats, ONR_ATTR_FLOATS, const float **floats, size_t *count)
{
    note(name, ONR_ATTR_FLOATS);
    return __real_onr_node_attr_floats(node, name, floats, count, err);
}

static const int all_types[] = {ONR_ATTR_FLOAT, ONR_ATTR_INT,    ONR_ATTR_STRING, ONR_ATTR_TENSOR,
                                ONR_ATTR_FLOATS, ONR_ATTR_INTS, ONR_ATTR_STRINGS};

static const char *type_name(int t)
{
    static const char *names[] = {"UNDEFINED", "FLOAT", "INT", "STRING", "TENSOR",
                                  "GRAPH", "FLOATS", "INTS", "STRINGS"};
    return t >= 0 && t <= 8 ? names[t] : "?";
}

/* Adds attribute `name` of `type` with a plausible value (an INTS of 2 for
 * the 2 spatial dims of the test's inputs). */
static void add_attr(struct mb_model *m, Onnx__NodeProto *n, const char *name, int type)
{
    static int64_t ints[2] = {1, 1}, dims[1] = {2};
    static float floats[2] = {0.5f, 1.5f};
    static char word[] = "NOTSET";
    static ProtobufCBinaryData strings[1] = {{6, (uint8_t *)word}};
    switch (type) {
    case ONR_ATTR_INT: mb_attr_int(m, n, name, 1); return;
    case ONR_ATTR_FLOAT: mb_attr_float(m, n, name, 0.5f); return;
    case ONR_ATTR_INTS: mb_attr_ints(m, n, name, ints, 2); return;
    case ONR_ATTR_TENSOR: mb_attr_tensor_f32(m, n, name, 1, dims, floats); return;
    default: break;
    }
    /* STRING, FLOATS, STRINGS: the builder has no setter; retype an INT
     * (the value arrays are static, outside the builder's ownership). */
    size_t k = n->n_attribute;
    mb_attr_int(m, n, name, 0);
    if (n->n_attribute != k + 1) return;
    Onnx__AttributeProto *a = n->attribute[k];
    a->type = (Onnx__AttributeProto__AttributeType)type;
    a->has_i = 0;
    if (type == ONR_ATTR_STRING) {
        a->has_s = 1;
        a->s.data = (uint8_t *)word;
        a->s.len = strlen(word);
    } else if (type == ONR_ATTR_FLOATS) {
        a->n_floats = 2;
        a->floats = floats;
    } else {
        a->n_strings = 1;
        a->strings = strings;
    }
}

/* One node of def's op on float inputs 1x2x4x4, with attribute `attr` of
 * `type` when attr is not NULL: loaded, then a session created. */
static enum onr_status try_op(const struct onr_op_def *def, int64_t opset,
                              const struct read_attr *base, int n_base, const char *attr,
                              int type, struct onr_error *err)
{
    static const int64_t dims[4] = {1, 2, 4, 4};
    char ins[MB_MAX_IO * 4] = "", outs[MB_MAX_IO * 4] = "", name[8];
    struct mb_model *m = mb_new(opset);
    if (m == NULL) return ONR_STATUS_OUT_OF_MEMORY;
    int n_in = def->min_inputs < MB_MAX_IO ? def->min_inputs : MB_MAX_IO;
    int n_out = def->min_outputs < 1 ? 1 : def->min_outputs;
    for (int i = 0; i < n_in; i++) {
        snprintf(name, sizeof name, "x%d", i);
        mb_input(m, name, ONR_DTYPE_FLOAT, 4, dims);
        strcat(ins, i ? "," : "");
        strcat(ins, name);
    }
    for (int i = 0; i < n_out && i < MB_MAX_IO; i++) {
        snprintf(name, sizeof name, "y%d", i);
        mb_output(m, name, ONR_DTYPE_FLOAT, -1, NULL);
        strcat(outs, i ? "," : "");
        strcat(outs, name);
    }
    Onnx__NodeProto *n = mb_node(m, def->name, "node", ins, outs);
    for (int i = 0; i < n_base && n != NULL; i++) add_attr(m, n, base[i].name, base[i].typed);
    if (attr != NULL && n != NULL) add_attr(m, n, attr, type);
    struct onr_model *model = NULL;
    enum onr_status st = mb_load(m, &model, err);
    mb_free(m);
    if (st != ONR_STATUS_OK) return st;
    struct onr_session_options opt;
    onr_session_options_init(&opt);
    opt.threads = 1;
    opt.max_memory = (size_t)64 << 20;
    struct onr_session *s = NULL;
    st = onr_session_create(model, &opt, &s, err);
    onr_session_free(s);
    onr_model_free(model);
    return st;
}

int main(void)
{
    int n_ops = 0, n_attrs = 0, n_cases = 0, n_untyped = 0;
    const int verbose = getenv("ONR_TEST_VERBOSE") != NULL; /* the attributes found, per op */
    for (int i = 0; i < onr_op_count(); i++) {
        const struct onr_op_def *def = onr_op_at(i);
        if (def->flags & ONR_OP_FLAG_INTERNAL) continue;
        int64_t opset = def->max_opset < ONR_MAX_OPSET ? def->max_opset : ONR_MAX_OPSET;
        if (opset < def->min_opset || def->domain[0] != '\0') {
            fprintf(stderr, "%s (domain '%s', opsets %d-%d): not built here\n", def->name,
                    def->domain, def->min_opset, def->max_opset);
            continue;
        }
        n_ops++;
        struct onr_error err;
        /* Rounds: the typed attributes found so far are given values of
         * their own type (a required kernel_shape lets init go on to read
         * strides, pads ...) until no new name is read. */
        struct read_attr found[64], base[64];
        int n_found = 0, n_base = 0;
        for (int round = 0; round < 4; round++) {
            n_reads = 0;
            recording = 1;
            try_op(def, opset, base, n_base, NULL, 0, &err);
            recording = 0;
            int before = n_found;
            for (int r = 0; r < n_reads; r++) {
                int k = 0;
                while (k < n_found && strcmp(found[k].name, reads[r].name) != 0) k++;
                if (k < n_found && found[k].typed == KIND_ANY && reads[r].typed != KIND_ANY)
                    found[k].typed = reads[r].typed; /* untyped lookup, then a typed read */
                if (k < n_found || n_found == 64) continue;
                found[n_found] = reads[r];
                found[n_found++].n_base = n_base;
            }
            /* an untyped lookup is given an INT, the commonest type, to see
             * whether a typed read follows */
            for (int k = before; k < n_found; k++) {
                base[n_base] = found[k];
                if (base[n_base].typed == KIND_ANY) base[n_base].typed = ONR_ATTR_INT;
                n_base++;
            }
            if (n_found == before) break;
        }
        if (verbose) {
            printf("%s (opset %lld):", def->name, (long long)opset);
            for (int a = 0; a < n_found; a++)
                printf(" %s:%s", found[a].name,
                       found[a].typed == KIND_ANY ? "untyped" : type_name(found[a].typed));
            printf("\n");
        }
        for (int a = 0; a < n_found; a++) {
            n_attrs++;
            n_untyped += found[a].typed == KIND_ANY;
            for (size_t t = 0; t < sizeof all_types / sizeof all_types[0]; t++) {
                int type = all_types[t];
                if (type == found[a].typed) continue;
                n_cases++;
                err.message[0] = '\0';
                enum onr_status st =
                    try_op(def, opset, base, found[a].n_base, found[a].name, type, &err);
                char quoted[80];
                snprintf(quoted, sizeof quoted, "'%.63s'", found[a].name);
                if (verbose && st != ONR_STATUS_OK && type == all_types[0] + (found[a].typed == all_types[0]))
                    printf("  %s\n", err.message);
                if (found[a].typed != KIND_ANY &&
                    (st == ONR_STATUS_OK || strstr(err.message, quoted) == NULL)) {
                    fprintf(stderr, "FAIL %s (opset %lld): attribute %s as %s (read as %s): "
                            "%s, \"%s\"\n", def->name, (long long)opset, quoted,
                            type_name(type), type_name(found[a].typed), onr_status_name(st),
                            st == ONR_STATUS_OK ? "" : err.message);
                    onr_test_failures++;
                } else if (st != ONR_STATUS_OK && err.message[0] == '\0') {
                    fprintf(stderr, "FAIL %s: attribute %s as %s refused without a message\n",
                            def->name, quoted, type_name(type));
                    onr_test_failures++;
                }
            }
        }
    }
    printf("%d operators, %d attributes read (%d untyped only), %d wrong-type models\n",
           n_ops, n_attrs, n_untyped, n_cases);
    CHECK(n_ops > 50);
    CHECK(n_attrs > 50);
    if (onr_test_failures) fprintf(stderr, "test_attr_types: %d failures\n", onr_test_failures);
    return onr_test_failures != 0;
}
