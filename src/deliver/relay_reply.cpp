#include "deliver/relay_reply.h"

#include "util/text.h"

namespace odmr::deliver {
namespace {

constexpr std::size_t max_reply_text = 300;

bool is_enhanced(std::string_view word) {
    auto parts = text::split(word, '.');
    if (parts.size() != 3 || parts[0].size() != 1 || (parts[0][0] != '4' && parts[0][0] != '5'))
        return false;
    for (const auto& p : parts) {
        if (p.empty() || p.size() > 3) return false;
        for (char c : p)
            if (!text::is_digit(c)) return false;
    }
    return true;
}

}  // namespace

mail::Reply relay_reply(const smtp::Reply& reply, bool permanent_allowed) {
    mail::Reply out;
    std::string first = reply.lines.empty() ? std::string() : reply.lines.front();
    auto space = first.find(' ');
    std::string word = first.substr(0, space);
    if (is_enhanced(word)) {
        out.enhanced = word;
        first = space == std::string::npos ? std::string() : first.substr(space + 1);
    }
    std::string text = first;
    for (std::size_t i = 1; i < reply.lines.size(); ++i) {
        std::string line = reply.lines[i];
        if (!out.enhanced.empty() && line.starts_with(out.enhanced + " "))
            line.erase(0, out.enhanced.size() + 1);
        text += " / " + line;
    }
    out.text = text::printable(text.substr(0, max_reply_text));
    if (out.text.empty()) out.text = "Local delivery refused";
    int code = reply.code;
    bool mailbox_full = code == 552 || out.enhanced.ends_with(".2.2");
    bool permanent = permanent_allowed && !mailbox_full &&
                     (code == 550 || code == 551 || code == 553 || code == 554);
    if (permanent) {
        out.code = code;
        if (out.enhanced.empty() || out.enhanced[0] != '5') out.enhanced = "5.0.0";
        return out;
    }
    // Temporary: never 421 (that would close our session), never 5xx.
    out.code = mailbox_full ? 452 : (code >= 450 && code <= 459 && code != 421) ? code : 451;
    if (out.enhanced.empty()) out.enhanced = mailbox_full ? "4.2.2" : "4.0.0";
    out.enhanced[0] = '4';
    return out;
}

}  // namespace odmr::deliver
