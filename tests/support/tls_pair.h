// A real TLS session between odmr-fetch's client Stream and an OpenSSL
// server, over a loopback socket pair, for tests of what each end sees.
#pragma once

#include <asio/experimental/as_tuple.hpp>
#include <asio/ssl.hpp>
#include <asio/use_awaitable.hpp>
#include <chrono>
#include <optional>
#include <utility>

#include "net/stream.h"
#include "support/asio_harness.h"

namespace odmr::test {

class TlsPair {
  public:
    TlsPair(asio::ssl::context& server_context, asio::ssl::context& client_context)
        : pair_(loopback_pair(io_)),
          server_(std::move(pair_.server), server_context),
          client_(std::move(pair_.client), client_context) {}

    // Runs both handshakes; returns the client's result (the server's error
    // code is in server_error()).
    Status handshake(const net::PeerCheck& peer) {
        std::optional<Status> client_result;
        spawn(io_, client_side(peer), client_result);
        spawn(io_, server_side());
        run_all(io_);
        io_.restart();
        return std::move(*client_result);
    }

    net::Stream& client() { return client_; }
    asio::ssl::stream<asio::ip::tcp::socket>& server() { return server_; }
    asio::io_context& io() { return io_; }
    SSL* server_ssl() { return server_.native_handle(); }
    std::error_code server_error() const { return server_error_; }

  private:
    asio::awaitable<Status> client_side(net::PeerCheck peer) {
        auto result = co_await client_.handshake(peer, std::chrono::seconds(5));
        if (!result) client_.close();  // so that the server does not wait for more
        co_return result;
    }
    asio::awaitable<void> server_side() {
        auto [ec] = co_await server_.async_handshake(
            asio::ssl::stream_base::server, asio::experimental::as_tuple(asio::use_awaitable));
        server_error_ = ec;
    }

    asio::io_context io_;
    SocketPair pair_;
    asio::ssl::stream<asio::ip::tcp::socket> server_;
    net::Stream client_;
    std::error_code server_error_;
};

}  // namespace odmr::test
