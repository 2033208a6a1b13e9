#include "net/stream.h"

#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <asio/experimental/as_tuple.hpp>
#include <asio/experimental/awaitable_operators.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/write.hpp>

#include "net/tls.h"

namespace odmr::net {
namespace {

using asio::experimental::awaitable_operators::operator||;
constexpr auto use_tuple = asio::experimental::as_tuple(asio::use_awaitable);

// Runs `op` against a timer; returns the operation's error code, or
// Errc::timeout when the timer won (the operation is then cancelled).
template <class Op>
asio::awaitable<std::pair<std::error_code, std::size_t>> race(asio::steady_timer& timer,
                                                              Duration timeout, Op op) {
    timer.expires_after(timeout);
    auto winner = co_await (std::move(op) || timer.async_wait(use_tuple));
    if (winner.index() == 1) co_return std::pair{make_error_code(Errc::timeout), std::size_t{0}};
    auto [ec, n] = std::get<0>(winner);
    co_return std::pair{std::error_code(ec), n};
}

bool is_closed(const std::error_code& ec) {
    return ec == asio::error::eof || ec == asio::error::connection_reset ||
           ec == asio::ssl::error::stream_truncated || ec == asio::error::broken_pipe;
}

Error io_error(const std::error_code& ec, const char* what) {
    if (ec == make_error_code(Errc::timeout))
        return make_error(Errc::timeout, std::string("timed out ") + what);
    if (is_closed(ec)) return make_error(Errc::connection_lost, "connection closed by peer");
    return make_error(ec, what);
}

}  // namespace

Stream::Stream(asio::ip::tcp::socket socket, asio::ssl::context& tls_context)
    : tls_(std::move(socket), tls_context),
      timer_(tls_.get_executor()),
      write_timer_(tls_.get_executor()) {}

asio::awaitable<Result<std::size_t>> Stream::read_some(std::span<char> into, Duration timeout) {
    auto buffer = asio::buffer(into.data(), into.size());
    auto [ec, n] =
        tls_active_
            ? co_await race(timer_, timeout, tls_.async_read_some(buffer, use_tuple))
            : co_await race(timer_, timeout, tls_.next_layer().async_read_some(buffer, use_tuple));
    if (ec) co_return io_error(ec, "reading from the peer");
    co_return n;
}

asio::awaitable<Status> Stream::write(std::span<const char> bytes, Duration timeout) {
    auto buffer = asio::buffer(bytes.data(), bytes.size());
    auto [ec, n] =
        tls_active_
            ? co_await race(write_timer_, timeout, asio::async_write(tls_, buffer, use_tuple))
            : co_await race(write_timer_, timeout,
                            asio::async_write(tls_.next_layer(), buffer, use_tuple));
    if (ec) co_return io_error(ec, "writing to the peer");
    co_return Status{};
}

asio::awaitable<Status> Stream::handshake(const PeerCheck& peer, Duration timeout) {
    if (auto prepared = prepare_client_session(tls_.native_handle(), peer); !prepared)
        co_return prepared.error();
    timer_.expires_after(timeout);
    auto winner = co_await (tls_.async_handshake(asio::ssl::stream_base::client, use_tuple) ||
                            timer_.async_wait(use_tuple));
    if (winner.index() == 1) co_return make_error(Errc::timeout, "TLS handshake timed out");
    auto [ec] = std::get<0>(winner);
    if (ec) co_return handshake_error(tls_.native_handle(), ec, peer);
    if (auto pinned = check_pins(tls_.native_handle(), peer); !pinned) co_return pinned.error();
    tls_active_ = true;
    co_return Status{};
}

X509* Stream::peer_certificate() {
    return tls_active_ ? SSL_get0_peer_certificate(tls_.native_handle()) : nullptr;
}

Result<ChannelBinding> Stream::channel_binding(BindingType type) {
    if (!tls_active_) return make_error(Errc::tls, "channel binding needs TLS");
    return net::channel_binding(tls_.native_handle(), type);
}

TlsInfo Stream::tls_info() const {
    if (!tls_active_) return {};
    SSL* ssl = const_cast<asio::ssl::stream<asio::ip::tcp::socket>&>(tls_).native_handle();
    return {SSL_get_version(ssl), SSL_get_cipher_name(ssl)};
}

std::string Stream::remote_address() const {
    std::error_code ec;
    auto endpoint = tls_.next_layer().remote_endpoint(ec);
    if (ec) return {};
    auto address = endpoint.address();
    if (address.is_v6() && address.to_v6().is_v4_mapped())
        address = asio::ip::make_address_v4(asio::ip::v4_mapped, address.to_v6());
    return address.to_string();
}

void Stream::close() {
    std::error_code ignored;
    tls_.next_layer().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
    tls_.next_layer().close(ignored);
}

}  // namespace odmr::net
