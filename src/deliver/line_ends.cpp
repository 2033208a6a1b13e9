#include "deliver/line_ends.h"

#include <cstring>

#include "util/byte_scan.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif
#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define ODMR_LF_AVX2 1
#endif

namespace odmr::deliver {
namespace {

// Sixteen octets at a time: each block is stored whole, and the output
// position then moves past the octets before its first CR only; the next
// block starts after that CR. Nothing is written beyond most(in.size())
// octets: a block is stored only where a whole block of input remains, and
// the output never runs more than one octet ahead of the input. Returns
// true when the input ended on a CR (held back for the next chunk).
// `p` and `out` are worked on in local copies: through the references,
// every octet stored could change them, and both would be reloaded.
#if defined(__SSE2__)
bool sse2_blocks(const char*& in, const char* end, char*& to) {
    const char* p = in;
    char* out = to;
    bool held = false;
    const __m128i cr = _mm_set1_epi8('\r');
    while (end - p >= 16) {
        __m128i block = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
        _mm_storeu_si128(reinterpret_cast<__m128i*>(out), block);
        auto mask = static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(block, cr)));
        if (mask == 0) {
            p += 16;
            out += 16;
            continue;
        }
        auto k = static_cast<std::size_t>(__builtin_ctz(mask));
        out += k;
        p += k + 1;  // past the CR, which is kept unless an LF follows
        if (p == end) {
            held = true;
            break;
        }
        if (*p != '\n') *out++ = '\r';
    }
    in = p;
    to = out;
    return held;
}
#endif

// The same, thirty-two octets at a time where the processor has AVX2: a
// line of mail (about 75 octets) takes three blocks instead of five. A
// block with one CR and a whole block of input after it (the usual line
// end) is done in place: past a CRLF the rest of the block moves back over
// the CR; a bare CR stays where the block put it.
#if defined(ODMR_LF_AVX2)
[[gnu::target("avx2")]] bool avx2_blocks(const char*& in, const char* end, char*& to) {
    const char* p = in;
    char* out = to;
    bool held = false;
    const __m256i cr = _mm256_set1_epi8('\r');
    while (end - p >= 32) {
        __m256i block = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(out), block);
        auto mask = static_cast<unsigned>(_mm256_movemask_epi8(_mm256_cmpeq_epi8(block, cr)));
        if (mask == 0) {
            p += 32;
            out += 32;
            continue;
        }
        auto k = static_cast<std::size_t>(__builtin_ctz(mask));
        if ((mask & (mask - 1)) == 0 && static_cast<std::size_t>(end - p) >= k + 33) {
            if (p[k + 1] == '\n') {
                __m256i after = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + k + 1));
                _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + k), after);
                --out;
            }
            p += 32;
            out += 32;
            continue;
        }
        out += k;
        p += k + 1;
        if (p == end) {
            held = true;
            break;
        }
        if (*p != '\n') *out++ = '\r';
    }
    in = p;
    to = out;
    return held;
}

#endif

}  // namespace

char* LfConverter::convert(std::span<const char> in, char* out) {
    const char* p = in.data();
    const char* end = p + in.size();
    if (pending_cr_ && p < end) {
        pending_cr_ = false;
        if (*p != '\n') *out++ = '\r';
    }
    bool held = false;
#if defined(ODMR_LF_AVX2)
    if (scan::has_avx2()) held = avx2_blocks(p, end, out);
#endif
#if defined(__SSE2__)
    if (!held) held = sse2_blocks(p, end, out);
#endif
    if (held) {
        pending_cr_ = true;
        return out;
    }
    return convert_portable(p, end, out);
}

char* LfConverter::convert_portable(const char* p, const char* end, char* out) {
    while (p < end) {
        const auto* cr =
            static_cast<const char*>(std::memchr(p, '\r', static_cast<std::size_t>(end - p)));
        if (cr == nullptr) cr = end;
        std::memcpy(out, p, static_cast<std::size_t>(cr - p));
        out += cr - p;
        if (cr == end) break;
        if (cr + 1 == end) {
            pending_cr_ = true;  // decided by the next chunk's first byte
            break;
        }
        if (cr[1] != '\n') *out++ = '\r';
        p = cr + 1;
    }
    return out;
}

void LfConverter::convert(std::span<const char> in, std::string& out) {
    std::size_t before = out.size();
    out.resize(before + most(in.size()));
    char* end = convert(in, out.data() + before);
    out.resize(static_cast<std::size_t>(end - out.data()));
}

char* LfConverter::finish(char* out) {
    if (pending_cr_) *out++ = '\r';
    pending_cr_ = false;
    return out;
}

void LfConverter::finish(std::string& out) {
    if (pending_cr_) out += '\r';
    pending_cr_ = false;
}

}  // namespace odmr::deliver
