// OpenSSL driven directly on a TCP socket's descriptor (SSL_set_fd): no
// memory BIOs between the socket and OpenSSL, so a received record is read
// once by the kernel into OpenSSL's record buffer, decrypted in place, and
// copied once into the caller's buffer. Every call is one non-blocking step:
// it does what it can now and says what the socket must become ready for
// before the caller calls again. Stream does the waiting, with its deadlines.
//
// The socket must be non-blocking and outlive the session. OpenSSL writes
// with write(2), so the process must ignore SIGPIPE (main does).
#pragma once

#include <openssl/ssl.h>

#include <cstddef>
#include <memory>
#include <span>
#include <system_error>

#include "util/result.h"

namespace odmr::net {

enum class TlsWait { none, readable, writable };

struct TlsStep {
    TlsWait wait = TlsWait::none;  // none: the call is over (bytes, or error)
    std::size_t bytes = 0;         // moved by this call, also when it must wait
    std::error_code error;         // Errc::connection_lost when the peer closed
};

class TlsSession {
  public:
    // A client session on `fd` with the settings of `context`.
    static Result<TlsSession> make(SSL_CTX* context, int fd);

    SSL* native() const { return ssl_.get(); }

    TlsStep connect();
    // At least one byte once done; more when OpenSSL already holds more
    // (read-ahead), up to into.size().
    TlsStep read(std::span<char> into);
    // All of `bytes` once done; `bytes` counts what went out before a wait.
    TlsStep write(std::span<const char> bytes);

    // The session cannot carry on (an error, a timeout mid-record): no
    // close_notify will be sent.
    void fail() { failed_ = true; }
    // Sends close_notify if the session is healthy; never waits for the reply.
    void shutdown();

  private:
    struct Free {
        void operator()(SSL* ssl) const { SSL_free(ssl); }
    };
    explicit TlsSession(SSL* ssl) : ssl_(ssl) {}
    TlsStep outcome(int ret, std::size_t bytes);

    std::unique_ptr<SSL, Free> ssl_;
    bool failed_ = false;
    std::error_code pending_;  // a read's error behind bytes already returned
};

}  // namespace odmr::net
