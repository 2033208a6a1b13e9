// SMTP replies as the customer reads them (RFC 5321 §4.2): a three-digit
// code and one or more text lines, possibly with an enhanced status code
// (RFC 3463). Also the EHLO keyword list.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/result.h"

namespace odmr::smtp {

struct Reply {
    int code = 0;
    std::vector<std::string> lines;  // text after "NNN-" / "NNN "

    int category() const { return code / 100; }  // 2, 3, 4 or 5
    bool positive() const { return code >= 200 && code < 400; }
    std::string text() const;     // lines joined with " / "
    std::string summary() const;  // "NNN text"
};

// Accumulates the lines of one (possibly multi-line) reply.
class ReplyParser {
  public:
    // Feeds one line without its CRLF. Returns the reply once its last line
    // arrived, nothing while more lines are expected, or a protocol error.
    Result<std::optional<Reply>> feed(std::string_view line);

  private:
    Reply partial_;
    std::size_t lines_ = 0;
};

// EHLO response keywords (RFC 5321 §4.1.1.1), case-insensitive.
class Capabilities {
  public:
    Capabilities() = default;
    explicit Capabilities(const Reply& ehlo_reply);

    bool has(std::string_view keyword) const;
    // The parameters of `keyword` ("AUTH PLAIN LOGIN" -> {"PLAIN","LOGIN"}).
    std::vector<std::string> params(std::string_view keyword) const;

  private:
    std::vector<std::vector<std::string>> lines_;  // first word upper-cased
};

}  // namespace odmr::smtp
