#include "util/result.h"

namespace odmr {
namespace {

class Category final : public std::error_category {
  public:
    const char* name() const noexcept override { return "odmr"; }
    std::string message(int value) const override {
        switch (static_cast<Errc>(value)) {
            case Errc::usage:
                return "usage error";
            case Errc::config:
                return "configuration error";
            case Errc::no_host:
                return "host not found";
            case Errc::unavailable:
                return "service unavailable";
            case Errc::tls:
                return "TLS failure";
            case Errc::timeout:
                return "timed out";
            case Errc::connection_lost:
                return "connection lost";
            case Errc::protocol:
                return "protocol error";
            case Errc::auth_rejected:
                return "authentication rejected";
            case Errc::auth_unavailable:
                return "no usable authentication mechanism";
            case Errc::temporary:
                return "temporary failure";
            case Errc::permanent:
                return "permanent failure";
            case Errc::line_too_long:
                return "line too long";
            case Errc::storage:
                return "local storage failure";
            case Errc::software:
                return "internal error";
            case Errc::stopped:
                return "stopped";
        }
        return "unknown error";
    }
};

}  // namespace

const std::error_category& odmr_category() noexcept {
    static const Category category;
    return category;
}

std::error_code make_error_code(Errc e) noexcept {
    return {static_cast<int>(e), odmr_category()};
}

std::string Error::message() const {
    if (detail.empty()) return code.message();
    if (code.category() == odmr_category()) return detail;
    return detail + ": " + code.message();
}

}  // namespace odmr
