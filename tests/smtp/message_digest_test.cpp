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
