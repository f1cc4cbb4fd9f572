/* Non-temporal (streaming) stores for the vector-loop templates, at the
 * including instance's width (VEC_BYTES): VEC_STREAM(p, v) stores the
 * vector v at p, which must be VEC_BYTES-aligned, bypassing the caches
 * (no read of the line first); STREAM_FENCE() orders them before what the
 * thread does next. STREAM_STORES is defined where the ISA has them
 * (x86-64, with <immintrin.h>, which stream_output.h includes). Included
 * once per width; no include guard. */
#undef STREAM_STORES
#undef VEC_STREAM
#undef STREAM_FENCE
#if defined(__x86_64__) && (VEC_BYTES == 64 || VEC_BYTES == 32 || VEC_BYTES == 16)
#define STREAM_STORES 1
#if VEC_BYTES == 64
#define VEC_STREAM(p, v) _mm512_stream_si512((void *)(p), (__m512i)(v))
#elif VEC_BYTES == 32
#define VEC_STREAM(p, v) _mm256_stream_si256((__m256i *)(void *)(p), (__m256i)(v))
#else
#define VEC_STREAM(p, v) _mm_stream_si128((__m128i *)(void *)(p), (__m128i)(v))
#endif
#define STREAM_FENCE() _mm_sfence()
#endif
