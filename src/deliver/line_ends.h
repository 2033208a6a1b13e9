// CRLF to LF, for Maildir files and MDAs (mail readers, Dovecot and local
// delivery agents expect LF line ends). A CR not followed by LF is kept, so
// the bytes are otherwise exactly what was sent. Works across chunk
// boundaries.
#pragma once

#include <span>
#include <string>

namespace odmr::deliver {

class LfConverter {
  public:
    // Appends the converted bytes of `in` to `out`.
    void convert(std::span<const char> in, std::string& out);
    // The end of the message: a CR held back from the last chunk is kept.
    void finish(std::string& out);
    void reset() { pending_cr_ = false; }

  private:
    bool pending_cr_ = false;
};

}  // namespace odmr::deliver
