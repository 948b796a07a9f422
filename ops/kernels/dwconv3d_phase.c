/* The phase-plane depthwise 3-D kernel (dwconv3d_phase.h) for the portable ISA level. */
#include "dwconv3d_phase_body.h"

ONR_DW3D_PHASE_DEFINE(scalar)
