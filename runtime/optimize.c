/* Graph optimisation passes on a session's wiring, run after every node's
 * attributes are read and before shapes are inferred. Passes rewrite the
 * session's copy of the node list; the model is never changed. */
#include "session.h"

enum onr_status onr_session_optimize(struct onr_session *s, struct onr_error *err)
{
    (void)s;
    (void)err;
    return ONR_STATUS_OK;
}
