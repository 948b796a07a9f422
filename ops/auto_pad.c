/* See auto_pad.h. */
#include <string.h>

#include "auto_pad.h"

enum onr_status onr_read_auto_pad(const struct onr_node *node, enum onr_auto_pad *out,
                                  struct onr_error *err)
{
    return onr_read_auto_pad_named(node, "auto_pad", out, err);
}

enum onr_status onr_read_auto_pad_named(const struct onr_node *node, const char *name,
                                        enum onr_auto_pad *out, struct onr_error *err)
{
    static const char *const names[] = {"NOTSET", "SAME_UPPER", "SAME_LOWER", "VALID"};
    const char *s;
    enum onr_status st = onr_node_attr_string(node, name, "NOTSET", &s, err);
    if (st != ONR_STATUS_OK) return st;
    if (s[0] == '\0') s = "NOTSET";
    for (int i = 0; i < 4; i++)
        if (strcmp(s, names[i]) == 0) {
            *out = (enum onr_auto_pad)i;
            return ONR_STATUS_OK;
        }
    return onr_error_set(err, ONR_STATUS_INVALID_MODEL,
                         "%s '%s': %s '%s', expected NOTSET, SAME_UPPER, SAME_LOWER or "
                         "VALID", node->op_type, node->name, name, s);
}
