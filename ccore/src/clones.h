/* CORR2D_CLONES: compile a plain-C loop also for AVX2 and AVX-512, the best
 * picked at load time. conv.c is built for the baseline ISA; where GCC and
 * glibc's ifunc allow, functions marked with this get clones (the
 * correlation core dispatches by hand instead, see dispatch.c, and so do
 * separable.c's explicit-width vector loops). Elsewhere they stay baseline. */
#ifndef CORR2D_CLONES_H
#define CORR2D_CLONES_H

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__GLIBC__)
#define CORR2D_CLONES \
    __attribute__((target_clones("arch=skylake-avx512", "arch=haswell", "default")))
#else
#define CORR2D_CLONES
#endif

#endif
