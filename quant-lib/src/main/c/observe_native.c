/*
 * Native kernels of io.quantpipe.quant.observe.NativeBinning: bins runs of float activations into
 * the power-of-two histogram grid of Histogram and tracks their range, with AVX2 or AVX-512.
 *
 * Every value v of a run is counted in bin b + floor(v * inv) of one of TABLES interleaved int
 * tables (each 2b ints), inv = 2^(log2Bins - exponent) a normal float. That product is exact
 * unless it is subnormal, where only the sign matters: floor gives 0 or -1, except that a negative
 * v whose product rounds to -0.0 must still go to -1, hence the fix-up. The result is the exact
 * loop's bin (Histogram.updateWithMinMaxExactLoop computes the same product in double).
 *
 * A run is processed a chunk at a time. Each chunk's range is read first, on order-preserving
 * integer keys of the float bits; a chunk holding a key outside [loLimit, hiLimit] (a value at or
 * beyond the range R, NaN or an infinity) stops the run before anything of it is counted, and the
 * caller grows the histogram or takes the exact loop for that chunk. So every counted value has
 * |v| < R and its bin index lies in [0, 2b); the indices are clamped all the same, so that no input
 * can make this code write outside the table.
 *
 * Values in bin 0 ([0, w): the zeros after ReLU, about half of such tensors) are not scattered
 * but counted by mask: a chain of increments on one counter is what limits a scalar loop.
 */
#include <jni.h>
#include <stdint.h>
#include <string.h>
#include <immintrin.h>

#define CHUNK 4096
#define TABLES 4

static inline int32_t sort_key(int32_t bits) {
    return bits ^ ((bits >> 31) & 0x7fffffff);
}

static inline int32_t float_bits(float v) {
    int32_t b;
    memcpy(&b, &v, sizeof b);
    return b;
}

/* The signed bin of one value, exactly as the vector code computes it. */
static inline int32_t scalar_bin(float v, float inv, int32_t b) {
    float y = v * inv;
    int32_t s = (int32_t) __builtin_floorf(y);
    if (v < 0.0f && y == 0.0f) {
        s = -1;
    }
    return s < -b ? -b : (s > b - 1 ? b - 1 : s);
}

static inline void scalar_keys(const float *x, int n, int32_t *lo, int32_t *hi) {
    for (int i = 0; i < n; i++) {
        int32_t k = sort_key(float_bits(x[i]));
        *lo = k < *lo ? k : *lo;
        *hi = k > *hi ? k : *hi;
    }
}

/* Adds the compacted indices of one chunk to the tables, TABLES-way interleaved. */
static inline void scatter(const int32_t *idx, int n, int32_t *t, int32_t stride) {
    int j = 0;
    for (; j + TABLES <= n; j += TABLES) {
        for (int q = 0; q < TABLES; q++) {
            t[q * stride + idx[j + q]]++;
        }
    }
    for (; j < n; j++) {
        t[idx[j]]++;
    }
}

/* compaction[m]: the lanes set in mask m, in order (AVX2 has no compress instruction). */
static uint32_t compaction[256][8];

__attribute__((constructor))
static void init_compaction(void) {
    for (int m = 0; m < 256; m++) {
        int p = 0;
        for (int j = 0; j < 8; j++) {
            if (m >> j & 1) {
                compaction[m][p++] = (uint32_t) j;
            }
        }
        for (; p < 8; p++) {
            compaction[m][p] = 0;
        }
    }
}

/* The keys' range of one chunk: lo and hi in, lowest and highest key out. */
typedef void (*range_fn)(const float *c, int len, int32_t *lo, int32_t *hi);
/*
 * The bins of one chunk, b added: those not in bin 0 written to idx in order, their number
 * returned; the values in bin 0 counted in *zeros.
 */
typedef int (*bin_fn)(const float *c, int len, float inv, int32_t b, int32_t *idx, int32_t *zeros);

__attribute__((target("avx2,fma,popcnt")))
static void range_avx2(const float *c, int len, int32_t *lo, int32_t *hi) {
    const __m256i m7 = _mm256_set1_epi32(0x7fffffff);
    int vec = len & ~7;
    __m256i l = _mm256_set1_epi32(INT32_MAX), h = _mm256_set1_epi32(INT32_MIN);
    for (int i = 0; i < vec; i += 8) {
        __m256i bits = _mm256_loadu_si256((const __m256i *) (c + i));
        __m256i k = _mm256_xor_si256(bits, _mm256_and_si256(_mm256_srai_epi32(bits, 31), m7));
        l = _mm256_min_epi32(l, k);
        h = _mm256_max_epi32(h, k);
    }
    int32_t ls[8], hs[8];
    _mm256_storeu_si256((__m256i *) ls, l);
    _mm256_storeu_si256((__m256i *) hs, h);
    for (int j = 0; j < 8; j++) {
        *lo = ls[j] < *lo ? ls[j] : *lo;
        *hi = hs[j] > *hi ? hs[j] : *hi;
    }
    scalar_keys(c + vec, len - vec, lo, hi);
}

