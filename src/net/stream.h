// One byte stream to a peer, plain TCP or TLS over it, with a deadline on
// every operation. The same object carries the customer negotiation and,
// after ATRN, the reversed SMTP session: the TLS session never changes hands.
#pragma once

#include <asio/awaitable.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/ssl.hpp>
#include <asio/steady_timer.hpp>
#include <chrono>
#include <span>
#include <string>

#include "net/certificate.h"
#include "net/channel_binding.h"
#include "net/tls.h"
#include "util/result.h"
#include "util/time.h"

namespace odmr::net {

// What the user sees about a TLS session (trace headers, -v output).
struct TlsInfo {
    std::string version;  // "TLSv1.3"
    std::string cipher;   // "TLS_AES_256_GCM_SHA384"
};

class Stream {
  public:
    Stream(asio::ip::tcp::socket socket, asio::ssl::context& tls_context);

    Stream(const Stream&) = delete;
    Stream& operator=(const Stream&) = delete;

    // Reads at least one byte. Connection closed is Errc::connection_lost.
    asio::awaitable<Result<std::size_t>> read_some(std::span<char> into, Duration timeout);
    asio::awaitable<Status> write(std::span<const char> bytes, Duration timeout);

    // Client-side TLS handshake; verifies the chain (per the context) and that
    // the certificate names `peer.name`, or, with pins, that it is pinned.
    asio::awaitable<Status> handshake(const PeerCheck& peer, Duration timeout);

    bool tls_active() const { return tls_active_; }
    TlsInfo tls_info() const;
    // The provider's certificate, once TLS is up (nullptr before).
    X509* peer_certificate();
    Result<ChannelBinding> channel_binding(BindingType type);
    SSL* native_tls() { return tls_.native_handle(); }
    std::string remote_address() const;  // "127.0.0.1" or "::1", empty if unknown
    void close();

  private:
    asio::ssl::stream<asio::ip::tcp::socket> tls_;
    asio::steady_timer timer_;        // reads and the handshake
    asio::steady_timer write_timer_;  // writes: one read and one write may be in flight at once
    bool tls_active_ = false;
};

}  // namespace odmr::net
