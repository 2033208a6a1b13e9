#include "app/outcome.h"

#include <doctest/doctest.h>

#include <cerrno>
#include <vector>

#include "app/exit_code.h"

using namespace odmr::app;
using odmr::Errc;
using odmr::Error;
using odmr::make_error;

namespace {

FetchSummary delivered_then(std::size_t delivered, std::optional<Error> error) {
    FetchSummary summary;
    summary.sessions = 2;
    summary.delivered = delivered;
    summary.error = std::move(error);
    return summary;
}

}  // namespace

TEST_CASE("a temporary failure after a delivery exits 0") {
    for (Errc e : {Errc::unavailable, Errc::timeout, Errc::connection_lost, Errc::temporary,
                   Errc::stopped}) {
        auto summary = delivered_then(1, make_error(e, "the next session"));
        CHECK(partial_success(summary));
        CHECK(exit_status(summary) == exit_delivered);
    }
    auto refused =
        delivered_then(3, Error{std::make_error_code(std::errc::connection_refused), "connecting"});
    CHECK(exit_status(refused) == exit_delivered);
}

TEST_CASE("authentication, certificate and protocol failures keep their codes") {
    CHECK(exit_status(delivered_then(1, make_error(Errc::auth_rejected, "x"))) == exit_noperm);
    CHECK(exit_status(delivered_then(1, make_error(Errc::tls, "x"))) == exit_unavailable);
    CHECK(exit_status(delivered_then(1, make_error(Errc::protocol, "x"))) == exit_protocol);
    CHECK(exit_status(delivered_then(1, make_error(Errc::permanent, "x"))) == exit_unavailable);
}

TEST_CASE("a temporary failure before any delivery, or a local failure, is 75") {
    CHECK(exit_status(delivered_then(0, make_error(Errc::timeout, "x"))) == exit_tempfail);
    CHECK(exit_status(delivered_then(0, make_error(Errc::stopped, "x"))) == exit_tempfail);
    auto local = delivered_then(2, make_error(Errc::temporary, "1 message(s) not delivered"));
    local.failed = 1;
    CHECK_FALSE(partial_success(local));
    CHECK(exit_status(local) == exit_tempfail);
}

TEST_CASE("without an error: 0 when mail came, 1 when none") {
    CHECK(exit_status(delivered_then(2, std::nullopt)) == exit_delivered);
    CHECK(exit_status(delivered_then(0, std::nullopt)) == exit_no_mail);
}

TEST_CASE("several accounts: the most urgent failure wins, then 0, then 1") {
    auto combined = [](std::vector<int> statuses) { return combine(statuses); };
    CHECK(combined({}) == exit_no_mail);
    CHECK(combined({1, 1}) == exit_no_mail);
    CHECK(combined({1, 0, 1}) == exit_delivered);
    CHECK(combined({0, 75}) == exit_tempfail);
    CHECK(combined({75, 77, 0}) == exit_noperm);
    CHECK(combined({69, 75}) == exit_unavailable);
    CHECK(combined({76, 78, 77}) == exit_config);
    CHECK(combined({0, 70, 78}) == exit_config);
}
