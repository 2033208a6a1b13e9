// What the provider is told when the local server refuses: properties that
// tests/fuzz/local_reply_fuzz.cpp checks on arbitrary replies, on real ones.
#include "deliver/relay_reply.h"

#include <doctest/doctest.h>

#include <string>

using namespace odmr;
using namespace odmr::deliver;

namespace {

smtp::Reply reply(int code, std::vector<std::string> lines) {
    return {code, std::move(lines)};
}

}  // namespace

TEST_CASE("a local server's terminal escapes and long texts do not reach the provider") {
    auto out = relay_reply(reply(451, {"4.3.0 \x1b[31mTemporary\x07",
                                       "4.3.0 lookup failure " + std::string(400, 'x')}),
                           true);
    CHECK(out.code == 451);
    CHECK(out.enhanced == "4.3.0");
    CHECK(out.text.starts_with("?[31mTemporary? / lookup failure xxx"));
    CHECK(out.text.size() == 300);
}

TEST_CASE("a 2xx or 3xx where a refusal was expected is still a temporary refusal") {
    for (int code : {250, 354, 221}) {
        auto out = relay_reply(reply(code, {"2.0.0 Ok"}), true);
        CHECK(out.code == 451);
        CHECK(out.enhanced == "4.0.0");
    }
}

TEST_CASE("an enhanced code of the wrong class follows the reply's class") {
    auto permanent = relay_reply(reply(550, {"4.2.0 odd"}), true);
    CHECK(permanent.code == 550);
    CHECK(permanent.enhanced == "5.0.0");
    auto temporary = relay_reply(reply(550, {"5.7.1 no"}), false);
    CHECK(temporary.code == 451);
    CHECK(temporary.enhanced == "4.7.1");
    auto empty = relay_reply(reply(554, {}), true);
    CHECK(empty.text == "Local delivery refused");
}
