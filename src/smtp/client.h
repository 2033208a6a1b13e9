// The SMTP client half of a conversation: send a command line, read the
// (possibly multi-line) reply, with a deadline on each and a transcript in
// the log. Lines marked secret are shown redacted.
#pragma once

#include <asio/awaitable.hpp>
#include <string_view>

#include "net/reader.h"
#include "smtp/reply.h"
#include "util/log.h"
#include "util/result.h"

namespace odmr::smtp {

class Client {
  public:
    Client(net::Reader& reader, const Log& log) : reader_(reader), log_(log) {}

    asio::awaitable<Result<Reply>> read_reply(Duration timeout);
    // Writes `line` and CRLF. `shown` replaces the line in the transcript
    // when it carries a secret.
    asio::awaitable<Status> send(std::string_view line, Duration timeout,
                                 std::string_view shown = {});
    asio::awaitable<Result<Reply>> command(std::string_view line, Duration timeout,
                                           std::string_view shown = {});

    net::Reader& reader() { return reader_; }

  private:
    net::Reader& reader_;
    const Log& log_;
};

}  // namespace odmr::smtp
