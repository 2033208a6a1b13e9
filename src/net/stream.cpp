#include "net/stream.h"

#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <asio/write.hpp>

#include "net/awaitable.h"
#include "net/tls.h"
#include "net/tls_session.h"

namespace odmr::net {
namespace {

// Runs `op` (started with the completion token it is given) within
// `timeout`; Errc::timeout when the deadline cut it off (it is cancelled).
template <class Op>
asio::awaitable<std::pair<std::error_code, std::size_t>> race(OpTimer& timer, Duration timeout,
                                                              Op op) {
    auto [ec, n] = co_await timer.run(timeout, op);
    co_return std::pair{std::error_code(ec), n};
}

bool is_closed(const std::error_code& ec) {
    return ec == asio::error::eof || ec == asio::error::connection_reset ||
           ec == make_error_code(Errc::connection_lost) || ec == asio::error::broken_pipe;
}

Error io_error(const std::error_code& ec, const char* what) {
    if (ec == make_error_code(Errc::timeout))
        return make_error(Errc::timeout, std::string("timed out ") + what);
    if (is_closed(ec)) return make_error(Errc::connection_lost, "connection closed by peer");
    return make_error(ec, what);
}

// Waits until `socket` is ready for `wait`, within `timeout`; Errc::timeout
// when the deadline passed first (or the timer was cancelled: stop_reading).
asio::awaitable<std::error_code> ready(OpTimer& timer, asio::ip::tcp::socket& socket, TlsWait wait,
                                       Duration timeout) {
    auto type =
        wait == TlsWait::readable ? asio::socket_base::wait_read : asio::socket_base::wait_write;
    auto [ec] =
        co_await timer.run(timeout, [&](auto token) { return socket.async_wait(type, token); });
    co_return ec;
}

asio::any_io_executor executor_of(auto& socket) {
    return std::visit([](auto& s) { return s.get_executor(); }, socket);
}

Error stopped_error() {
    return make_error(Errc::stopped, "stopped while reading from the peer");
}

}  // namespace

Stream::Stream(asio::ip::tcp::socket socket, asio::ssl::context& tls_context)
    : socket_(std::move(socket)),
      tls_context_(tls_context.native_handle()),
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
auto Stream::on_socket(Op op) {
    return std::visit([&](auto& s) { return op(s); }, socket_);
}

SSL* Stream::ssl() const {
    return tls_ && tls_active_ ? tls_->native() : nullptr;
}

template <class Step>
asio::awaitable<std::pair<std::error_code, std::size_t>> Stream::drive(OpTimer& timer,
                                                                       Duration timeout,
                                                                       bool reading, Step step) {
    Deadline deadline(timeout);
    auto& socket = std::get<asio::ip::tcp::socket>(socket_);
    for (;;) {
        if (reading && reading_stopped_) co_return std::pair{make_error_code(Errc::stopped), 0};
        TlsStep done = step();
        if (done.error || done.wait == TlsWait::none) {
            if (done.error) tls_->fail();
            co_return std::pair{done.error, done.bytes};
        }
        std::error_code ec = deadline.passed()
                                 ? make_error_code(Errc::timeout)
                                 : co_await ready(timer, socket, done.wait, deadline.left());
        if (ec) {
            tls_->fail();  // a record may be half sent or half read
            co_return std::pair{ec, std::size_t{0}};
        }
    }
}

asio::awaitable<Result<std::size_t>> Stream::read_some(std::span<char> into, Duration timeout) {
    if (reading_stopped_) co_return stopped_error();
    std::pair<std::error_code, std::size_t> result;
    if (ssl() != nullptr) {
        result = co_await drive(timer_, timeout, true, [&] { return tls_->read(into); });
    } else {
        auto buffer = asio::buffer(into.data(), into.size());
        result = co_await race(timer_, timeout, [&](auto token) {
            return on_socket([&](auto& socket) { return socket.async_read_some(buffer, token); });
        });
    }
    auto [ec, n] = result;
    if (ec && reading_stopped_) co_return stopped_error();
    if (ec) co_return io_error(ec, "reading from the peer");
    co_return n;
}

asio::awaitable<Status> Stream::write(std::span<const char> bytes, Duration timeout) {
    std::error_code ec;
    if (ssl() != nullptr) {
        std::size_t sent = 0;
        ec = (co_await drive(write_timer_, timeout, false, [&] {
                 TlsStep step = tls_->write(bytes.subspan(sent));
                 sent += step.bytes;
                 return step;
             })).first;
    } else {
        auto buffer = asio::buffer(bytes.data(), bytes.size());
        ec = (co_await race(write_timer_, timeout, [&](auto token) {
                 return on_socket(
                     [&](auto& socket) { return asio::async_write(socket, buffer, token); });
             })).first;
    }
    if (ec) co_return io_error(ec, "writing to the peer");
    co_return Status{};
}

asio::awaitable<Status> Stream::handshake(const PeerCheck& peer, Duration timeout) {
    if (reading_stopped_) co_return stopped_error();
    auto* tcp = std::get_if<asio::ip::tcp::socket>(&socket_);
    if (tcp == nullptr || tls_context_ == nullptr || tls_)
        co_return make_error(Errc::tls, "TLS is not possible on this connection");
    std::error_code ec;
    tcp->non_blocking(true, ec);  // OpenSSL reads and writes the descriptor itself
    if (ec) co_return make_error(ec, "preparing the socket for TLS");
    auto session = TlsSession::make(tls_context_, tcp->native_handle());
    if (!session) co_return session.error();
    tls_.emplace(std::move(*session));
    if (auto prepared = prepare_client_session(tls_->native(), peer); !prepared)
        co_return prepared.error();
    auto [failed, n] = co_await drive(timer_, timeout, true, [&] { return tls_->connect(); });
    if (failed == make_error_code(Errc::stopped) || (failed && reading_stopped_))
        co_return stopped_error();
    if (failed == make_error_code(Errc::timeout))
        co_return make_error(Errc::timeout, "TLS handshake timed out");
    if (failed) co_return handshake_error(tls_->native(), failed, peer);
    if (auto pinned = check_pins(tls_->native(), peer); !pinned) co_return pinned.error();
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
    if (tcp == nullptr) return {};
    std::error_code ec;
    auto endpoint = tcp->remote_endpoint(ec);
    if (ec) return {};
    auto address = endpoint.address();
    if (address.is_v6() && address.to_v6().is_v4_mapped())
        address = asio::ip::make_address_v4(asio::ip::v4_mapped, address.to_v6());
    return address.to_string();
}

void Stream::stop_reading() {
    reading_stopped_ = true;
    timer_.cancel();  // the read or handshake in flight gives up now
}

void Stream::close() {
    if (tls_active_) tls_->shutdown();  // close_notify, never waited for
    std::error_code ignored;
    std::visit(
        [&](auto& s) {
            auto& socket = s;
            socket.shutdown(asio::socket_base::shutdown_both, ignored);
            socket.close(ignored);
        },
        socket_);
}

}  // namespace odmr::net
