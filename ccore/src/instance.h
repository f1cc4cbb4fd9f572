/* Compiles correlate.template.c once for the SUFFIX/T/A (and optional VEC
 * macros) defined by the includer, then clears them for the next instance.
 * Deliberately no include guard. */
#define NAME(x) CORR2D_CAT(x, SUFFIX)
#include "correlate.template.c"
#undef NAME
#undef SUFFIX
#undef T
#undef A
#ifdef VLEN
#undef VEC
#undef VLEN
#undef VSET1
#undef VLOAD
#undef VFMA
#undef VSTORE
#endif
