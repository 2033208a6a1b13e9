#include "net/route.h"

namespace odmr::net {

std::string describe(const Route& route) {
    std::string out = route.provider.host + " port " + std::to_string(route.provider.port);
    if (route.proxy)
        out += " via SOCKS5 proxy " + route.proxy->server.host + " port " +
               std::to_string(route.proxy->server.port);
    return out;
}

asio::awaitable<Result<std::unique_ptr<Stream>>> open_stream(const Route& route,
                                                             asio::ssl::context& tls_context,
                                                             Duration timeout) {
    const HostPort& first_hop = route.proxy ? route.proxy->server : route.provider;
    auto socket = co_await connect(first_hop, timeout);
    if (!socket) {
        if (!route.proxy) co_return socket.error();
        co_return Error{socket.error().code, "SOCKS5 proxy: " + socket.error().detail};
    }
    auto stream = std::make_unique<Stream>(std::move(*socket), tls_context);
    if (route.proxy) {
        if (auto through = co_await socks5_connect(*stream, *route.proxy, route.provider, timeout);
            !through) {
            stream->close();
            co_return through.error();
        }
    }
    co_return std::move(stream);
}

}  // namespace odmr::net
