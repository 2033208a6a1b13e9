// A received message's identity for duplicate suppression (resend_record.h):
// BLAKE2b-256 over the envelope (sender, recipients) and the message data,
// fed chunk by chunk as the server passes the data to the sink (one pass, no
// copy of the body), plus the provider's own trace: the queue id of the
// topmost Received: field, which the provider wrote when it queued the
// message. Two legitimately identical messages differ in that field; a
// message without one has no fingerprint and is never suppressed.
#pragma once

#include <sodium.h>

#include <array>
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

class MessageDigest {
  public:
    explicit MessageDigest(const mail::Envelope& envelope);

    // Message data, in order, exactly as the sink gets it.
    void update(std::span<const char> bytes);
    // After the last byte, once: nothing when the message has no provider trace.
    std::optional<Fingerprint> finish();

  private:
    void watch_head(std::span<const char> bytes);

    crypto_generichash_state state_{};
    std::string head_;         // the first header field, until it is complete
    std::size_t scanned_ = 0;  // head_ searched for its end up to here
    bool head_done_ = false;
    std::string trace_;
};

// The queue id in the first header field of `head` when that field is a
// Received: field with an "id" clause (Exim: "id 1vQ2Ab-000123-4x", Postfix:
// "with ESMTPS id 4Xf1Lz0Tq9z9rxR"); empty otherwise. `head` holds the whole
// field without its final CRLF.
std::string provider_trace(std::string_view field);

}  // namespace odmr::smtp
