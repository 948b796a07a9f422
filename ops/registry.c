/* The operator registry: the table built from op_list.inc, looked up by
 * op_type, domain and the model's opset. */
#include <string.h>

#include "op.h"

#define ONR_OP(sym) extern const struct onr_op_def onr_op_##sym;
#include "op_list.inc"
#undef ONR_OP

static const struct onr_op_def *const op_table[] = {
#define ONR_OP(sym) &onr_op_##sym,
#include "op_list.inc"
#undef ONR_OP
};

static int domain_is(const char *a, const char *b)
{
    /* "" and "ai.onnx" are the same default domain. */
    if (a == NULL || strcmp(a, "ai.onnx") == 0) a = "";
    if (b == NULL || strcmp(b, "ai.onnx") == 0) b = "";
    return strcmp(a, b) == 0;
}

const struct onr_op_def *onr_op_find(const char *op_type, const char *domain,
                                     int64_t opset)
{
    for (size_t i = 0; i < sizeof op_table / sizeof op_table[0]; i++) {
        const struct onr_op_def *def = op_table[i];
        if (strcmp(def->name, op_type) == 0 && domain_is(def->domain, domain) &&
            opset >= def->min_opset && opset <= def->max_opset)
            return def;
    }
    return NULL;
}

const struct onr_op_def *onr_op_find_any(const char *op_type, const char *domain)
{
    for (size_t i = 0; i < sizeof op_table / sizeof op_table[0]; i++) {
        const struct onr_op_def *def = op_table[i];
        if (strcmp(def->name, op_type) == 0 && domain_is(def->domain, domain))
            return def;
    }
    return NULL;
}

int onr_op_count(void)
{
    return (int)(sizeof op_table / sizeof op_table[0]);
}

const struct onr_op_def *onr_op_at(int index)
{
    return index >= 0 && index < onr_op_count() ? op_table[index] : NULL;
}

/* The public list: the operators a model file may use. */
int onr_supported_op_count(void)
{
    int n = 0;
    for (int i = 0; i < onr_op_count(); i++) n += !(op_table[i]->flags & ONR_OP_FLAG_INTERNAL);
    return n;
}

enum onr_status onr_supported_op(int index, const char **op_type, const char **domain,
                                 int *min_opset, int *max_opset)
{
    const struct onr_op_def *def = NULL;
    for (int i = 0, k = 0; i < onr_op_count() && def == NULL; i++)
        if (!(op_table[i]->flags & ONR_OP_FLAG_INTERNAL) && k++ == index) def = op_table[i];
    if (index < 0 || def == NULL) return ONR_STATUS_INVALID_ARGUMENT;
    if (op_type) *op_type = def->name;
    if (domain) *domain = def->domain ? def->domain : "";
    if (min_opset) *min_opset = def->min_opset;
    if (max_opset) *max_opset = def->max_opset;
    return ONR_STATUS_OK;
}