__attribute__((target("avx2,fma,popcnt")))
static int bin_avx2(const float *c, int len, float inv, int32_t b, int32_t *idx, int32_t *zeros) {
    const uint32_t *lut = &compaction[0][0];
    const __m256 vinv = _mm256_set1_ps(inv);
    const __m256 zero = _mm256_setzero_ps();
    const __m256 minus1 = _mm256_set1_ps(-1.0f);
    const __m256i lowest = _mm256_set1_epi32(-b);
    const __m256i highest = _mm256_set1_epi32(b - 1);
    const __m256i vb = _mm256_set1_epi32(b);
    int vec = len & ~7;
    int kept = 0;
    int32_t z = 0;
    for (int i = 0; i < vec; i += 8) {
        __m256 v = _mm256_loadu_ps(c + i);
        __m256 y = _mm256_mul_ps(v, vinv);
        __m256 f = _mm256_floor_ps(y);
        __m256 fix = _mm256_and_ps(_mm256_cmp_ps(v, zero, _CMP_LT_OQ), _mm256_cmp_ps(y, zero, _CMP_EQ_OQ));
        f = _mm256_blendv_ps(f, minus1, fix);
        __m256i s = _mm256_min_epi32(_mm256_max_epi32(_mm256_cvttps_epi32(f), lowest), highest);
        int zm = _mm256_movemask_ps(_mm256_castsi256_ps(_mm256_cmpeq_epi32(s, _mm256_setzero_si256())));
        int keep = ~zm & 0xff;
        __m256i perm = _mm256_loadu_si256((const __m256i *) (lut + 8 * keep));
        _mm256_storeu_si256((__m256i *) (idx + kept), _mm256_permutevar8x32_epi32(_mm256_add_epi32(s, vb), perm));
        kept += __builtin_popcount((unsigned) keep);
        z += __builtin_popcount((unsigned) zm);
    }
    for (int i = vec; i < len; i++) {
        idx[kept++] = scalar_bin(c[i], inv, b) + b;
    }
    *zeros = z;
    return kept;
}

__attribute__((target("avx512f,popcnt")))
static void range_avx512(const float *c, int len, int32_t *lo, int32_t *hi) {
    const __m512i m7 = _mm512_set1_epi32(0x7fffffff);
    int vec = len & ~15;
    __m512i l = _mm512_set1_epi32(INT32_MAX), h = _mm512_set1_epi32(INT32_MIN);
    for (int i = 0; i < vec; i += 16) {
        __m512i bits = _mm512_loadu_si512((const void *) (c + i));
        __m512i k = _mm512_xor_si512(bits, _mm512_and_si512(_mm512_srai_epi32(bits, 31), m7));
        l = _mm512_min_epi32(l, k);
        h = _mm512_max_epi32(h, k);
    }
    int32_t rl = _mm512_reduce_min_epi32(l), rh = _mm512_reduce_max_epi32(h);
    *lo = rl < *lo ? rl : *lo;
    *hi = rh > *hi ? rh : *hi;
    scalar_keys(c + vec, len - vec, lo, hi);
}

/* bin_avx2 with 16 lanes: compaction by vpcompressd, the floor by the conversion's rounding. */
__attribute__((target("avx512f,popcnt")))
static int bin_avx512(const float *c, int len, float inv, int32_t b, int32_t *idx, int32_t *zeros) {
    const __m512 vinv = _mm512_set1_ps(inv);
    const __m512 zero = _mm512_setzero_ps();
    const __m512i lowest = _mm512_set1_epi32(-b);
    const __m512i highest = _mm512_set1_epi32(b - 1);
    const __m512i vb = _mm512_set1_epi32(b);
    const __m512i minus1 = _mm512_set1_epi32(-1);
    int vec = len & ~15;
    int kept = 0;
    int32_t z = 0;
    for (int i = 0; i < vec; i += 16) {
        __m512 v = _mm512_loadu_ps(c + i);
        __m512 y = _mm512_mul_ps(v, vinv);
        __m512i s = _mm512_cvt_roundps_epi32(y, _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC);
        __mmask16 fix = _mm512_mask_cmp_ps_mask(_mm512_cmp_ps_mask(v, zero, _CMP_LT_OQ), y, zero, _CMP_EQ_OQ);
        s = _mm512_mask_mov_epi32(s, fix, minus1);
        s = _mm512_min_epi32(_mm512_max_epi32(s, lowest), highest);
        __mmask16 keep = _mm512_test_epi32_mask(s, s);
        _mm512_storeu_si512((void *) (idx + kept), _mm512_maskz_compress_epi32(keep, _mm512_add_epi32(s, vb)));
        int k = __builtin_popcount((unsigned) keep);
        kept += k;
        z += 16 - k;
    }
    for (int i = vec; i < len; i++) {
        idx[kept++] = scalar_bin(c[i], inv, b) + b;
    }
    *zeros = z;
    return kept;
}

