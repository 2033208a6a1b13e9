// One byte stream to a peer, with a deadline on every operation: TCP that
// may turn to TLS (the provider), plain TCP or a UNIX-domain socket (local
// peers). The same object carries the customer negotiation and, after ATRN,
// the reversed SMTP session: the TLS session never changes hands.
#pragma once

#include <asio/awaitable.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/local/stream_protocol.hpp>
#include <asio/ssl.hpp>
#include <asio/steady_timer.hpp>
#include <chrono>
#include <optional>
#include <span>
#include <string>
#include <variant>

#include "net/certificate.h"
#include "net/channel_binding.h"
#include "net/op_timer.h"
#include "net/tls.h"
#include "net/tls_session.h"
#include "util/result.h"
#include "util/time.h"

namespace odmr::net {

// What the user sees about a TLS session (trace headers, -v output).
struct TlsInfo {
    std::string version;  // "TLSv1.3"
    std::string cipher;   // "TLS_AES_256_GCM_SHA384"
};

// A connected UNIX-domain stream socket: a local LMTP or SMTP server, or
// one end of a socketpair to a program.
using LocalSocket = asio::local::stream_protocol::socket;

class Stream {
  public:
    // TCP that may turn to TLS with handshake(); the session takes its own
    // reference to the context's SSL_CTX.
    Stream(asio::ip::tcp::socket socket, asio::ssl::context& tls_context);
    // TCP or a local socket that stays plain: handshake() fails.
    explicit Stream(asio::ip::tcp::socket socket);
    explicit Stream(LocalSocket socket);

    Stream(const Stream&) = delete;
    Stream& operator=(const Stream&) = delete;

    // Reads at least one byte. Connection closed is Errc::connection_lost.
    asio::awaitable<Result<std::size_t>> read_some(std::span<char> into, Duration timeout);
    asio::awaitable<Status> write(std::span<const char> bytes, Duration timeout);

    // Client-side TLS handshake; verifies the chain (per the context) and that
    // the certificate names `peer.name`, or, with pins, that it is pinned.
    // Errc::tls on a stream made without a TLS context.
    asio::awaitable<Status> handshake(const PeerCheck& peer, Duration timeout);

    bool tls_active() const { return tls_active_; }
    TlsInfo tls_info() const;
    // The provider's certificate, once TLS is up (nullptr before).
    X509* peer_certificate();
    Result<ChannelBinding> channel_binding(BindingType type);
    // "127.0.0.1" or "::1"; empty if unknown and for a local socket.
    std::string remote_address() const;
    void close();

    // The run is stopping: the read (or handshake) in progress, and every
    // later one, fails at once with Errc::stopped. Writes still work, so a
    // last reply (421) can go out before close().
    void stop_reading();
    bool reading_stopped() const { return reading_stopped_; }

  private:
    // Calls `op` with the socket (plain reads and writes).
    template <class Op>
    auto on_socket(Op op);
    SSL* ssl() const;  // the TLS session once it is up, else nullptr
    // Repeats `step` (one non-blocking OpenSSL call) until it is over, waiting
    // for the socket's readiness in between, all within `timeout`.
    template <class Step>
    asio::awaitable<std::pair<std::error_code, std::size_t>> drive(OpTimer& timer, Duration timeout,
                                                                   bool reading, Step step);

    std::variant<asio::ip::tcp::socket, LocalSocket> socket_;
    SSL_CTX* tls_context_ = nullptr;  // TCP that may turn to TLS
    std::optional<TlsSession> tls_;   // OpenSSL on the socket, from handshake() on
    OpTimer timer_;                   // reads and the handshake
    OpTimer write_timer_;             // writes: one read and one write may be in flight at once
    bool tls_active_ = false;
    bool reading_stopped_ = false;
};

}  // namespace odmr::net
