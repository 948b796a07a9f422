/* Nodes that graph passes build (graph.h: onr_node_new and the attribute
 * setters): a fused or blocked operator's node in place of the nodes it
 * computes, with copies of their attributes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "graph.h"

static enum onr_status attr_copy(struct onr_attr *dst, const struct onr_attr *src,
                                 const char *prefix, struct onr_error *err)
{
    memset(dst, 0, sizeof *dst);
    const size_t len = strlen(prefix) + strlen(src->name) + 1;
    dst->name = malloc(len);
    if (dst->name == NULL) goto oom;
    snprintf(dst->name, len, "%s%s", prefix, src->name);
    dst->type = src->type;
    dst->f = src->f;
    dst->i = src->i;
    dst->count = src->count;
    dst->s_len = src->s_len;
    switch (src->type) {
    case ONR_ATTR_FLOAT:
    case ONR_ATTR_INT:
        return ONR_STATUS_OK;
    case ONR_ATTR_STRING:
        if ((dst->s = malloc(src->s_len + 1)) == NULL) goto oom;
        memcpy(dst->s, src->s, src->s_len + 1);
        return ONR_STATUS_OK;
    case ONR_ATTR_INTS:
        if ((dst->ints = malloc((src->count ? src->count : 1) * sizeof *dst->ints)) == NULL) goto oom;
        if (src->count) memcpy(dst->ints, src->ints, src->count * sizeof *dst->ints);
        return ONR_STATUS_OK;
    case ONR_ATTR_FLOATS:
        if ((dst->floats = malloc((src->count ? src->count : 1) * sizeof *dst->floats)) == NULL)
            goto oom;
        if (src->count) memcpy(dst->floats, src->floats, src->count * sizeof *dst->floats);
        return ONR_STATUS_OK;
    default:
        dst->count = 0;
        return onr_error_set(err, ONR_STATUS_INTERNAL,
                             "attribute '%s': type %d cannot be copied into a pass's node",
                             src->name, (int)src->type);
    }
oom:
    return onr_error_set(err, ONR_STATUS_OUT_OF_MEMORY, "copying attribute '%s': out of memory",
                         src->name);
}

/* A free slot at the end of node's attributes. */
static struct onr_attr *attr_append(struct onr_node *node)
{
    struct onr_attr *a = realloc(node->attrs, (size_t)(node->n_attrs + 1) * sizeof *a);
    if (a == NULL) return NULL;
    node->attrs = a;
    memset(&a[node->n_attrs], 0, sizeof *a);
    return &a[node->n_attrs++];
}

static char *dup_str(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d != NULL) memcpy(d, s, n);
    return d;
}

enum onr_status onr_node_new(const char *name, const char *op_type, const char *domain,
                             struct onr_node **out, struct onr_error *err)
{
    struct onr_node *n = calloc(1, sizeof *n);
    if (n != NULL) {
        n->name = dup_str(name);
        n->op_type = dup_str(op_type);
        n->domain = dup_str(domain);
    }
    if (n == NULL || n->name == NULL || n->op_type == NULL || n->domain == NULL) {
        if (n != NULL) onr_node_free(n);
        free(n);
        return onr_error_set(err, ONR_STATUS_OUT_OF_MEMORY, "node '%s': out of memory", name);
    }
    *out = n;
    return ONR_STATUS_OK;
}

enum onr_status onr_node_copy_attrs(struct onr_node *dst, const struct onr_node *src,
                                    const char *prefix, struct onr_error *err)
{
    for (int i = 0; i < src->n_attrs; i++) {
        struct onr_attr *a = attr_append(dst);
        if (a == NULL)
            return onr_error_set(err, ONR_STATUS_OUT_OF_MEMORY, "node '%s': out of memory",
                                 dst->name);
        enum onr_status st = attr_copy(a, &src->attrs[i], prefix, err);
        if (st != ONR_STATUS_OK) {
            onr_attr_free(a);
            dst->n_attrs--;
            return st;
        }
    }
    return ONR_STATUS_OK;
}

enum onr_status onr_node_add_attr_string(struct onr_node *node, const char *name, const char *s,
                                         struct onr_error *err)
{
    struct onr_attr *a = attr_append(node);
    if (a == NULL || (a->name = dup_str(name)) == NULL || (a->s = dup_str(s)) == NULL) {
        if (a != NULL) {
            onr_attr_free(a);
            node->n_attrs--;
        }
        return onr_error_set(err, ONR_STATUS_OUT_OF_MEMORY, "node '%s': out of memory", node->name);
    }
    a->type = ONR_ATTR_STRING;
    a->s_len = strlen(s);
    return ONR_STATUS_OK;
}

enum onr_status onr_node_add_attr_floats(struct onr_node *node, const char *name,
                                         const float *v, size_t count, struct onr_error *err)
{
    struct onr_attr *a = attr_append(node);
    if (a == NULL || (a->name = dup_str(name)) == NULL ||
        (a->floats = malloc((count ? count : 1) * sizeof *a->floats)) == NULL) {
        if (a != NULL) {
            onr_attr_free(a);
            node->n_attrs--;
        }
        return onr_error_set(err, ONR_STATUS_OUT_OF_MEMORY, "node '%s': out of memory", node->name);
    }
    a->type = ONR_ATTR_FLOATS;
    a->count = count;
    if (count) memcpy(a->floats, v, count * sizeof *v);
    return ONR_STATUS_OK;
}
