#include "smtp/reply.h"

#include <algorithm>

#include "util/text.h"

namespace odmr::smtp {

namespace {
constexpr std::size_t max_reply_lines = 100;
}

std::string Reply::text() const {
    std::string out;
    for (const auto& line : lines) {
        if (!out.empty()) out += " / ";
        out += line;
    }
    return out;
}

std::string Reply::summary() const {
    return std::to_string(code) + " " + text();
}

Result<std::optional<Reply>> ReplyParser::feed(std::string_view line) {
    auto bad = [&](const char* why) {
        return make_error(Errc::protocol, std::string("malformed reply (") + why + "): \"" +
                                              std::string(line.substr(0, 80)) + "\"");
    };
    if (line.size() < 3 || !std::all_of(line.begin(), line.begin() + 3, text::is_digit))
        return bad("no reply code");
    int code = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
    if (line[0] < '2' || line[0] > '5') return bad("reply code out of range");
    char separator = line.size() > 3 ? line[3] : ' ';
    if (separator != ' ' && separator != '-') return bad("bad separator");
    if (lines_ > 0 && code != partial_.code) return bad("code changed within a multi-line reply");
    if (++lines_ > max_reply_lines) return bad("too many lines");
    partial_.code = code;
    partial_.lines.emplace_back(line.size() > 4 ? line.substr(4) : std::string_view());
    if (separator == '-') return std::optional<Reply>();
    Reply done = std::move(partial_);
    partial_ = Reply{};
    lines_ = 0;
    return std::optional<Reply>(std::move(done));
}

Capabilities::Capabilities(const Reply& ehlo_reply) {
    // The first line is the greeting ("name Hello ..."), the rest keywords.
    for (std::size_t i = 1; i < ehlo_reply.lines.size(); ++i) {
        auto words = text::split_words(ehlo_reply.lines[i]);
        if (words.empty()) continue;
        words[0] = text::upper(words[0]);
        lines_.push_back(std::move(words));
    }
}

bool Capabilities::has(std::string_view keyword) const {
    return std::any_of(lines_.begin(), lines_.end(),
                       [&](const auto& words) { return text::iequals(words[0], keyword); });
}

std::vector<std::string> Capabilities::params(std::string_view keyword) const {
    std::vector<std::string> out;
    for (const auto& words : lines_) {
        if (!text::iequals(words[0], keyword)) continue;
        out.insert(out.end(), words.begin() + 1, words.end());
    }
    return out;
}

}  // namespace odmr::smtp
