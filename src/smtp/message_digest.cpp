#include "smtp/message_digest.h"

#include <algorithm>
#include <cstring>
#include <vector>

namespace odmr::smtp {
namespace {

// A provider's Received: field is a few hundred octets; one longer than this
// is not looked at (the message then has no trace).
constexpr std::size_t max_head = 4096;
constexpr std::size_t max_trace = 128;
constexpr std::string_view received = "received:";
constexpr std::string_view empty_line = "\r\n\r\n";  // the field's CRLF, then the empty line's
constexpr std::size_t npos = std::string_view::npos;

bool starts_with_received(std::string_view head) {
    std::size_t n = std::min(head.size(), received.size());
    for (std::size_t i = 0; i < n; ++i) {
        char c = head[i];
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
        if (c != received[i]) return false;
    }
    return true;
}

bool same_word(std::string_view word, std::string_view lower) {
    return word.size() == lower.size() &&
           std::equal(word.begin(), word.end(), lower.begin(),
                      [](char a, char b) { return (a | 0x20) == b; });
}

bool printable_token(std::string_view token) {
    return !token.empty() && token.size() <= max_trace &&
           std::all_of(token.begin(), token.end(), [](char c) { return c > ' ' && c < 0x7f; });
}

// Where the first header field of `data` ends: at a CRLF not followed by
// white space (a folded field goes on after one that is). npos while these
// octets do not tell; `scanned` is where to look again once more arrive.
std::size_t first_field_end(std::string_view data, std::size_t& scanned) {
    for (auto end = data.find("\r\n", scanned); end != npos; end = data.find("\r\n", end + 2)) {
        if (end + 2 >= data.size()) {
            scanned = end;  // what follows decides
            return npos;
        }
        char next = data[end + 2];
        if (next != ' ' && next != '\t') return end;
        scanned = end + 2;
    }
    if (data.size() > scanned + 1) scanned = data.size() - 1;  // a CR may end the data
    return npos;
}

}  // namespace

void MessageDigest::update(std::span<const char> bytes) {
    length_ += bytes.size();
    if (phase_ == Phase::first_field)
        watch_first_field(bytes);
    else if (phase_ == Phase::header_section)
        hash_section({bytes.data(), bytes.size()});
}

// Looks at the data in place; only a first field that spans updates is
// copied (into head_, at most max_head octets).
void MessageDigest::watch_first_field(std::span<const char> bytes) {
    std::string_view data(bytes.data(), bytes.size());
    std::size_t before = head_.size();
    if (before > 0) head_.append(data.substr(0, max_head - before));
    std::string_view window = before > 0 ? std::string_view(head_) : data.substr(0, max_head);
    if (!starts_with_received(window)) {
        phase_ = Phase::untraced;
        head_.clear();
        return;
    }
    auto end = first_field_end(window, scanned_);
    if (end == npos && window.size() < max_head) {
        if (before == 0) head_.assign(window);  // more to come
        return;
    }
    if (end != npos) trace_ = provider_trace(window.substr(0, end));
    if (trace_.empty()) {
        phase_ = Phase::untraced;
    } else {
        start_hashing();
        hash_section(std::string_view(head_).substr(0, before));
        hash_section(data);
    }
    head_.clear();
    head_.shrink_to_fit();
}

void MessageDigest::start_hashing() {
    phase_ = Phase::header_section;
    crypto_generichash_init(&state_, nullptr, 0, crypto_generichash_BYTES);
    // NUL separates the fields: no address contains one (smtp/command.cpp).
    constexpr std::string_view nul("\0", 1);
    hash(envelope_->sender);
    hash(nul);
    const auto& recipients = envelope_->recipients;
    if (recipients.size() == 1) {
        hash(recipients.front());
        hash(nul);
    } else {
        std::vector<std::string_view> sorted(recipients.begin(), recipients.end());
        std::sort(sorted.begin(), sorted.end());  // the provider may reorder them
        for (auto recipient : sorted) {
            hash(recipient);
            hash(nul);
        }
    }
    hash(nul);
}

// Hashes the header section's octets among `bytes`, the empty line included.
void MessageDigest::hash_section(std::string_view bytes) {
    if (phase_ != Phase::header_section || bytes.empty()) return;
    std::size_t room = max_header_section - section_;
    std::size_t end = section_end(bytes.substr(0, room));
    std::size_t take = std::min({bytes.size(), room, end});
    hash(bytes.substr(0, take));
    section_ += take;
    if (end != npos || section_ == max_header_section)
        phase_ = Phase::counting;
    else
        keep_tail(bytes);
}

// Octets of `bytes` up to and including the end of the empty line, which
// may have begun in the octets hashed before (tail_); npos if not here.
std::size_t MessageDigest::section_end(std::string_view bytes) const {
    if (tail_size_ > 0) {
        std::array<char, 6> joined{};
        std::copy_n(tail_.begin(), tail_size_, joined.begin());
        std::size_t more = std::min<std::size_t>(3, bytes.size());
        std::copy_n(bytes.begin(), more, joined.begin() + tail_size_);
        auto at = std::string_view(joined.data(), tail_size_ + more).find(empty_line);
        if (at != npos) return at + empty_line.size() - tail_size_;
    }
    auto at = bytes.find(empty_line);
    return at == npos ? npos : at + empty_line.size();
}

void MessageDigest::keep_tail(std::string_view bytes) {
    std::array<char, 6> joined{};
    std::copy_n(tail_.begin(), tail_size_, joined.begin());
    std::size_t more = std::min<std::size_t>(3, bytes.size());
    std::copy_n(bytes.end() - static_cast<std::ptrdiff_t>(more), more, joined.begin() + tail_size_);
    std::size_t total = tail_size_ + more;
    tail_size_ = std::min<std::size_t>(3, total);
    std::copy_n(joined.begin() + (total - tail_size_), tail_size_, tail_.begin());
}

void MessageDigest::hash(std::string_view bytes) {
    crypto_generichash_update(&state_, reinterpret_cast<const unsigned char*>(bytes.data()),
                              bytes.size());
}

std::optional<Fingerprint> MessageDigest::finish() {
    if (phase_ == Phase::first_field && head_.ends_with("\r\n")) {
        // The message is its Received: field alone.
        trace_ = provider_trace(std::string_view(head_).substr(0, head_.size() - 2));
        if (!trace_.empty()) {
            start_hashing();
            hash_section(head_);
        }
    }
    if (phase_ == Phase::first_field || phase_ == Phase::untraced) {
        phase_ = Phase::untraced;
        return std::nullopt;
    }
    std::array<unsigned char, 8> length{};  // little-endian, whatever the host
    for (std::size_t i = 0; i < length.size(); ++i)
        length[i] = static_cast<unsigned char>(length_ >> (8 * i));
    hash(std::string_view(reinterpret_cast<const char*>(length.data()), length.size()));
    Fingerprint fingerprint;
    crypto_generichash_final(&state_, fingerprint.digest.data(), fingerprint.digest.size());
    fingerprint.trace = std::move(trace_);
    phase_ = Phase::untraced;
    return fingerprint;
}

std::string provider_trace(std::string_view field) {
    if (field.size() < received.size() || !starts_with_received(field)) return "";
    field.remove_prefix(received.size());
    constexpr std::string_view blank = " \t\r\n";
    bool after_id = false;
    while (!field.empty()) {
        auto start = field.find_first_not_of(blank);
        if (start == std::string_view::npos) break;
        field.remove_prefix(start);
        auto word = field.substr(0, field.find_first_of(blank));
        field.remove_prefix(word.size());
        if (after_id) {
            if (word.ends_with(';')) word.remove_suffix(1);
            return printable_token(word) ? std::string(word) : "";
        }
        after_id = same_word(word, "id");
    }
    return "";
}

}  // namespace odmr::smtp
