#include "smtp/reply.h"

#include <doctest/doctest.h>

#include <initializer_list>
#include <string_view>

using namespace odmr;
using namespace odmr::smtp;

namespace {

// Feeds lines until the parser has a whole reply; fails the test otherwise.
Reply parse_all(std::initializer_list<std::string_view> lines) {
    ReplyParser parser;
    std::size_t fed = 0;
    for (auto line : lines) {
        auto r = parser.feed(line);
        REQUIRE(r.ok());
        ++fed;
        if (r->has_value()) {
            REQUIRE(fed == lines.size());
            return **r;
        }
    }
    FAIL("the reply never completed");
    return {};
}

// The EHLO answer of Exim 4.99.1 acting as an ODMR provider (plain text).
Reply exim_ehlo() {
    return parse_all({"250-provider.odmr.test Hello customer.example.org [127.0.0.1]",
                      "250-SIZE 209715200", "250-LIMITS MAILMAX=100000", "250-8BITMIME", "250-ATRN",
                      "250-PIPELINING", "250-PIPECONNECT", "250-AUTH CRAM-MD5", "250-CHUNKING",
                      "250-STARTTLS", "250 HELP"});
}

}  // namespace

TEST_CASE("a single-line reply parses into code and text") {
    ReplyParser parser;
    auto r = parser.feed("220 provider.odmr.test ESMTP Exim 4.99.1");
    REQUIRE(r.ok());
    REQUIRE(r->has_value());
    CHECK((*r)->code == 220);
    CHECK((*r)->lines.at(0) == "provider.odmr.test ESMTP Exim 4.99.1");
}

TEST_CASE("a multi-line reply completes only on its last line") {
    ReplyParser parser;
    auto first = parser.feed("250-first");
    REQUIRE(first.ok());
    CHECK_FALSE(first->has_value());
    auto second = parser.feed("250-second");
    REQUIRE(second.ok());
    CHECK_FALSE(second->has_value());
    auto last = parser.feed("250 last");
    REQUIRE(last.ok());
    REQUIRE(last->has_value());
    CHECK((*last)->code == 250);
    CHECK((*last)->lines == std::vector<std::string>{"first", "second", "last"});
}

TEST_CASE("the parser starts afresh after a complete reply") {
    ReplyParser parser;
    REQUIRE(parser.feed("250-one").ok());
    REQUIRE(parser.feed("250 two").ok());
    auto next = parser.feed("354 go ahead");
    REQUIRE(next.ok());
    REQUIRE(next->has_value());
    CHECK((*next)->code == 354);
    CHECK((*next)->lines == std::vector<std::string>{"go ahead"});
}

TEST_CASE("a code that changes within a multi-line reply is a protocol error") {
    ReplyParser parser;
    REQUIRE(parser.feed("250-first").ok());
    auto r = parser.feed("251 second");
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().is(Errc::protocol));
}

TEST_CASE("a separator other than space or hyphen is a protocol error") {
    ReplyParser parser;
    auto r = parser.feed("250+text");
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().is(Errc::protocol));
}

TEST_CASE("a reply code with a non-digit is a protocol error") {
    for (std::string_view line : {"2x0 text", "abc text", "25", "", " 250 text"}) {
        CAPTURE(line);
        ReplyParser parser;
        auto r = parser.feed(line);
        REQUIRE_FALSE(r.ok());
        CHECK(r.error().is(Errc::protocol));
    }
}

TEST_CASE("a reply code outside 2xx-5xx is a protocol error") {
    for (std::string_view line : {"199 text", "600 text", "099 text", "999 text"}) {
        CAPTURE(line);
        ReplyParser parser;
        auto r = parser.feed(line);
        REQUIRE_FALSE(r.ok());
        CHECK(r.error().is(Errc::protocol));
    }
}

TEST_CASE("a bare code without text is a complete reply with an empty line") {
    ReplyParser parser;
    auto r = parser.feed("250");
    REQUIRE(r.ok());
    REQUIRE(r->has_value());
    CHECK((*r)->code == 250);
    CHECK((*r)->lines == std::vector<std::string>{""});
}

TEST_CASE("more than 100 continuation lines is a protocol error") {
    ReplyParser parser;
    for (int i = 0; i < 100; ++i) REQUIRE(parser.feed("250-more").ok());
    auto r = parser.feed("250-one too many");
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().is(Errc::protocol));
}

TEST_CASE("Reply classifies its code and joins its lines") {
    Reply reply{451, {"4.3.0 try", "again later"}};
    CHECK(reply.category() == 4);
    CHECK_FALSE(reply.positive());
    CHECK(reply.text() == "4.3.0 try / again later");
    CHECK(reply.summary() == "451 4.3.0 try / again later");
    CHECK(Reply{334, {"x"}}.positive());
    CHECK(Reply{250, {}}.positive());
    CHECK_FALSE(Reply{530, {}}.positive());
}

TEST_CASE("Capabilities read Exim's EHLO keywords") {
    Capabilities caps(exim_ehlo());
    for (std::string_view keyword : {"SIZE", "LIMITS", "8BITMIME", "ATRN", "PIPELINING",
                                     "PIPECONNECT", "AUTH", "CHUNKING", "STARTTLS", "HELP"}) {
        CAPTURE(keyword);
        CHECK(caps.has(keyword));
    }
    CHECK(caps.params("AUTH") == std::vector<std::string>{"CRAM-MD5"});
    CHECK(caps.params("SIZE") == std::vector<std::string>{"209715200"});
    CHECK(caps.params("LIMITS") == std::vector<std::string>{"MAILMAX=100000"});
    CHECK(caps.params("ATRN").empty());
    CHECK_FALSE(caps.has("BDAT"));
}

TEST_CASE("Capabilities skip the greeting line") {
    Capabilities caps(parse_all({"250-AUTH.example Hello", "250 SIZE 10"}));
    CHECK_FALSE(caps.has("AUTH.example"));
    CHECK_FALSE(caps.has("Hello"));
    CHECK(caps.has("SIZE"));

    Capabilities only_greeting(parse_all({"250 STARTTLS"}));
    CHECK_FALSE(only_greeting.has("STARTTLS"));
}

TEST_CASE("Capabilities are case-insensitive in keywords") {
    Capabilities caps(parse_all({"250-host", "250-auth plain Login", "250 starttls"}));
    CHECK(caps.has("AUTH"));
    CHECK(caps.has("Auth"));
    CHECK(caps.has("STARTTLS"));
    CHECK(caps.params("AUTH") == std::vector<std::string>{"plain", "Login"});
    CHECK(caps.params("auth") == std::vector<std::string>{"plain", "Login"});
}

TEST_CASE("Capabilities join the parameters of a keyword listed twice") {
    Capabilities caps(
        parse_all({"250-host", "250-AUTH PLAIN", "250-AUTH=LOGIN", "250 AUTH CRAM-MD5"}));
    CHECK(caps.params("AUTH") == std::vector<std::string>{"PLAIN", "CRAM-MD5"});
    CHECK(caps.has("AUTH=LOGIN"));
}

TEST_CASE("an empty Capabilities has nothing") {
    Capabilities caps;
    CHECK_FALSE(caps.has("AUTH"));
    CHECK(caps.params("AUTH").empty());
}
