#include "smtp/params.h"

#include <algorithm>
#include <charconv>

#include "util/text.h"

namespace odmr::smtp {
namespace {

mail::Reply syntax(std::string text) {
    return {501, "5.5.4", std::move(text)};
}
mail::Reply unsupported(const std::string& keyword) {
    return {555, "5.5.4", "Unsupported parameter " + keyword};
}

std::optional<std::size_t> parse_number(std::string_view text) {
    if (text.empty() || text.size() > 20) return std::nullopt;
    std::size_t value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
    return value;
}

bool duplicated(const std::vector<Parameter>& params, std::size_t index) {
    return std::any_of(params.begin(), params.begin() + static_cast<std::ptrdiff_t>(index),
                       [&](const Parameter& p) { return p.keyword == params[index].keyword; });
}

bool is_notify(std::string_view value) {
    if (text::iequals(value, "NEVER")) return true;
    auto items = text::split(value, ',');
    for (std::size_t i = 0; i < items.size(); ++i) {
        const auto& item = items[i];
        if (!text::iequals(item, "SUCCESS") && !text::iequals(item, "FAILURE") &&
            !text::iequals(item, "DELAY"))
            return false;
        for (std::size_t j = 0; j < i; ++j)
            if (text::iequals(items[j], item)) return false;
    }
    return true;
}

}  // namespace

bool is_xtext(std::string_view text) {
    for (std::size_t i = 0; i < text.size(); ++i) {
        auto c = static_cast<unsigned char>(text[i]);
        if (c == '+') {
            auto hex = [](char h) { return (h >= '0' && h <= '9') || (h >= 'A' && h <= 'F'); };
            if (i + 2 >= text.size() || !hex(text[i + 1]) || !hex(text[i + 2])) return false;
            i += 2;
        } else if (c < 33 || c > 126 || c == '=') {
            return false;
        }
    }
    return true;
}

bool is_ascii(std::string_view text) {
    return std::all_of(text.begin(), text.end(),
                       [](char c) { return static_cast<unsigned char>(c) < 0x80; });
}

bool is_utf8(std::string_view text) {
    const auto* s = reinterpret_cast<const unsigned char*>(text.data());
    std::size_t n = text.size();
    for (std::size_t i = 0; i < n;) {
        unsigned char c = s[i];
        std::size_t extra = 0;
        std::uint32_t cp = 0;
        if (c < 0x80) {
            ++i;
            continue;
        } else if (c >= 0xC2 && c <= 0xDF) {
            extra = 1;
            cp = c & 0x1F;
        } else if (c >= 0xE0 && c <= 0xEF) {
            extra = 2;
            cp = c & 0x0F;
        } else if (c >= 0xF0 && c <= 0xF4) {
            extra = 3;
            cp = c & 0x07;
        } else {
            return false;
        }
        if (i + extra >= n) return false;
        for (std::size_t k = 1; k <= extra; ++k) {
            if ((s[i + k] & 0xC0) != 0x80) return false;
            cp = (cp << 6) | (s[i + k] & 0x3F);
        }
        if ((extra == 2 && cp < 0x800) || (extra == 3 && cp < 0x10000) || cp > 0x10FFFF ||
            (cp >= 0xD800 && cp <= 0xDFFF))
            return false;
        i += extra + 1;
    }
    return true;
}

std::variant<MailParams, mail::Reply> check_mail_params(const std::vector<Parameter>& params) {
    MailParams out;
    for (std::size_t i = 0; i < params.size(); ++i) {
        const auto& p = params[i];
        if (duplicated(params, i)) return syntax("Duplicate parameter " + p.keyword);
        if (p.keyword == "SIZE") {
            out.size = parse_number(p.value);
            if (!out.size) return syntax("Bad SIZE parameter");
        } else if (p.keyword == "BODY") {
            if (text::iequals(p.value, "7BIT"))
                out.body = mail::BodyType::seven_bit;
            else if (text::iequals(p.value, "8BITMIME"))
                out.body = mail::BodyType::eight_bit_mime;
            else if (text::iequals(p.value, "BINARYMIME"))
                out.body = mail::BodyType::binary_mime;
            else
                return mail::Reply{501, "5.5.4", "Unsupported BODY type"};
        } else if (p.keyword == "SMTPUTF8") {
            if (!p.value.empty()) return syntax("SMTPUTF8 takes no value");
            out.smtputf8 = true;
        } else if (p.keyword == "RET") {
            if (!text::iequals(p.value, "FULL") && !text::iequals(p.value, "HDRS"))
                return syntax("RET must be FULL or HDRS");
        } else if (p.keyword == "ENVID") {
            if (p.value.empty() || p.value.size() > 100 || !is_xtext(p.value))
                return syntax("Bad ENVID parameter");
        } else {
            return unsupported(p.keyword);
        }
    }
    return out;
}

std::variant<RcptParams, mail::Reply> check_rcpt_params(const std::vector<Parameter>& params) {
    RcptParams out;
    for (std::size_t i = 0; i < params.size(); ++i) {
        const auto& p = params[i];
        if (duplicated(params, i)) return syntax("Duplicate parameter " + p.keyword);
        if (p.keyword == "NOTIFY") {
            if (!is_notify(p.value)) return syntax("NOTIFY must be NEVER or SUCCESS,FAILURE,DELAY");
            out.notify = p.value;
        } else if (p.keyword == "ORCPT") {
            auto semicolon = p.value.find(';');
            if (semicolon == std::string::npos || semicolon == 0 || p.value.size() > 500 ||
                !is_xtext(std::string_view(p.value).substr(semicolon + 1)) ||
                semicolon + 1 == p.value.size())
                return syntax("Bad ORCPT parameter");
            out.orcpt = p.value;
        } else {
            return unsupported(p.keyword);
        }
    }
    return out;
}

std::optional<BdatArgs> parse_bdat(std::string_view argument) {
    auto words = text::split_words(argument);
    if (words.empty() || words.size() > 2) return std::nullopt;
    auto size = parse_number(words[0]);
    if (!size) return std::nullopt;
    BdatArgs out{*size, false};
    if (words.size() == 2) {
        if (!text::iequals(words[1], "LAST")) return std::nullopt;
        out.last = true;
    }
    return out;
}

}  // namespace odmr::smtp
