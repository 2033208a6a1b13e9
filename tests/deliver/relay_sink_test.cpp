#include "deliver/relay_sink.h"

#include <doctest/doctest.h>

using namespace odmr;
using namespace odmr::deliver;

namespace {

smtp::Reply reply(int code, std::vector<std::string> lines) {
    return {code, std::move(lines)};
}

}  // namespace

TEST_CASE("a 5xx for a recipient is passed on as it was said") {
    auto out =
        relay_reply(reply(550, {"5.1.1 <x@example.org> User doesn't exist: x@example.org"}), true);
    CHECK(out.code == 550);
    CHECK(out.enhanced == "5.1.1");
    CHECK(out.text == "<x@example.org> User doesn't exist: x@example.org");
}

TEST_CASE("a 5xx where permanence is not certain becomes 451 with a 4.x.x code") {
    auto out = relay_reply(reply(554, {"5.5.1 Error: no valid recipients"}), false);
    CHECK(out.code == 451);
    CHECK(out.enhanced == "4.5.1");
    auto syntax = relay_reply(reply(501, {"5.5.4 Syntax error"}), true);
    CHECK(syntax.code == 451);
}

TEST_CASE("mailbox full is temporary, as RFC 5321 and RFC 3463 say") {
    auto out = relay_reply(reply(552, {"5.2.2 <x@example.org> Quota exceeded"}), true);
    CHECK(out.code == 452);
    CHECK(out.enhanced == "4.2.2");
}

TEST_CASE("421 from the local peer never reaches the provider as 421") {
    auto out = relay_reply(reply(421, {"4.3.2 Shutting down"}), true);
    CHECK(out.code == 451);
    CHECK(out.enhanced == "4.3.2");
}

TEST_CASE(
    "a reply without an enhanced code gets X.0.0; multi-line text is joined, control bytes "
    "hidden") {
    auto out = relay_reply(reply(450, {"mailbox busy", "try\tlater"}), true);
    CHECK(out.code == 450);
    CHECK(out.enhanced == "4.0.0");
    CHECK(out.text == "mailbox busy / try?later");
}
