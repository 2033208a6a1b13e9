#include "smtp/command.h"

#include <doctest/doctest.h>

#include <string>
#include <string_view>

using namespace odmr;
using namespace odmr::smtp;

namespace {

PathArgument must_parse(std::string_view argument, std::string_view prefix, bool allow_null) {
    auto parsed = parse_path_argument(argument, prefix, allow_null);
    REQUIRE_MESSAGE(parsed.ok(), parsed.error().message());
    return *parsed;
}

void check_refused(std::string_view argument, std::string_view prefix, bool allow_null) {
    CAPTURE(argument);
    auto parsed = parse_path_argument(argument, prefix, allow_null);
    REQUIRE_FALSE(parsed.ok());
    CHECK(parsed.error().is(Errc::protocol));
}

}  // namespace

TEST_CASE("verbs are recognised in any case") {
    CHECK(parse_command("MAIL FROM:<a@b>").verb == Verb::mail);
    CHECK(parse_command("mail FROM:<a@b>").verb == Verb::mail);
    CHECK(parse_command("Rcpt TO:<a@b>").verb == Verb::rcpt);
    CHECK(parse_command("ehlo provider.test").verb == Verb::ehlo);
    CHECK(parse_command("HELO provider.test").verb == Verb::helo);
    CHECK(parse_command("data").verb == Verb::data);
    CHECK(parse_command("BDAT 10 LAST").verb == Verb::bdat);
    CHECK(parse_command("RSET").verb == Verb::rset);
    CHECK(parse_command("NoOp").verb == Verb::noop);
    CHECK(parse_command("quit").verb == Verb::quit);
    CHECK(parse_command("VRFY x").verb == Verb::vrfy);
    CHECK(parse_command("EXPN x").verb == Verb::expn);
    CHECK(parse_command("HELP").verb == Verb::help);
    CHECK(parse_command("StartTLS").verb == Verb::starttls);
    CHECK(parse_command("AUTH PLAIN").verb == Verb::auth);
}

TEST_CASE("unknown verbs and verb prefixes are Verb::unknown") {
    CHECK(parse_command("XYZZY").verb == Verb::unknown);
    CHECK(parse_command("MAILFROM:<a@b>").verb == Verb::unknown);
    CHECK(parse_command("QUI").verb == Verb::unknown);
    CHECK(parse_command("").verb == Verb::unknown);
}

TEST_CASE("the argument is the text after the verb, trimmed") {
    CHECK(parse_command("RCPT   TO:<a@b>  ").argument == "TO:<a@b>");
    CHECK(parse_command("EHLO \tprovider.test\t").argument == "provider.test");
    CHECK(parse_command("MAIL FROM:<a@b> SIZE=10").argument == "FROM:<a@b> SIZE=10");
    CHECK(parse_command("QUIT").argument.empty());
    CHECK(parse_command("NOOP   ").argument.empty());
}

TEST_CASE("MAIL FROM accepts the null reverse-path") {
    auto path = must_parse("FROM:<>", "FROM:", true);
    CHECK(path.address.empty());
    CHECK(path.params.empty());
}

TEST_CASE("RCPT TO refuses the null path") {
    check_refused("TO:<>", "TO:", false);
}

TEST_CASE("a plain address is returned without brackets") {
    auto path = must_parse("TO:<alice@example.org>", "TO:", false);
    CHECK(path.address == "alice@example.org");
}

TEST_CASE("the FROM:/TO: prefix is case-insensitive") {
    CHECK(must_parse("from:<a@b.example>", "FROM:", true).address == "a@b.example");
    CHECK(must_parse("To:<a@b.example>", "TO:", false).address == "a@b.example");
}

TEST_CASE("a space between the colon and the path is tolerated") {
    CHECK(must_parse("FROM: <a@b.example>", "FROM:", true).address == "a@b.example");
}

TEST_CASE("an obsolete source route is stripped") {
    CHECK(must_parse("TO:<@relay.example:alice@example.org>", "TO:", false).address ==
          "alice@example.org");
    CHECK(must_parse("TO:<@one.example,@two.example:alice@example.org>", "TO:", false).address ==
          "alice@example.org");
}

TEST_CASE("a source route without its colon is refused") {
    check_refused("TO:<@relay.example>", "TO:", false);
}

TEST_CASE("a quoted local part may contain '>' and spaces") {
    auto path = must_parse("FROM:<\"odd> name\"@example.org> SIZE=5", "FROM:", true);
    CHECK(path.address == "\"odd> name\"@example.org");
    REQUIRE(path.params.size() == 1);
    CHECK(path.params[0].keyword == "SIZE");
}

TEST_CASE("a backslash-escaped quote inside a quoted local part does not end it") {
    auto path = must_parse(R"(FROM:<"a\">b"@example.org>)", "FROM:", true);
    CHECK(path.address == R"("a\">b"@example.org)");
}

TEST_CASE("ESMTP parameters are split, keywords upper-cased, values kept") {
    auto path = must_parse("FROM:<a@b.example> size=12345 BODY=8BITMIME smtputf8", "FROM:", true);
    REQUIRE(path.params.size() == 3);
    CHECK(path.params[0].keyword == "SIZE");
    CHECK(path.params[0].value == "12345");
    CHECK(path.params[1].keyword == "BODY");
    CHECK(path.params[1].value == "8BITMIME");
    CHECK(path.params[2].keyword == "SMTPUTF8");
    CHECK(path.params[2].value.empty());
}

TEST_CASE("a parameter value keeps its case") {
    auto path = must_parse("FROM:<a@b.example> ENVID=AbC", "FROM:", true);
    REQUIRE(path.params.size() == 1);
    CHECK(path.params[0].value == "AbC");
}

TEST_CASE("a parameter without a name is refused") {
    check_refused("FROM:<a@b.example> =8BITMIME", "FROM:", true);
}

TEST_CASE("a path without angle brackets is refused") {
    check_refused("FROM:a@b.example", "FROM:", true);
    check_refused("TO:alice@example.org", "TO:", false);
    check_refused("FROM:<a@b.example", "FROM:", true);
    check_refused("FROM:", "FROM:", true);
}

TEST_CASE("a missing or wrong prefix is refused") {
    check_refused("<a@b.example>", "FROM:", true);
    check_refused("TO:<a@b.example>", "FROM:", true);
}

TEST_CASE("control characters in an address are refused") {
    check_refused(std::string_view("TO:<al\x01ice@example.org>"), "TO:", false);
    check_refused(std::string_view("TO:<alice@exa\rmple.org>"), "TO:", false);
    check_refused(std::string_view("TO:<alice@example.org\x7f>"), "TO:", false);
    check_refused(std::string_view("TO:<\"a\tb\"@example.org>"), "TO:", false);
}

TEST_CASE("an unquoted space or '<' inside the path is refused") {
    check_refused("TO:<alice @example.org>", "TO:", false);
    check_refused("TO:<<alice@example.org>>", "TO:", false);
}

TEST_CASE("an address must be local@domain") {
    check_refused("TO:<alice>", "TO:", false);
    check_refused("TO:<alice@>", "TO:", false);
    check_refused("FROM:<@example.org>", "FROM:", true);
}
