#include "smtp/message_digest.h"

#include <doctest/doctest.h>

#include <string>

using odmr::mail::Envelope;
using odmr::smtp::Fingerprint;
using odmr::smtp::MessageDigest;
using odmr::smtp::provider_trace;

namespace {

const std::string exim_received =
    "Received: from [192.0.2.7] (helo=origin.test)\r\n"
    "\tby provider.odmr.test with esmtpsa (Exim 4.99.1)\r\n"
    "\t(envelope-from <sender@origin.test>)\r\n"
    "\tid 1vQ2Ab-000123-4x\r\n"
    "\tfor alice@example.org;\r\n"
    "\tTue, 01 Dec 2026 11:00:00 +0000\r\n";
const std::string rest = "Subject: hi\r\n\r\nHello.\r\n";

Envelope envelope(std::string sender = "sender@origin.test") {
    Envelope e;
    e.sender = std::move(sender);
    e.recipients = {"alice@example.org", "bob@example.org"};
    return e;
}

std::optional<Fingerprint> digest_in_pieces(const Envelope& e, const std::string& data,
                                            std::size_t piece) {
    MessageDigest digest(e);
    for (std::size_t at = 0; at < data.size(); at += piece)
        digest.update(std::span(data).subspan(at, std::min(piece, data.size() - at)));
    return digest.finish();
}

}  // namespace

TEST_CASE("the trace is the queue id of an Exim or Postfix Received field") {
    CHECK(provider_trace(exim_received.substr(0, exim_received.size() - 2)) == "1vQ2Ab-000123-4x");
    CHECK(provider_trace("Received: from a (a [192.0.2.1])\r\n\tby mx.example (Postfix) with "
                         "ESMTPS id 4Xf1Lz0Tq9z9rxR;\r\n\tTue, 1 Dec 2026") == "4Xf1Lz0Tq9z9rxR");
    CHECK(provider_trace("received: by x ID abc") == "abc");
    CHECK(provider_trace("Received: from a by b; Tue, 1 Dec 2026").empty());
    CHECK(provider_trace("Subject: id 5").empty());
    CHECK(provider_trace("Received: by x id \x1b[2J").empty());
}

TEST_CASE("the digest is the same whatever the chunks, and covers envelope and data") {
    std::string data = exim_received + rest;
    auto whole = digest_in_pieces(envelope(), data, data.size());
    REQUIRE(whole);
    CHECK(whole->trace == "1vQ2Ab-000123-4x");
    for (std::size_t piece : {1, 2, 7, 64}) {
        auto pieces = digest_in_pieces(envelope(), data, piece);
        REQUIRE(pieces);
        CHECK(pieces->digest == whole->digest);
        CHECK(pieces->trace == whole->trace);
    }
    auto other_sender = digest_in_pieces(envelope("x@origin.test"), data, 64);
    REQUIRE(other_sender);
    CHECK(other_sender->digest != whole->digest);
    auto other_body = digest_in_pieces(envelope(), data + "more\r\n", 64);
    REQUIRE(other_body);
    CHECK(other_body->digest != whole->digest);
    Envelope reordered = envelope();
    std::swap(reordered.recipients[0], reordered.recipients[1]);
    CHECK(digest_in_pieces(reordered, data, 64)->digest == whole->digest);
}

TEST_CASE("identical bodies with different provider queue ids differ") {
    std::string second = exim_received;
    second.replace(second.find("000123"), 6, "000124");
    auto a = digest_in_pieces(envelope(), exim_received + rest, 64);
    auto b = digest_in_pieces(envelope(), second + rest, 64);
    REQUIRE(a);
    REQUIRE(b);
    CHECK(a->digest != b->digest);
    CHECK(a->trace != b->trace);
}

TEST_CASE("a message without a provider Received field has no fingerprint") {
    CHECK_FALSE(digest_in_pieces(envelope(), rest, 64));
    CHECK_FALSE(digest_in_pieces(envelope(), "Subject: x\r\n" + exim_received + "\r\nb\r\n", 3));
    CHECK_FALSE(digest_in_pieces(envelope(), "Received: from a by b; Tue\r\n\r\nb\r\n", 5));
    std::string huge = "Received: by x id abc\r\n" + std::string(5000, ' ') + "\r\n\r\nb\r\n";
    huge.replace(23, 0, "\t");  // a folded field longer than we look at
    CHECK_FALSE(digest_in_pieces(envelope(), huge, 100));
    CHECK_FALSE(digest_in_pieces(envelope(), "", 1));
}

