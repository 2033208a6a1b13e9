#include "smtp/command.h"

#include <array>
#include <utility>

#include "util/text.h"

namespace odmr::smtp {
namespace {

constexpr std::array<std::pair<std::string_view, Verb>, 14> verbs{{
    {"HELO", Verb::helo},
    {"EHLO", Verb::ehlo},
    {"MAIL", Verb::mail},
    {"RCPT", Verb::rcpt},
    {"DATA", Verb::data},
    {"BDAT", Verb::bdat},
    {"RSET", Verb::rset},
    {"NOOP", Verb::noop},
    {"QUIT", Verb::quit},
    {"VRFY", Verb::vrfy},
    {"EXPN", Verb::expn},
    {"HELP", Verb::help},
    {"STARTTLS", Verb::starttls},
    {"AUTH", Verb::auth},
}};

Error syntax(std::string_view why) {
    return make_error(Errc::protocol, std::string(why));
}

bool is_control(char c) {
    return static_cast<unsigned char>(c) < 0x20 || c == 0x7f;
}

// The octets that mean nothing to take_angle_path() in or out of quotes:
// not a control character, a space, a quote, a backslash or an angle bracket.
constexpr std::array<bool, 256> plain_path_octets = [] {
    std::array<bool, 256> plain{};
    for (std::size_t c = 0x21; c < 0x100; ++c)
        plain[c] = c != 0x7f && c != '"' && c != '\\' && c != '<' && c != '>';
    return plain;
}();

// Reads "<...>" honouring quoted strings; returns the inside and advances.
Result<std::string_view> take_angle_path(std::string_view& rest) {
    if (rest.empty() || rest.front() != '<') return syntax("path must be enclosed in <>");
    bool quoted = false;
    for (std::size_t i = 1; i < rest.size(); ++i) {
        char c = rest[i];
        if (plain_path_octets[static_cast<unsigned char>(c)]) continue;
        if (is_control(c)) return syntax("control character in address");
        if (quoted && c == '\\' && i + 1 < rest.size()) {
            // A quoted pair may escape '"' or '\\', never a control character:
            // "\<CR>" would otherwise reach the trace headers as a line break.
            if (is_control(rest[++i])) return syntax("control character in address");
            continue;
        }
        if (c == '"') quoted = !quoted;
        if (!quoted && c == '>') {
            std::string_view inside = rest.substr(1, i - 1);
            rest.remove_prefix(i + 1);
            return inside;
        }
        if (!quoted && (c == ' ' || c == '<')) return syntax("unexpected character in address");
    }
    return syntax("unterminated path");
}

}  // namespace

Command parse_command(std::string_view line) {
    auto space = line.find(' ');
    std::string_view verb = line.substr(0, space);
    Command command;
    if (space != std::string_view::npos) command.argument = text::trim(line.substr(space + 1));
    if (verb.size() != 4 && verb.size() != 8) return command;  // every verb has 4 or 8 letters
    for (const auto& [name, value] : verbs) {
        if (name.size() == verb.size() && (name[0] | 0x20) == (verb[0] | 0x20) &&
            text::iequals(verb, name)) {
            command.verb = value;
            break;
        }
    }
    return command;
}

Result<PathArgument> parse_path_argument(std::string_view argument, std::string_view prefix,
                                         bool allow_null) {
    if (!text::istarts_with(argument, prefix))
        return syntax("expected " + std::string(prefix) + "<address>");
    std::string_view rest = text::trim(argument.substr(prefix.size()));
    auto inside = take_angle_path(rest);
    if (!inside) return inside.error();
    std::string address(*inside);
    // RFC 5321 §4.1.2: an obsolete source route "@a,@b:" is accepted and ignored.
    if (address.starts_with('@')) {
        auto colon = address.find(':');
        if (colon == std::string::npos) return syntax("bad source route");
        address.erase(0, colon + 1);
    }
    if (address.empty()) {
        if (!allow_null) return syntax("null path not allowed here");
    } else {
        auto at = address.rfind('@');
        if (at == std::string::npos || at == 0 || at + 1 == address.size())
            return syntax("address must be local@domain");
    }
    PathArgument out{std::move(address), {}};
    for (const auto& word : text::split_words(rest)) {
        auto equals = word.find('=');
        Parameter param{text::upper(word.substr(0, equals)),
                        equals == std::string::npos ? std::string() : word.substr(equals + 1)};
        if (param.keyword.empty()) return syntax("empty parameter name");
        out.params.push_back(std::move(param));
    }
    return out;
}

}  // namespace odmr::smtp
