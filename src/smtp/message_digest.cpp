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

void hash(crypto_generichash_state& state, std::string_view text) {
    crypto_generichash_update(&state, reinterpret_cast<const unsigned char*>(text.data()),
                              text.size());
}

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

}  // namespace

MessageDigest::MessageDigest(const mail::Envelope& envelope) {
    crypto_generichash_init(&state_, nullptr, 0, crypto_generichash_BYTES);
    // NUL separates the fields: no address contains one (smtp/command.cpp).
    hash(state_, envelope.sender);
    hash(state_, std::string_view("\0", 1));
    auto add = [this](std::string_view recipient) {
        hash(state_, recipient);
        hash(state_, std::string_view("\0", 1));
    };
    if (envelope.recipients.size() == 1) {
        add(envelope.recipients.front());
    } else {
        std::vector<std::string_view> sorted(envelope.recipients.begin(),
                                             envelope.recipients.end());
        std::sort(sorted.begin(), sorted.end());  // the provider may reorder them
        for (auto recipient : sorted) add(recipient);
    }
    hash(state_, std::string_view("\0", 1));
}

void MessageDigest::update(std::span<const char> bytes) {
    if (!head_done_) watch_head(bytes);
    crypto_generichash_update(&state_, reinterpret_cast<const unsigned char*>(bytes.data()),
                              bytes.size());
}

// Keeps the first bytes until the first header field ends: at a CRLF not
// followed by white space (a folded field goes on after one that is).
void MessageDigest::watch_head(std::span<const char> bytes) {
    head_.append(bytes.data(), std::min(bytes.size(), max_head - head_.size()));
    if (!starts_with_received(head_)) {
        head_done_ = true;
        return;
    }
    for (std::size_t end = head_.find("\r\n", scanned_); end != std::string::npos;
         end = head_.find("\r\n", end + 2)) {
        if (end + 2 >= head_.size()) {
            scanned_ = end;  // what follows decides: look again with more data
            break;
        }
        char next = head_[end + 2];
        if (next != ' ' && next != '\t') {
            trace_ = provider_trace(std::string_view(head_).substr(0, end));
            head_done_ = true;
            break;
        }
        scanned_ = end + 2;
    }
    if (!head_done_ && head_.size() >= max_head) head_done_ = true;
    if (head_done_) {
        head_.clear();
        head_.shrink_to_fit();
    }
}

std::optional<Fingerprint> MessageDigest::finish() {
    Fingerprint fingerprint;
    crypto_generichash_final(&state_, fingerprint.digest.data(), fingerprint.digest.size());
    if (!head_done_ && head_.ends_with("\r\n"))  // the message is its Received: field alone
        trace_ = provider_trace(std::string_view(head_).substr(0, head_.size() - 2));
    head_done_ = true;
    if (trace_.empty()) return std::nullopt;
    fingerprint.trace = std::move(trace_);
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
