#include "net/stream.h"

#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <asio/experimental/awaitable_operators.hpp>
#include <asio/write.hpp>

#include "net/awaitable.h"
#include "net/tls.h"

namespace odmr::net {
namespace {

using asio::experimental::awaitable_operators::operator||;

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

asio::any_io_executor executor_of(auto& socket) {
    return std::visit([](auto& s) { return s.get_executor(); }, socket);
}

}  // namespace

Stream::Stream(asio::ip::tcp::socket socket, asio::ssl::context& tls_context)
    : socket_(std::in_place_type<Tls>, std::move(socket), tls_context),
      timer_(executor_of(socket_)),
      write_timer_(executor_of(socket_)) {}

Stream::Stream(asio::ip::tcp::socket socket)
    : socket_(std::move(socket)),
      timer_(executor_of(socket_)),
      write_timer_(executor_of(socket_)) {}

Stream::Stream(LocalSocket socket)
    : socket_(std::move(socket)),
      timer_(executor_of(socket_)),
      write_timer_(executor_of(socket_)) {}

template <class Op>
auto Stream::on_wire(Op op) {
    return std::visit(
        [&](auto& s) {
            if constexpr (std::is_same_v<std::decay_t<decltype(s)>, Tls>)
                return tls_active_ ? op(s) : op(s.next_layer());
            else
                return op(s);
        },
        socket_);
}

SSL* Stream::ssl() const {
    auto* tls = std::get_if<Tls>(&socket_);
    return tls && tls_active_ ? const_cast<Tls*>(tls)->native_handle() : nullptr;
}

asio::awaitable<Result<std::size_t>> Stream::read_some(std::span<char> into, Duration timeout) {
    auto buffer = asio::buffer(into.data(), into.size());
    auto [ec, n] =
        co_await race(timer_, timeout,
                      on_wire([&](auto& wire) { return wire.async_read_some(buffer, use_tuple); }));
    if (ec) co_return io_error(ec, "reading from the peer");
    co_return n;
}

asio::awaitable<Status> Stream::write(std::span<const char> bytes, Duration timeout) {
    auto buffer = asio::buffer(bytes.data(), bytes.size());
    auto [ec, n] = co_await race(write_timer_, timeout, on_wire([&](auto& wire) {
                                     return asio::async_write(wire, buffer, use_tuple);
                                 }));
    if (ec) co_return io_error(ec, "writing to the peer");
    co_return Status{};
}

asio::awaitable<Status> Stream::handshake(const PeerCheck& peer, Duration timeout) {
    auto* tls = std::get_if<Tls>(&socket_);
    if (tls == nullptr) co_return make_error(Errc::tls, "TLS is not possible on this connection");
    if (auto prepared = prepare_client_session(tls->native_handle(), peer); !prepared)
        co_return prepared.error();
    timer_.expires_after(timeout);
    auto winner = co_await (tls->async_handshake(asio::ssl::stream_base::client, use_tuple) ||
                            timer_.async_wait(use_tuple));
    if (winner.index() == 1) co_return make_error(Errc::timeout, "TLS handshake timed out");
    auto [ec] = std::get<0>(winner);
    if (ec) co_return handshake_error(tls->native_handle(), ec, peer);
    if (auto pinned = check_pins(tls->native_handle(), peer); !pinned) co_return pinned.error();
    tls_active_ = true;
    co_return Status{};
}

X509* Stream::peer_certificate() {
    SSL* session = ssl();
    return session ? SSL_get0_peer_certificate(session) : nullptr;
}

Result<ChannelBinding> Stream::channel_binding(BindingType type) {
    SSL* session = ssl();
    if (session == nullptr) return make_error(Errc::tls, "channel binding needs TLS");
    return net::channel_binding(session, type);
}

TlsInfo Stream::tls_info() const {
    SSL* session = ssl();
    if (session == nullptr) return {};
    return {SSL_get_version(session), SSL_get_cipher_name(session)};
}

std::string Stream::remote_address() const {
    const asio::ip::tcp::socket* tcp = std::get_if<asio::ip::tcp::socket>(&socket_);
    if (auto* tls = std::get_if<Tls>(&socket_)) tcp = &tls->next_layer();
    if (tcp == nullptr) return {};
    std::error_code ec;
    auto endpoint = tcp->remote_endpoint(ec);
    if (ec) return {};
    auto address = endpoint.address();
    if (address.is_v6() && address.to_v6().is_v4_mapped())
        address = asio::ip::make_address_v4(asio::ip::v4_mapped, address.to_v6());
    return address.to_string();
}

void Stream::close() {
    std::error_code ignored;
    std::visit(
        [&](auto& s) {
            auto& socket = s.lowest_layer();
            socket.shutdown(asio::socket_base::shutdown_both, ignored);
            socket.close(ignored);
        },
        socket_);
}

}  // namespace odmr::net
