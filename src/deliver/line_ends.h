// CRLF to LF, for Maildir files and MDAs (mail readers, Dovecot and local
// delivery agents expect LF line ends). A CR not followed by LF is kept, so
// the bytes are otherwise exactly what was sent. Works across chunk
// boundaries.
#pragma once

#include <cstddef>
#include <span>
#include <string>

namespace odmr::deliver {

class LfConverter {
  public:
    // The most octets convert() writes for `in` octets: a CR held back from
    // the chunk before may come out first.
    static constexpr std::size_t most(std::size_t in) { return in + 1; }

    // Writes the converted bytes of `in` to `out`, which has room for
    // most(in.size()) octets; returns the end of what was written.
    char* convert(std::span<const char> in, char* out);
    // Appends the converted bytes of `in` to `out`.
    void convert(std::span<const char> in, std::string& out);
    // The end of the message: a CR held back from the last chunk is kept.
    void finish(std::string& out);
    char* finish(char* out);
    void reset() { pending_cr_ = false; }

  private:
    char* convert_portable(const char* p, const char* end, char* out);

    bool pending_cr_ = false;
};

}  // namespace odmr::deliver
