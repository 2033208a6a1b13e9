// Typed errors and a small expected-like Result<T> used throughout.
//
// An Error carries a std::error_code (our own Errc, errno, an ASIO or an
// OpenSSL code) plus a human sentence saying what we were doing. Errors are
// mapped once: to an SMTP reply in the reversed session (smtp/server) and to
// an exit status at the end of a run (app/exit_code).
#pragma once

#include <string>
#include <system_error>
#include <utility>
#include <variant>

namespace odmr {

// What went wrong, at the level the program reasons about.
enum class Errc {
    usage = 1,         // bad command line or option value
    config,            // bad configuration file or secret source
    no_host,           // name does not resolve
    unavailable,       // could not connect / connection refused
    tls,               // TLS handshake or certificate verification failed
    timeout,           // a peer took too long
    connection_lost,   // the peer closed or reset the connection
    protocol,          // the peer broke the protocol
    auth_rejected,     // the provider refused our credentials
    auth_unavailable,  // no usable authentication mechanism
    temporary,         // 4xx from the provider or a temporary local failure
    permanent,         // 5xx from the provider
    line_too_long,     // a line exceeded its bound
    storage,           // local delivery failed (disk, permissions)
    software,          // a bug
    stopped,           // the run was asked to stop (SIGTERM, SIGINT)
};

const std::error_category& odmr_category() noexcept;
std::error_code make_error_code(Errc e) noexcept;

struct Error {
    std::error_code code;
    std::string detail;  // what we were doing, for the log; never contains secrets

    std::string message() const;  // "detail: code message"
    bool is(Errc e) const { return code == make_error_code(e); }
};

inline Error make_error(Errc e, std::string detail) {
    return {make_error_code(e), std::move(detail)};
}
inline Error make_error(std::error_code ec, std::string detail) {
    return {ec, std::move(detail)};
}
// A failed system call on local storage (errno), as Errc::storage: temporary.
inline Error storage_error(int error_number, const std::string& what) {
    return {make_error_code(Errc::storage),
            what + ": " + std::generic_category().message(error_number)};
}

template <class T>
class [[nodiscard]] Result {
  public:
    Result(T value) : v_(std::in_place_index<0>, std::move(value)) {}      // NOLINT(implicit)
    Result(Error error) : v_(std::in_place_index<1>, std::move(error)) {}  // NOLINT(implicit)

    bool ok() const { return v_.index() == 0; }
    explicit operator bool() const { return ok(); }
    T& value() & { return std::get<0>(v_); }
    const T& value() const& { return std::get<0>(v_); }
    T&& value() && { return std::get<0>(std::move(v_)); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }
    T& operator*() & { return value(); }
    const Error& error() const { return std::get<1>(v_); }

  private:
    std::variant<T, Error> v_;
};

template <>
class [[nodiscard]] Result<void> {
  public:
    Result() = default;
    Result(Error error) : error_(std::move(error)), failed_(true) {}  // NOLINT(implicit)

    bool ok() const { return !failed_; }
    explicit operator bool() const { return ok(); }
    const Error& error() const { return error_; }

  private:
    Error error_;
    bool failed_ = false;
};

using Status = Result<void>;

}  // namespace odmr

template <>
struct std::is_error_code_enum<odmr::Errc> : std::true_type {};
