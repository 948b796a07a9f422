/* The auto_pad attribute that Conv and the pooling operators share. */
#ifndef ONR_OPS_AUTO_PAD_H
#define ONR_OPS_AUTO_PAD_H

#include "op.h"

enum onr_auto_pad {
    ONR_AUTO_PAD_NOTSET,
    ONR_AUTO_PAD_SAME_UPPER,
    ONR_AUTO_PAD_SAME_LOWER,
    ONR_AUTO_PAD_VALID,
};

/* Reads the node's auto_pad ("" and absent mean NOTSET); any other value
 * is INVALID_MODEL naming the node. */
enum onr_status onr_read_auto_pad(const struct onr_node *node, enum onr_auto_pad *out,
                                  struct onr_error *err);
/* The same for an attribute of another name (a fused operator's
 * "producer_auto_pad"). */
enum onr_status onr_read_auto_pad_named(const struct onr_node *node, const char *name,
                                        enum onr_auto_pad *out, struct onr_error *err);

#endif
