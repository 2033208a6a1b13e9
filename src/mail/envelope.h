// What the protocol layer learned about one message and the delivery layer
// needs to place it: who sent it, to whom, and how its body is encoded.
#pragma once

#include <string>
#include <vector>

namespace odmr::mail {

// How the body is encoded (BODY= of MAIL FROM: RFC 6152, RFC 3030).
enum class BodyType { seven_bit, eight_bit_mime, binary_mime };

struct Envelope {
    std::string sender;                   // empty for the null reverse-path <>
    std::vector<std::string> recipients;  // accepted, distinct
    std::string received;                 // our Received: field, CRLF line ends, CRLF-terminated
    std::string id;                       // our identifier for the message, for logs
    BodyType body = BodyType::seven_bit;
    bool smtputf8 = false;  // addresses or headers may be UTF-8 (RFC 6531)
};

}  // namespace odmr::mail
