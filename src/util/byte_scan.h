// Finding every occurrence of one octet in a buffer, sixteen octets at a
// time: the line scans of the body path (LF for the dot decoder and the line
// meter, CR for the CRLF-to-LF conversion) visit each line end with a few
// instructions instead of a library call per line. SSE2 (always there on
// x86-64) where the compiler has it, memchr(3) otherwise; both give the same
// results (tests/util/byte_scan_test.cpp runs both).
#pragma once

#include <cstddef>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif
#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define ODMR_SCAN_AVX2 1
#endif

namespace odmr::scan {

// Calls `hit(const char* at)` for each octet equal to `c` in [p, end), in
// order, while it returns true. Returns the position where `hit` returned
// false, or `end`.
template <typename Hit>
const char* each_portable(const char* p, const char* end, char c, Hit&& hit) {
    while (p < end) {
        const auto* at =
            static_cast<const char*>(std::memchr(p, c, static_cast<std::size_t>(end - p)));
        if (at == nullptr) return end;
        if (!hit(at)) return at;
        p = at + 1;
    }
    return end;
}

template <typename Hit>
const char* each(const char* p, const char* end, char c, Hit&& hit) {
#if defined(__SSE2__)
    const __m128i needle = _mm_set1_epi8(c);
    while (end - p >= 16) {
        __m128i block = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
        auto mask = static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(block, needle)));
        while (mask != 0) {
            const char* at = p + __builtin_ctz(mask);
            if (!hit(at)) return at;
            mask &= mask - 1;
        }
        p += 16;
    }
    for (; p < end; ++p)
        if (*p == c && !hit(p)) return p;
    return end;
#else
    return each_portable(p, end, c, static_cast<Hit&&>(hit));
#endif
}

// The same, thirty-two octets at a time, for a caller that checked
// has_avx2(): a line of mail (about 75 octets) takes three blocks instead of
// five. Elsewhere (no AVX2 at build time) it is each().
#if defined(ODMR_SCAN_AVX2)
inline bool has_avx2() {
    static const bool avx2 = __builtin_cpu_supports("avx2");
    return avx2;
}

template <typename Hit>
[[gnu::target("avx2")]] const char* each_avx2(const char* p, const char* end, char c, Hit&& hit) {
    const __m256i needle = _mm256_set1_epi8(c);
    while (end - p >= 32) {
        __m256i block = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
        auto mask = static_cast<unsigned>(_mm256_movemask_epi8(_mm256_cmpeq_epi8(block, needle)));
        while (mask != 0) {
            const char* at = p + __builtin_ctz(mask);
            if (!hit(at)) return at;
            mask &= mask - 1;
        }
        p += 32;
    }
    return each(p, end, c, static_cast<Hit&&>(hit));
}
#else
inline bool has_avx2() {
    return false;
}

template <typename Hit>
const char* each_avx2(const char* p, const char* end, char c, Hit&& hit) {
    return each(p, end, c, static_cast<Hit&&>(hit));
}
#endif

}  // namespace odmr::scan
