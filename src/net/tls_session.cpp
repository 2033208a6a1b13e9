#include "net/tls_session.h"

#include <openssl/err.h>

#include <asio/ssl/error.hpp>
#include <cerrno>
#include <utility>

namespace odmr::net {
namespace {

// OpenSSL reads up to this much from the socket at once (read-ahead): four
// full records per read(2) instead of one, and one buffer per session.
constexpr std::size_t read_buffer_length = 64 * 1024 + 512;

TlsStep closed(std::size_t bytes) {
    return {TlsWait::none, bytes, make_error_code(Errc::connection_lost)};
}

}  // namespace

Result<TlsSession> TlsSession::make(SSL_CTX* context, int fd) {
    SSL* ssl = SSL_new(context);
    if (ssl == nullptr) return make_error(Errc::tls, "cannot create a TLS session");
    TlsSession session(ssl);
    // Partial writes let a write resume after a wait without resending.
    SSL_set_mode(ssl, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    SSL_set_read_ahead(ssl, 1);
    SSL_set_default_read_buffer_len(ssl, read_buffer_length);
    if (SSL_set_fd(ssl, fd) != 1) return make_error(Errc::tls, "cannot attach TLS to the socket");
    return session;
}

TlsStep TlsSession::outcome(int ret, std::size_t bytes) {
    int error = SSL_get_error(ssl_.get(), ret);
    switch (error) {
        case SSL_ERROR_WANT_READ:
            return {TlsWait::readable, bytes, {}};
        case SSL_ERROR_WANT_WRITE:
            return {TlsWait::writable, bytes, {}};
        case SSL_ERROR_ZERO_RETURN:  // close_notify: the peer is done
            return closed(bytes);
        default:
            break;
    }
    failed_ = true;
    int saved_errno = errno;
    unsigned long code = ERR_get_error();
    ERR_clear_error();
    if (error == SSL_ERROR_SYSCALL && code == 0)
        return saved_errno == 0 ? closed(bytes)  // EOF without close_notify
                                : TlsStep{TlsWait::none, bytes,
                                          std::error_code(saved_errno, std::system_category())};
    if (ERR_GET_REASON(code) == SSL_R_UNEXPECTED_EOF_WHILE_READING) return closed(bytes);
    // asio's category words OpenSSL's reason ("certificate verify failed").
    if (code == 0) return {TlsWait::none, bytes, make_error_code(Errc::tls)};
    return {TlsWait::none, bytes,
            std::error_code(static_cast<int>(code), asio::error::get_ssl_category())};
}

TlsStep TlsSession::connect() {
    ERR_clear_error();
    errno = 0;
    int ret = SSL_connect(ssl_.get());
    return ret == 1 ? TlsStep{} : outcome(ret, 0);
}

TlsStep TlsSession::read(std::span<char> into) {
    if (pending_) return {TlsWait::none, 0, std::exchange(pending_, {})};
    std::size_t total = 0;
    do {
        ERR_clear_error();
        errno = 0;
        std::size_t n = 0;
        int ret = SSL_read_ex(ssl_.get(), into.data() + total, into.size() - total, &n);
        if (ret != 1) {
            TlsStep step = outcome(ret, 0);
            if (total == 0) return step;
            // What was read goes up now; an error waits for the next call.
            pending_ = step.error;
            return {TlsWait::none, total, {}};
        }
        total += n;
    } while (total < into.size() && (SSL_pending(ssl_.get()) > 0 || SSL_has_pending(ssl_.get())));
    return {TlsWait::none, total, {}};
}

TlsStep TlsSession::write(std::span<const char> bytes) {
    std::size_t total = 0;
    while (total < bytes.size()) {
        ERR_clear_error();
        errno = 0;
        std::size_t n = 0;
        int ret = SSL_write_ex(ssl_.get(), bytes.data() + total, bytes.size() - total, &n);
        if (ret != 1) return outcome(ret, total);
        total += n;
    }
    return {TlsWait::none, total, {}};
}

void TlsSession::shutdown() {
    if (failed_ || SSL_is_init_finished(ssl_.get()) != 1) return;
    ERR_clear_error();
    (void)SSL_shutdown(ssl_.get());  // one close_notify; the socket closes next
    ERR_clear_error();
}

}  // namespace odmr::net