// The identity is trace + envelope + header section + length (message_digest.h):
// a provider re-sends a message from its spool, headers byte for byte, so the
// body is counted, not hashed.
TEST_CASE("the same header section and length with other bodies are the same identity") {
    std::string head = exim_received + "Subject: hi\r\n\r\n";
    for (std::size_t piece : {1, 3, 64, 4096}) {
        CAPTURE(piece);
        auto a = digest_in_pieces(envelope(), head + "Hello.\r\n", piece);
        auto b = digest_in_pieces(envelope(), head + "Howdy.\r\n", piece);
        REQUIRE(a);
        REQUIRE(b);
        CHECK(a->digest == b->digest);
    }
}

TEST_CASE("another length, header field or recipient is another identity") {
    std::string head = exim_received + "Subject: hi\r\n\r\n";
    auto a = digest_in_pieces(envelope(), head + "Hello.\r\n", 5);
    REQUIRE(a);
    auto longer = digest_in_pieces(envelope(), head + "Hello!!\r\n", 5);
    REQUIRE(longer);
    CHECK(longer->digest != a->digest);
    auto other_subject =
        digest_in_pieces(envelope(), exim_received + "Subject: ho\r\n\r\nHello.\r\n", 5);
    REQUIRE(other_subject);
    CHECK(other_subject->digest != a->digest);
    Envelope one = envelope();
    one.recipients.pop_back();
    auto fewer = digest_in_pieces(one, head + "Hello.\r\n", 5);
    REQUIRE(fewer);
    CHECK(fewer->digest != a->digest);
}

TEST_CASE("the header section ends at the first empty line, wherever the updates split it") {
    // The body repeats an empty line; only the first one ends the section.
    std::string head = exim_received + "Subject: hi\r\n\r\n";
    std::string body_a = "one\r\n\r\ntwo\r\n";
    std::string body_b = "uno\r\n\r\ndos\r\n";
    auto whole = digest_in_pieces(envelope(), head + body_a, 1 << 20);
    REQUIRE(whole);
    for (std::size_t piece = 1; piece <= 9; ++piece) {
        CAPTURE(piece);
        auto a = digest_in_pieces(envelope(), head + body_a, piece);
        auto b = digest_in_pieces(envelope(), head + body_b, piece);
        REQUIRE(a);
        REQUIRE(b);
        CHECK(a->digest == whole->digest);
        CHECK(b->digest == whole->digest);
    }
}

TEST_CASE("a header section over the bound is hashed up to the bound") {
    std::string head =
        exim_received + "X-Long: " + std::string(odmr::smtp::max_header_section, 'a');
    auto a = digest_in_pieces(envelope(), head + "b\r\n\r\nbody\r\n", 1000);
    auto b = digest_in_pieces(envelope(), head + "c\r\n\r\nbody\r\n", 1000);
    REQUIRE(a);
    REQUIRE(b);
    CHECK(a->digest == b->digest);
    CHECK(a->trace == "1vQ2Ab-000123-4x");
}

TEST_CASE("a message without a trace is decided at its first field and never hashed") {
    // Decided on the first octets: whatever follows, even a provider's field,
    // finish() has nothing.
    MessageDigest digest(envelope());
    std::string first = "Subject: x\r\n";
    digest.update(first);
    digest.update(exim_received);
    digest.update(std::string(100000, 'b'));
    CHECK_FALSE(digest.finish());
    // A Received field without an id: decided once that field is complete.
    MessageDigest no_id(envelope());
    no_id.update(std::string_view("Received: from a by b; Tue"));
    no_id.update(std::string_view("\r\n"));
    no_id.update(std::string_view("\tfolded\r\nSubject: id 5\r\n\r\n"));
    CHECK_FALSE(no_id.finish());
}

TEST_CASE("a message that is its Received field alone has a fingerprint") {
    auto only = digest_in_pieces(envelope(), exim_received, 10);
    REQUIRE(only);
    CHECK(only->trace == "1vQ2Ab-000123-4x");
    auto whole = digest_in_pieces(envelope(), exim_received, exim_received.size());
    REQUIRE(whole);
    CHECK(whole->digest == only->digest);
}
