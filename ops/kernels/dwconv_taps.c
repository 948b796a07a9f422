/* The tap-row depthwise kernels (dwconv_taps.h) for the portable ISA level. */
#include "dwconv_taps.h"
#include "dwconv_taps_body.h"

ONR_DWTAPS_DEFINE(scalar)