/*
 * Counts x[0, n) chunk by chunk until a chunk's keys leave [loLimit, hiLimit]; returns the number
 * of values counted. keys[0..1]: the counted values' lowest and highest key (in and out);
 * keys[2..3]: the keys of the chunk that stopped the run. A chunk is read twice, its range first,
 * the second time from L1.
 */
static int count_run(const float *x, int n, int32_t *t, int32_t b, float inv, int32_t loLimit, int32_t hiLimit,
                     int32_t *keys, range_fn range, bin_fn bin) {
    int32_t idx[CHUNK + 16] __attribute__((aligned(64)));
    int done = 0;
    while (done < n) {
        const float *c = x + done;
        int len = n - done < CHUNK ? n - done : CHUNK;
        int32_t lo = INT32_MAX, hi = INT32_MIN;
        range(c, len, &lo, &hi);
        if (lo < loLimit || hi > hiLimit) {
            keys[2] = lo;
            keys[3] = hi;
            return done;
        }
        int32_t zeros;
        int kept = bin(c, len, inv, b, idx, &zeros);
        scatter(idx, kept, t, 2 * b);
        t[b] += zeros;
        keys[0] = lo < keys[0] ? lo : keys[0];
        keys[1] = hi > keys[1] ? hi : keys[1];
        done += len;
    }
    return done;
}

/* 0: neither kernel runs on this CPU, 1: AVX2, 2: AVX-512 (and AVX2). */
JNIEXPORT jint JNICALL Java_io_quantpipe_quant_observe_NativeBinning_cpuLevel(JNIEnv *env, jclass cls) {
    (void) env;
    (void) cls;
    __builtin_cpu_init();
    if (!__builtin_cpu_supports("avx2") || !__builtin_cpu_supports("fma") || !__builtin_cpu_supports("popcnt")) {
        return 0;
    }
    return __builtin_cpu_supports("avx512f") ? 2 : 1;
}

/*
 * Counts values [offset, offset + length) of a direct buffer (direct != null) or of heap, into
 * tables (TABLES x 2b ints); see count_run. Returns the values counted, or -1 when the memory could
 * not be had. Bounds are checked by the caller (NativeBinning).
 */
JNIEXPORT jint JNICALL Java_io_quantpipe_quant_observe_NativeBinning_count(JNIEnv *env, jclass cls, jobject direct,
        jfloatArray heap, jint offset, jint length, jintArray tables, jint b, jfloat inv, jint loLimit,
        jint hiLimit, jint level, jintArray keys) {
    (void) cls;
    int32_t k[4];
    (*env)->GetIntArrayRegion(env, keys, 0, 4, (jint *) k);
    const float *x;
    float *pinned = 0;
    if (direct) {
        x = (const float *) (*env)->GetDirectBufferAddress(env, direct);
    } else {
        pinned = (float *) (*env)->GetPrimitiveArrayCritical(env, heap, 0);
        x = pinned;
    }
    int32_t *t = (int32_t *) (*env)->GetPrimitiveArrayCritical(env, tables, 0);
    int done = -1; /* the buffer's or an array's memory could not be had */
    if (x && t) {
        done = level >= 2 ? count_run(x + offset, length, t, b, inv, loLimit, hiLimit, k, range_avx512, bin_avx512)
                          : count_run(x + offset, length, t, b, inv, loLimit, hiLimit, k, range_avx2, bin_avx2);
    }
    if (t) {
        (*env)->ReleasePrimitiveArrayCritical(env, tables, t, 0);
    }
    if (pinned) {
        (*env)->ReleasePrimitiveArrayCritical(env, heap, pinned, JNI_ABORT);
    }
    (*env)->SetIntArrayRegion(env, keys, 0, 4, (const jint *) k);
    return done;
}
