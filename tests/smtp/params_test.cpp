#include "smtp/params.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

using namespace odmr::smtp;

namespace {

using Params = std::vector<Parameter>;

MailParams must_accept_mail(const Params& params) {
    auto checked = check_mail_params(params);
    if (auto* refusal = std::get_if<odmr::mail::Reply>(&checked))
        FAIL("refused: " << refusal->text);
    return std::get<MailParams>(checked);
}

odmr::mail::Reply must_refuse_mail(const Params& params) {
    auto checked = check_mail_params(params);
    REQUIRE(std::holds_alternative<odmr::mail::Reply>(checked));
    return std::get<odmr::mail::Reply>(checked);
}

RcptParams must_accept_rcpt(const Params& params) {
    auto checked = check_rcpt_params(params);
    if (auto* refusal = std::get_if<odmr::mail::Reply>(&checked))
        FAIL("refused: " << refusal->text);
    return std::get<RcptParams>(checked);
}

odmr::mail::Reply must_refuse_rcpt(const Params& params) {
    auto checked = check_rcpt_params(params);
    REQUIRE(std::holds_alternative<odmr::mail::Reply>(checked));
    return std::get<odmr::mail::Reply>(checked);
}

}  // namespace

TEST_CASE("no MAIL parameters means a 7-bit message of unknown size") {
    auto p = must_accept_mail({});
    CHECK_FALSE(p.size.has_value());
    CHECK(p.body == odmr::mail::BodyType::seven_bit);
    CHECK_FALSE(p.smtputf8);
}

TEST_CASE("SIZE is read as a number") {
    CHECK(must_accept_mail({{"SIZE", "12345"}}).size == 12345u);
    CHECK(must_accept_mail({{"SIZE", "0"}}).size == 0u);
}

TEST_CASE("a SIZE that is empty, not a number or too large is a 501") {
    for (std::string value : {"", "12k", "-1", "1 2", "99999999999999999999999"}) {
        CAPTURE(value);
        auto refusal = must_refuse_mail({{"SIZE", value}});
        CHECK(refusal.code == 501);
        CHECK(refusal.enhanced == "5.5.4");
    }
}

TEST_CASE("BODY takes 7BIT, 8BITMIME or BINARYMIME in any case") {
    CHECK(must_accept_mail({{"BODY", "7bit"}}).body == odmr::mail::BodyType::seven_bit);
    CHECK(must_accept_mail({{"BODY", "8BITMIME"}}).body == odmr::mail::BodyType::eight_bit_mime);
    CHECK(must_accept_mail({{"BODY", "binarymime"}}).body == odmr::mail::BodyType::binary_mime);
    CHECK(must_refuse_mail({{"BODY", "QUOTED"}}).code == 501);
}

TEST_CASE("SMTPUTF8 takes no value") {
    CHECK(must_accept_mail({{"SMTPUTF8", ""}}).smtputf8);
    CHECK(must_refuse_mail({{"SMTPUTF8", "yes"}}).code == 501);
}

TEST_CASE("RET and ENVID are checked and accepted") {
    must_accept_mail({{"RET", "FULL"}, {"ENVID", "QQ314159"}});
    must_accept_mail({{"RET", "hdrs"}});
    CHECK(must_refuse_mail({{"RET", "ALL"}}).code == 501);
    CHECK(must_refuse_mail({{"ENVID", ""}}).code == 501);
    CHECK(must_refuse_mail({{"ENVID", "a=b"}}).code == 501);
    CHECK(must_refuse_mail({{"ENVID", std::string(101, 'x')}}).code == 501);
    must_accept_mail({{"ENVID", std::string(100, 'x')}});
}

TEST_CASE("an unknown MAIL parameter is 555") {
    auto refusal = must_refuse_mail({{"XFOO", "1"}});
    CHECK(refusal.code == 555);
    CHECK(refusal.text.find("XFOO") != std::string::npos);
}

TEST_CASE("a repeated MAIL parameter is refused") {
    CHECK(must_refuse_mail({{"SIZE", "1"}, {"SIZE", "2"}}).code == 501);
}

