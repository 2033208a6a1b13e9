#include "deliver/placeholders.h"

#include <algorithm>

#include "mail/address.h"
#include "smtp/params.h"
#include "util/hex.h"
#include "util/text.h"

namespace odmr::deliver {
namespace {

constexpr std::string_view recipient_names[] = {"recipient", "local", "domain"};

bool plain_byte(char c) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || text::is_digit(c)) return true;
    return std::string_view("-_.+=@~!#$&'*^`{|}").find(c) != std::string_view::npos;
}

void append_escaped(std::string& out, unsigned char byte) {
    out += '%';
    hex::append(out, byte, hex::Letters::upper);
}

// Length of the well-formed UTF-8 sequence starting at `s[i]`, or 0.
std::size_t utf8_length(std::string_view s, std::size_t i) {
    auto lead = static_cast<unsigned char>(s[i]);
    std::size_t n = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc2 ? 2 : 0;
    if (n == 0 || i + n > s.size()) return 0;
    return smtp::is_utf8(s.substr(i, n)) ? n : 0;
}

// Calls `on_text(text)` for literal text and `on_name(name)` for each
// "{name}" of `pattern`.
template <class Text, class Name>
void scan(std::string_view pattern, Text on_text, Name on_name) {
    std::size_t i = 0;
    while (i < pattern.size()) {
        auto open = pattern.find('{', i);
        auto close = open == std::string_view::npos ? open : pattern.find('}', open);
        if (close == std::string_view::npos) {
            on_text(pattern.substr(i));
            return;
        }
        on_text(pattern.substr(i, open - i));
        on_name(pattern.substr(open + 1, close - open - 1));
        i = close + 1;
    }
}

// The value of "{name}" for a known_field() name.
std::string_view field(const AddressFields& fields, std::string_view name) {
    if (name == "sender") return fields.sender;
    if (name == "recipient") return fields.recipient;
    if (name == "local") return fields.local;
    if (name == "domain") return fields.domain;
    return {};
}

bool known_field(std::string_view name) {
    return name == "sender" || name == "recipient" || name == "local" || name == "domain";
}

// An unknown "{name}" stays as it is.
void append_unknown(std::string& out, std::string_view name) {
    out += '{';
    out += name;
    out += '}';
}

// path_component(value), or of text::lower(value) when `lower`, appended to `out`.
void append_path_component(std::string& out, std::string_view value, bool lower) {
    if (value.empty()) {
        out += "%00";  // an address never holds NUL: no collision
        return;
    }
    for (std::size_t i = 0; i < value.size();) {
        char c = lower ? text::to_lower(value[i]) : value[i];
        auto byte = static_cast<unsigned char>(c);
        if (byte >= 0x80) {
            std::size_t n = utf8_length(value, i);
            bool c1_control =
                n == 2 && byte == 0xc2 && static_cast<unsigned char>(value[i + 1]) < 0xa0;
            if (n > 0 && !c1_control) {
                out.append(value.substr(i, n));
                i += n;
                continue;
            }
        }
        if (plain_byte(c) && !(i == 0 && c == '.'))
            out += c;
        else
            append_escaped(out, byte);
        ++i;
    }
}

}  // namespace

AddressFields address_fields(std::string_view sender, std::string_view recipient) {
    return {sender, recipient, mail::local_part_of(recipient), mail::domain_of(recipient)};
}

Status check_placeholders(std::string_view pattern, const std::vector<std::string_view>& allowed) {
    std::string unknown;
    scan(
        pattern, [](std::string_view) {},
        [&](std::string_view name) {
            if (unknown.empty() && std::find(allowed.begin(), allowed.end(), name) == allowed.end())
                unknown = name;
        });
    if (unknown.empty()) return {};
    std::string known;
    for (auto name : allowed) known += (known.empty() ? "{" : ", {") + std::string(name) + "}";
    return make_error(Errc::usage, "unknown placeholder {" + unknown + "} in \"" +
                                       std::string(pattern) + "\" (known: " + known + ")");
}

bool names_recipient(std::string_view pattern) {
    bool found = false;
    scan(
        pattern, [](std::string_view) {},
        [&](std::string_view name) {
            found = found || std::find(std::begin(recipient_names), std::end(recipient_names),
                                       name) != std::end(recipient_names);
        });
    return found;
}

bool names_sender(std::string_view pattern) {
    bool found = false;
    scan(
        pattern, [](std::string_view) {},
        [&](std::string_view name) { found |= name == "sender"; });
    return found;
}

std::string expand_raw(std::string_view pattern, const AddressFields& fields) {
    std::string out;
    scan(
        pattern, [&](std::string_view text) { out += text; },
        [&](std::string_view name) {
            if (known_field(name))
                out += field(fields, name);
            else
                append_unknown(out, name);
        });
    return out;
}

std::string expand_path(std::string_view pattern, const AddressFields& fields) {
    std::string out;
    scan(
        pattern, [&](std::string_view text) { out += text; },
        [&](std::string_view name) {
            if (known_field(name))
                append_path_component(out, field(fields, name), true);
            else
                append_path_component(out, "{" + std::string(name) + "}", true);
        });
    return out;
}

std::string path_component(std::string_view value) {
    std::string out;
    append_path_component(out, value, false);
    return out;
}

}  // namespace odmr::deliver
