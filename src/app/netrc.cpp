#include "app/netrc.h"

#include <vector>

#include "util/text.h"

namespace odmr::app {

namespace {

// Splits the text into tokens; the password token's text stays in the
// caller's (guarded) memory except for the quoted form, wiped after use.
class Tokens {
  public:
    explicit Tokens(std::string_view text) : text_(text) {}
    ~Tokens() { wipe(quoted_); }
    Tokens(const Tokens&) = delete;
    Tokens& operator=(const Tokens&) = delete;

    // The next token, or nullopt at the end.
    std::optional<std::string_view> next() {
        while (pos_ < text_.size() && is_blank(text_[pos_])) ++pos_;
        if (pos_ >= text_.size()) return std::nullopt;
        if (text_[pos_] != '"') {
            auto start = pos_;
            while (pos_ < text_.size() && !is_blank(text_[pos_])) ++pos_;
            return text_.substr(start, pos_ - start);
        }
        wipe(quoted_);
        for (++pos_; pos_ < text_.size() && text_[pos_] != '"'; ++pos_) {
            if (text_[pos_] == '\\' && pos_ + 1 < text_.size()) ++pos_;
            quoted_ += text_[pos_];
        }
        ++pos_;
        return std::string_view(quoted_);
    }

    // After "macdef NAME": skips the macro's lines up to an empty line.
    void skip_macro() {
        auto end = text_.find("\n\n", pos_);
        pos_ = end == std::string_view::npos ? text_.size() : end + 2;
    }

  private:
    static bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

    std::string_view text_;
    std::size_t pos_ = 0;
    std::string quoted_;
};

struct Candidate {
    bool is_default = false;
    std::string machine;
    NetrcEntry entry;
};

std::vector<Candidate> parse(std::string_view text) {
    std::vector<Candidate> entries;
    Tokens tokens(text);
    while (auto token = tokens.next()) {
        if (*token == "machine") {
            auto name = tokens.next();
            entries.push_back({false, std::string(name.value_or("")), {}});
        } else if (*token == "default") {
            entries.push_back({true, {}, {}});
        } else if (*token == "login" || *token == "password" || *token == "account") {
            bool is_login = *token == "login", is_password = *token == "password";
            auto value = tokens.next();
            if (!value || entries.empty()) continue;
            if (is_login) entries.back().entry.login = std::string(*value);
            if (is_password) entries.back().entry.password = Secret(*value);
        } else if (*token == "macdef") {
            tokens.next();
            tokens.skip_macro();
        }
    }
    return entries;
}

}  // namespace

std::optional<NetrcEntry> find_netrc_entry(std::string_view text, std::string_view machine,
                                           std::string_view login) {
    auto entries = parse(text);
    for (bool want_default : {false, true}) {
        for (auto& candidate : entries) {
            if (candidate.is_default != want_default) continue;
            if (!want_default && !text::iequals(candidate.machine, machine)) continue;
            if (!login.empty() && !candidate.entry.login.empty() && candidate.entry.login != login)
                continue;
            return std::move(candidate.entry);
        }
    }
    return std::nullopt;
}

}  // namespace odmr::app
