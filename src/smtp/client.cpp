#include "smtp/client.h"

#include <string>

#include "util/secret.h"

namespace odmr::smtp {

namespace {
constexpr std::size_t max_reply_line = 2048;  // RFC 5321 says 512; be tolerant
}

asio::awaitable<Result<Reply>> Client::read_reply(Duration timeout) {
    ReplyParser parser;
    for (;;) {
        auto line = co_await reader_.read_line(max_reply_line, timeout);
        if (!line) {
            if (line.error().is(Errc::line_too_long))
                co_return make_error(Errc::protocol, "the provider sent an over-long reply line");
            co_return line.error();
        }
        log_.wire("S< ", *line);
        auto fed = parser.feed(*line);
        if (!fed) co_return fed.error();
        if (fed->has_value()) co_return std::move(**fed);
    }
}

asio::awaitable<Status> Client::send(std::string_view line, Duration timeout,
                                     std::string_view shown) {
    log_.wire("C> ", shown.empty() ? line : shown);
    std::string out;
    out.reserve(line.size() + 2);
    out.append(line).append("\r\n");
    auto status = co_await reader_.stream().write(out, timeout);
    if (!shown.empty()) wipe(out);
    co_return status;
}

asio::awaitable<Result<Reply>> Client::command(std::string_view line, Duration timeout,
                                               std::string_view shown) {
    if (auto sent = co_await send(line, timeout, shown); !sent) co_return sent.error();
    co_return co_await read_reply(timeout);
}

}  // namespace odmr::smtp
