// Channel binding data (RFC 5056) of a TLS session: net/ reads it from the
// session, SCRAM-PLUS (sasl/) mixes it into its proof.
#pragma once

#include <string>

namespace odmr {

struct ChannelBinding {
    std::string type;  // the name on the wire: "tls-exporter", "tls-unique",
                       // "tls-server-end-point"; empty: none
    std::string data;  // raw bytes
};

}  // namespace odmr
