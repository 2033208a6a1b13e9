// SMTP carries lines ending in CRLF; local mail stores (Maildir, mbox) and
// delivery agents expect LF. This turns each CRLF into LF across chunk
// boundaries and leaves every other byte, a lone CR included, as it was.
#pragma once

#include <span>
#include <string>

namespace odmr::deliver {

class CrlfToLf {
  public:
    // Appends the converted bytes of `in` to `out`.
    void convert(std::span<const char> in, std::string& out);
    // Ends the stream: a CR held back at the end is emitted.
    void finish(std::string& out);
    void reset() { pending_cr_ = false; }

  private:
    bool pending_cr_ = false;  // the previous chunk ended in CR
};

}  // namespace odmr::deliver