TEST_CASE("RCPT takes NOTIFY and ORCPT") {
    auto p = must_accept_rcpt({{"NOTIFY", "SUCCESS,DELAY"}, {"ORCPT", "rfc822;a+40b@example.org"}});
    CHECK(p.notify == "SUCCESS,DELAY");
    CHECK(p.orcpt == "rfc822;a+40b@example.org");
    must_accept_rcpt({{"NOTIFY", "never"}});
}

TEST_CASE("NOTIFY refuses NEVER in a list, repeats, unknown and empty values") {
    for (std::string value : {"NEVER,SUCCESS", "SUCCESS,SUCCESS", "SOMETIMES", "", "SUCCESS,"}) {
        CAPTURE(value);
        CHECK(must_refuse_rcpt({{"NOTIFY", value}}).code == 501);
    }
}

TEST_CASE("ORCPT needs a type, a semicolon and an xtext address") {
    for (std::string value : {"a@example.org", ";a@example.org", "rfc822;", "rfc822;a=b"}) {
        CAPTURE(value);
        CHECK(must_refuse_rcpt({{"ORCPT", value}}).code == 501);
    }
}

TEST_CASE("an unknown RCPT parameter is 555 and a repeated one 501") {
    CHECK(must_refuse_rcpt({{"XFOO", ""}}).code == 555);
    CHECK(must_refuse_rcpt({{"NOTIFY", "NEVER"}, {"NOTIFY", "NEVER"}}).code == 501);
}

TEST_CASE("is_xtext accepts printable ASCII and +XX escapes") {
    CHECK(is_xtext("abc+2Bdef"));
    CHECK(is_xtext(""));
    CHECK_FALSE(is_xtext("a=b"));
    CHECK_FALSE(is_xtext("a b"));
    CHECK_FALSE(is_xtext("a+"));
    CHECK_FALSE(is_xtext("a+2"));
    CHECK_FALSE(is_xtext("a+2b"));  // hex digits are upper case
    CHECK_FALSE(is_xtext("\xc3\xa9"));
}

TEST_CASE("is_ascii") {
    CHECK(is_ascii("plain@example.org"));
    CHECK(is_ascii(""));
    CHECK_FALSE(is_ascii("j\xc3\xb6rg"));
}

TEST_CASE("is_utf8 accepts well-formed UTF-8") {
    CHECK(is_utf8("plain"));
    CHECK(is_utf8("j\xc3\xb6rg"));       // U+00F6
    CHECK(is_utf8("\xe2\x82\xac"));      // U+20AC
    CHECK(is_utf8("\xf0\x9f\x93\xa7"));  // U+1F4E7
    CHECK(is_utf8("\xf4\x8f\xbf\xbf"));  // U+10FFFF
}

TEST_CASE("is_utf8 refuses truncated, overlong, surrogate and out-of-range sequences") {
    CHECK_FALSE(is_utf8("\xc3"));              // truncated at the end
    CHECK_FALSE(is_utf8("\xe2\x82"));          // truncated at the end
    CHECK_FALSE(is_utf8("\xc3x"));             // not a continuation byte
    CHECK_FALSE(is_utf8("\xc0\xaf"));          // overlong '/'
    CHECK_FALSE(is_utf8("\xe0\x80\xaf"));      // overlong '/'
    CHECK_FALSE(is_utf8("\xf0\x80\x80\xaf"));  // overlong '/'
    CHECK_FALSE(is_utf8("\xed\xa0\x80"));      // U+D800, a surrogate
    CHECK_FALSE(is_utf8("\xf4\x90\x80\x80"));  // U+110000
    CHECK_FALSE(is_utf8("\x80"));              // a lone continuation byte
    CHECK_FALSE(is_utf8("\xff"));
}

TEST_CASE("parse_bdat reads a size and an optional LAST") {
    auto plain = parse_bdat("100");
    REQUIRE(plain.has_value());
    CHECK(plain->size == 100);
    CHECK_FALSE(plain->last);
    auto last = parse_bdat("0 last");
    REQUIRE(last.has_value());
    CHECK(last->size == 0);
    CHECK(last->last);
}

TEST_CASE("parse_bdat refuses anything else") {
    for (std::string_view argument :
         {"", "LAST", "10 FIRST", "10 LAST more", "-1", "1e3", "0x10", "999999999999999999999"}) {
        CAPTURE(argument);
        CHECK_FALSE(parse_bdat(argument).has_value());
    }
}
