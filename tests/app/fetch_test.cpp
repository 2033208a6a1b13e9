#include "app/fetch.h"

#include <doctest/doctest.h>

#include "app/exit_code.h"
#include "app/outcome.h"

using namespace odmr;
using namespace odmr::app;

TEST_CASE("a run that delivered something ends with 0, one that found nothing with 1") {
    FetchSummary delivered;
    delivered.sessions = 2;
    delivered.delivered = 3;
    CHECK(exit_status(delivered) == exit_delivered);
    FetchSummary nothing;
    nothing.sessions = 1;
    CHECK(exit_status(nothing) == exit_no_mail);
}

TEST_CASE("a handed-off session that could not be counted may have delivered: not 'no mail'") {
    FetchSummary summary;
    summary.sessions = 1;
    summary.uncounted = 1;
    CHECK(exit_status(summary) == exit_delivered);
}

TEST_CASE("an error decides the status even after messages were delivered") {
    FetchSummary summary;
    summary.delivered = 5;
    summary.failed = 2;
    summary.error = make_error(Errc::temporary, "2 message(s) could not be delivered here");
    CHECK(exit_status(summary) == exit_tempfail);
    summary.error = make_error(Errc::auth_rejected, "no");
    CHECK(exit_status(summary) == exit_noperm);
}
