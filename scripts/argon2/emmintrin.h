/*
 * Keyhold's stand-in for <emmintrin.h> when the Argon2 reference's opt.c is compiled for
 * wasm32 with -msimd128 (see scripts/build-argon2.ts). It maps exactly the SSE2 intrinsics
 * that opt.c and blake2/blamka-round-opt.h use (their SSE2 path: no SSSE3, AVX2, AVX-512 or
 * XOP) onto WebAssembly SIMD from clang's <wasm_simd128.h>. It is an instruction mapping, not
 * cryptography: the Argon2 code that calls these stays the reference's.
 */
#ifndef KEYHOLD_WASM_EMMINTRIN_H
#define KEYHOLD_WASM_EMMINTRIN_H

#include <wasm_simd128.h>

/* Two 64-bit lanes; v128_t loads and stores go through may_alias types, as __m128i's do. */
typedef v128_t __m128i;

#define KH_SSE2_INLINE static __inline__ __attribute__((__always_inline__, __nodebug__))

/* MOVDQU: unaligned 128-bit load and store (WebAssembly v128 memory access has no alignment requirement). */
KH_SSE2_INLINE __m128i _mm_loadu_si128(const __m128i *p) { return wasm_v128_load(p); }
KH_SSE2_INLINE void _mm_storeu_si128(__m128i *p, __m128i a) { wasm_v128_store(p, a); }

/* PXOR, PADDQ. */
KH_SSE2_INLINE __m128i _mm_xor_si128(__m128i a, __m128i b) { return wasm_v128_xor(a, b); }
KH_SSE2_INLINE __m128i _mm_add_epi64(__m128i a, __m128i b) { return wasm_i64x2_add(a, b); }

/* PSRLQ, PSLLQ by an immediate count (always 1..63 in blamka-round-opt.h). */
KH_SSE2_INLINE __m128i _mm_srli_epi64(__m128i a, int count) { return wasm_u64x2_shr(a, (uint32_t)count); }
KH_SSE2_INLINE __m128i _mm_slli_epi64(__m128i a, int count) { return wasm_i64x2_shl(a, (uint32_t)count); }

/* PUNPCKLQDQ, PUNPCKHQDQ: the low (high) 64-bit lanes of a and b. */
#define _mm_unpacklo_epi64(a, b) wasm_i64x2_shuffle((a), (b), 0, 2)
#define _mm_unpackhi_epi64(a, b) wasm_i64x2_shuffle((a), (b), 1, 3)

/*
 * PMULUDQ: the low 32 bits of each 64-bit lane of a times those of b, as two 64-bit products.
 * Gathering the even 32-bit lanes (0 and 2) into the low half makes it one
 * i64x2.extmul_low_i32x4_u instead of an emulated 64-bit multiply.
 */
KH_SSE2_INLINE __m128i _mm_mul_epu32(__m128i a, __m128i b) {
    return wasm_u64x2_extmul_low_u32x4(wasm_i32x4_shuffle(a, a, 0, 2, 0, 2), wasm_i32x4_shuffle(b, b, 0, 2, 0, 2));
}

#endif
