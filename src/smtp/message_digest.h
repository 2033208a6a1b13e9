// A received message's identity for duplicate suppression (resend_record.h):
// BLAKE2b-256 over the envelope (sender, recipients), the message's header
// section (up to and including the empty line that ends it, at most
// max_header_section octets) and the total length of the message data, plus
// the provider's own trace: the queue id of the topmost Received: field,
// which the provider wrote when it queued the message. The body after the
// header section is counted, not hashed.
//
// Why that is enough: a message the provider sends again after a lost 250
// comes from its spool, headers byte for byte as before; two different
// messages from one provider cannot share that Received: field with its
// queue id (and would also need the same envelope, the same other headers
// and the same length). fetchmail/formail and Dovecot's duplicate database
// go further and key on Message-ID alone. Hashing the whole body cost ~5
// instructions per octet for no such gain.
//
// A message whose first header field is not a Received: field with an id is
// never suppressed, and is never hashed either: that is decided as soon as
// the first field is complete, before any hashing work.
#pragma once

#include <sodium.h>

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "mail/envelope.h"

namespace odmr::smtp {

using Digest = std::array<unsigned char, 32>;

struct Fingerprint {
    Digest digest{};
    std::string trace;  // the provider's queue id (from "id ..." of its Received: field)
};

// A header section longer than this is hashed up to here (and counted).
inline constexpr std::size_t max_header_section = 64 * 1024;

class MessageDigest {
  public:
    // `envelope` is hashed only if the message turns out to be traced, so it
    // must outlive the digest unchanged (the transaction holds both).
    explicit MessageDigest(const mail::Envelope& envelope) : envelope_(&envelope) {}

    // Message data, in order, exactly as the sink gets it.
    void update(std::span<const char> bytes);
    // After the last byte, once: nothing when the message has no provider trace.
    std::optional<Fingerprint> finish();

  private:
    enum class Phase {
        first_field,     // not yet known whether the message is traced
        header_section,  // traced: hashing up to the empty line
        counting,        // traced, header section hashed: only the length is left
        untraced,        // nothing more to do
    };
    void watch_first_field(std::span<const char> bytes);
    void start_hashing();
    void hash_section(std::string_view bytes);
    std::size_t section_end(std::string_view bytes) const;
    void keep_tail(std::string_view bytes);
    void hash(std::string_view bytes);

    const mail::Envelope* envelope_;
    Phase phase_ = Phase::first_field;
    std::uint64_t length_ = 0;  // octets of message data
    std::string head_;          // the first field's octets, while it spans updates
    std::size_t scanned_ = 0;   // the first field searched for its end up to here
    std::string trace_;
    std::size_t section_ = 0;           // octets of the header section hashed
    std::array<char, 3> tail_{};        // the last octets hashed: the empty line
    std::size_t tail_size_ = 0;         // may begin in one update and end in the next
    crypto_generichash_state state_{};  // initialised only once traced
};

// The queue id in the first header field of `head` when that field is a
// Received: field with an "id" clause (Exim: "id 1vQ2Ab-000123-4x", Postfix:
// "with ESMTPS id 4Xf1Lz0Tq9z9rxR"); empty otherwise. `head` holds the whole
// field without its final CRLF.
std::string provider_trace(std::string_view field);

}  // namespace odmr::smtp
