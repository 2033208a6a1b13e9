// Message data for DATA as a client sends it (RFC 5321 §4.5.2): CRLF line
// ends (a bare LF becomes CRLF; a bare CR is passed on), a dot doubled at the
// start of each line, and the terminating CRLF "." CRLF. Works across chunk
// boundaries; the inverse of DotDecoder.
#pragma once

#include <span>
#include <string>

namespace odmr::smtp {

class DotEncoder {
  public:
    // Appends the encoded bytes of `in` to `out`.
    void encode(std::span<const char> in, std::string& out);
    // Ends the last line if it is open, then appends ".\r\n".
    void finish(std::string& out);
    void reset();

  private:
    bool line_start_ = true;
    bool previous_cr_ = false;
};

}  // namespace odmr::smtp
