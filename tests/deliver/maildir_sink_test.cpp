#include "deliver/maildir_sink.h"
#include "deliver/maildir.h"

#include <doctest/doctest.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <span>
#include <string>
#include <vector>

#include "support/asio_harness.h"

using namespace odmr;
using namespace odmr::deliver;
using namespace odmr::mail;
namespace fs = std::filesystem;

namespace {

struct TempDir {
    fs::path path;
    TempDir() {
        std::string pattern = (fs::temp_directory_path() / "odmr-maildir-XXXXXX").string();
        REQUIRE(::mkdtemp(pattern.data()) != nullptr);
        path = pattern;
    }
    ~TempDir() {
        std::error_code ignored;
        fs::remove_all(path, ignored);
    }
};

std::vector<fs::path> files_in(const fs::path& dir) {
    std::vector<fs::path> out;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(dir, ec)) out.push_back(entry.path());
    return out;
}

std::string contents(const fs::path& file) {
    std::ifstream in(file, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::span<const char> bytes(std::string_view s) {
    return {s.data(), s.size()};
}

const Log quiet(0, nullptr);

Envelope envelope() {
    Envelope e;
    e.sender = "sender@origin.test";
    e.recipients = {"alice@example.org"};
    e.received =
        "Received: from provider.test\r\n\tby customer.test; Sun, 1 Mar 2026 10:00:00 +0000\r\n";
    e.id = "abc123";
    return e;
}

const std::string stored_head =
    "Return-Path: <sender@origin.test>\n"
    "Delivered-To: alice@example.org\n"
    "Received: from provider.test\n\tby customer.test; Sun, 1 Mar 2026 10:00:00 +0000\n";

void must(Status status) {
    REQUIRE_MESSAGE(status.ok(), status.error().message());
}

// Delivers one message given as chunks and returns the stored file's bytes.
std::string deliver_message(MaildirSink& sink, const fs::path& maildir,
                            std::initializer_list<std::string_view> chunks) {
    auto before = files_in(maildir / "new");
    must(test::run(sink.begin(envelope())));
    for (auto chunk : chunks) must(test::run(sink.write(bytes(chunk))));
    must(test::run(sink.commit()));
    must(test::run(sink.sync()));
    auto after = files_in(maildir / "new");
    REQUIRE(after.size() == before.size() + 1);
    for (const auto& file : after) {
        if (std::find(before.begin(), before.end(), file) == before.end()) return contents(file);
    }
    FAIL("no new file");
    return {};
}

}  // namespace

TEST_CASE("ensure_maildir creates the Maildir and its parents with cur, new and tmp") {
    TempDir dir;
    auto maildir = dir.path / "a" / "b" / "Maildir";
    must(ensure_maildir(maildir.string()));
    for (const char* sub : {"cur", "new", "tmp"}) {
        CAPTURE(sub);
        CHECK(fs::is_directory(maildir / sub));
    }
    struct stat st {};
    REQUIRE(::stat(maildir.c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0700);
}

TEST_CASE("ensure_maildir accepts an existing Maildir") {
    TempDir dir;
    must(ensure_maildir((dir.path / "Maildir").string()));
    must(ensure_maildir((dir.path / "Maildir").string()));
}

TEST_CASE("MaildirSink creates the Maildir on first begin()") {
    TempDir dir;
    auto maildir = dir.path / "Maildir";
    MaildirSink sink(maildir.string(), "customer.test", quiet);
    must(test::run(sink.begin(envelope())));
    CHECK(fs::is_directory(maildir / "cur"));
    CHECK(fs::is_directory(maildir / "new"));
    CHECK(files_in(maildir / "tmp").size() == 1);
    sink.abort();
}

TEST_CASE("a committed message is in new/ and nothing is left in tmp/") {
    TempDir dir;
    auto maildir = dir.path / "Maildir";
    MaildirSink sink(maildir.string(), "customer.test", quiet);
    deliver_message(sink, maildir, {"Subject: hi\r\n\r\nHello\r\n"});
    CHECK(files_in(maildir / "new").size() == 1);
    CHECK(files_in(maildir / "tmp").empty());
    CHECK(files_in(maildir / "cur").empty());
}

TEST_CASE(
    "the stored message is Return-Path, Delivered-To, Received, then the body with LF line ends") {
    TempDir dir;
    auto maildir = dir.path / "Maildir";
    MaildirSink sink(maildir.string(), "customer.test", quiet);
    auto stored = deliver_message(sink, maildir, {"Subject: hi\r\n\r\nline one\r\nline two\r\n"});
    CHECK(stored == stored_head + "Subject: hi\n\nline one\nline two\n");
}

TEST_CASE("the null sender is stored as Return-Path: <>") {
    TempDir dir;
    auto maildir = dir.path / "Maildir";
    MaildirSink sink(maildir.string(), "customer.test", quiet);
    auto e = envelope();
    e.sender.clear();
    must(test::run(sink.begin(e)));
    must(test::run(sink.write(bytes("x\r\n"))));
    must(test::run(sink.commit()));
    must(test::run(sink.sync()));
    auto files = files_in(maildir / "new");
    REQUIRE(files.size() == 1);
    CHECK(contents(files[0]).starts_with("Return-Path: <>\n"));
}

TEST_CASE("a bare CR in the body is kept") {
    TempDir dir;
    auto maildir = dir.path / "Maildir";
    MaildirSink sink(maildir.string(), "customer.test", quiet);
    auto stored = deliver_message(sink, maildir, {"a\rb\r\r\n"});
    CHECK(stored == stored_head + "a\rb\r\n");
}

TEST_CASE("a CR ending one chunk and an LF starting the next become one LF") {
    TempDir dir;
    auto maildir = dir.path / "Maildir";
    MaildirSink sink(maildir.string(), "customer.test", quiet);
    auto stored = deliver_message(sink, maildir, {"one\r", "\ntwo\r", "x\r\n"});
    CHECK(stored == stored_head + "one\ntwo\rx\n");
}

TEST_CASE("a CR at the very end of the message is kept") {
    TempDir dir;
    auto maildir = dir.path / "Maildir";
    MaildirSink sink(maildir.string(), "customer.test", quiet);
    auto stored = deliver_message(sink, maildir, {"end\r"});
    CHECK(stored == stored_head + "end\r");
}

TEST_CASE("a body larger than the write buffer is stored whole") {
    TempDir dir;
    auto maildir = dir.path / "Maildir";
    MaildirSink sink(maildir.string(), "customer.test", quiet);
    std::string line(998, 'x');
    std::string body;
    std::string expected;
    for (int i = 0; i < 300; ++i) {
        body += line + "\r\n";
        expected += line + "\n";
    }
    std::string_view view(body);
    auto stored = deliver_message(sink, maildir, {view.substr(0, 70001), view.substr(70001)});
    CHECK(stored.size() == stored_head.size() + expected.size());
    CHECK(stored == stored_head + expected);
}

TEST_CASE("abort() leaves nothing in tmp/ or new/") {
    TempDir dir;
    auto maildir = dir.path / "Maildir";
    MaildirSink sink(maildir.string(), "customer.test", quiet);
    must(test::run(sink.begin(envelope())));
    must(test::run(sink.write(bytes("partial body\r\n"))));
    REQUIRE(files_in(maildir / "tmp").size() == 1);
    sink.abort();
    CHECK(files_in(maildir / "tmp").empty());
    CHECK(files_in(maildir / "new").empty());
}

TEST_CASE("destroying a sink mid-message removes its tmp/ file") {
    TempDir dir;
    auto maildir = dir.path / "Maildir";
    {
        MaildirSink sink(maildir.string(), "customer.test", quiet);
        must(test::run(sink.begin(envelope())));
        must(test::run(sink.write(bytes("partial"))));
    }
    CHECK(files_in(maildir / "tmp").empty());
    CHECK(files_in(maildir / "new").empty());
}

TEST_CASE("write() and commit() without begin() are errors") {
    TempDir dir;
    MaildirSink sink((dir.path / "Maildir").string(), "customer.test", quiet);
    CHECK_FALSE(test::run(sink.write(bytes("x"))).ok());
    CHECK_FALSE(test::run(sink.commit()).ok());
}

TEST_CASE("commit() after abort() is an error and stores nothing") {
    TempDir dir;
    auto maildir = dir.path / "Maildir";
    MaildirSink sink(maildir.string(), "customer.test", quiet);
    must(test::run(sink.begin(envelope())));
    sink.abort();
    CHECK_FALSE(test::run(sink.commit()).ok());
    CHECK(files_in(maildir / "new").empty());
}

TEST_CASE("begin() fails with a storage error when the Maildir cannot be created") {
    TempDir dir;
    auto file = dir.path / "somefile";
    std::ofstream(file) << "not a directory\n";
    MaildirSink sink((file / "Maildir").string(), "customer.test", quiet);
    auto begun = test::run(sink.begin(envelope()));
    REQUIRE_FALSE(begun.ok());
    CHECK(begun.error().is(Errc::storage));
}

TEST_CASE("begin() fails when the Maildir path is a regular file") {
    TempDir dir;
    auto file = dir.path / "Maildir";
    std::ofstream(file) << "not a directory\n";
    MaildirSink sink(file.string(), "customer.test", quiet);
    auto begun = test::run(sink.begin(envelope()));
    REQUIRE_FALSE(begun.ok());
    CHECK(begun.error().is(Errc::storage));
}

TEST_CASE("two messages are stored in two distinct files") {
    TempDir dir;
    auto maildir = dir.path / "Maildir";
    MaildirSink sink(maildir.string(), "customer.test", quiet);
    auto first = deliver_message(sink, maildir, {"first\r\n"});
    auto second = deliver_message(sink, maildir, {"second\r\n"});
    CHECK(first == stored_head + "first\n");
    CHECK(second == stored_head + "second\n");
    auto files = files_in(maildir / "new");
    REQUIRE(files.size() == 2);
    CHECK(files[0].filename() != files[1].filename());
    CHECK(files_in(maildir / "tmp").empty());
}

TEST_CASE("a new begin() discards an unfinished message") {
    TempDir dir;
    auto maildir = dir.path / "Maildir";
    MaildirSink sink(maildir.string(), "customer.test", quiet);
    must(test::run(sink.begin(envelope())));
    must(test::run(sink.write(bytes("abandoned\r\n"))));
    auto stored = deliver_message(sink, maildir, {"kept\r\n"});
    CHECK(stored == stored_head + "kept\n");
    CHECK(files_in(maildir / "tmp").empty());
}

TEST_CASE("stored files are readable by their owner only") {
    TempDir dir;
    auto maildir = dir.path / "Maildir";
    MaildirSink sink(maildir.string(), "customer.test", quiet);
    deliver_message(sink, maildir, {"x\r\n"});
    auto files = files_in(maildir / "new");
    REQUIRE(files.size() == 1);
    struct stat st {};
    REQUIRE(::stat(files[0].c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0600);
}

// ---- routing by recipient ---------------------------------------------------

namespace {

Envelope to(std::vector<std::string> recipients) {
    Envelope e = envelope();
    e.recipients = std::move(recipients);
    return e;
}

Status deliver_to(MaildirSink& sink, const Envelope& e, std::string_view body) {
    auto begun = test::run(sink.begin(e));
    if (!begun) return begun;
    if (auto written = test::run(sink.write(bytes(body))); !written) return written;
    if (auto committed = test::run(sink.commit()); !committed) return committed;
    return test::run(sink.sync());
}

std::vector<std::string> stored_in(const fs::path& maildir) {
    std::vector<std::string> out;
    for (const auto& file : files_in(maildir / "new")) out.push_back(contents(file));
    return out;
}

}  // namespace

TEST_CASE("each Maildir of a pattern gets its own copy with its own Delivered-To lines") {
    TempDir dir;
    MaildirSink sink((dir.path / "{domain}" / "{local}").string(), "customer.test", quiet);
    must(deliver_to(sink, to({"alice@example.org", "bob@example.org", "Alice.B@Example.COM"}),
                    "Hi\r\n"));
    auto alice = stored_in(dir.path / "example.org" / "alice");
    auto bob = stored_in(dir.path / "example.org" / "bob");
    auto other = stored_in(dir.path / "example.com" / "alice.b");
    REQUIRE(alice.size() == 1);
    REQUIRE(bob.size() == 1);
    REQUIRE(other.size() == 1);
    std::string received =
        "Received: from provider.test\n\tby customer.test; Sun, 1 Mar 2026 10:00:00 +0000\n";
    CHECK(alice[0] == "Return-Path: <sender@origin.test>\nDelivered-To: alice@example.org\n" +
                          received + "Hi\n");
    CHECK(bob[0] ==
          "Return-Path: <sender@origin.test>\nDelivered-To: bob@example.org\n" + received + "Hi\n");
    CHECK(other[0] == "Return-Path: <sender@origin.test>\nDelivered-To: Alice.B@Example.COM\n" +
                          received + "Hi\n");
    for (const auto& d : {"example.org/alice", "example.org/bob", "example.com/alice.b"})
        CHECK(files_in(dir.path / d / "tmp").empty());
}

TEST_CASE("recipients sharing a Maildir share one file") {
    TempDir dir;
    MaildirSink sink((dir.path / "{domain}").string(), "customer.test", quiet);
    must(deliver_to(sink, to({"alice@example.org", "bob@example.org"}), "Hi\r\n"));
    auto stored = stored_in(dir.path / "example.org");
    REQUIRE(stored.size() == 1);
    CHECK(stored[0].find("Delivered-To: alice@example.org\nDelivered-To: bob@example.org\n") !=
          std::string::npos);
}

TEST_CASE("a body larger than the write buffer reaches every copy whole") {
    TempDir dir;
    MaildirSink sink((dir.path / "{local}").string(), "customer.test", quiet);
    std::string body;
    for (int i = 0; body.size() < 300000; ++i) body += "line " + std::to_string(i) + "\r\n";
    must(deliver_to(sink, to({"a@example.org", "b@example.org"}), body));
    std::string expected;
    for (std::size_t i = 0; i < body.size(); ++i)
        if (body[i] != '\r') expected += body[i];
    for (const char* who : {"a", "b"}) {
        auto stored = stored_in(dir.path / who);
        REQUIRE(stored.size() == 1);
        CHECK(stored[0].ends_with(expected));
    }
}

TEST_CASE("when one Maildir cannot take the message, none keeps a copy") {
    TempDir dir;
    fs::create_directories(dir.path / "alice");
    std::ofstream(dir.path / "bob") << "a file where bob's Maildir should be\n";
    MaildirSink sink((dir.path / "{local}").string(), "customer.test", quiet);
    auto status = deliver_to(sink, to({"alice@example.org", "bob@example.org"}), "Hi\r\n");
    REQUIRE_FALSE(status.ok());
    CHECK(status.error().is(Errc::storage));
    CHECK(files_in(dir.path / "alice" / "new").empty());
    CHECK(files_in(dir.path / "alice" / "tmp").empty());
    // Once bob's Maildir can be made, the retry delivers both, once each.
    fs::remove(dir.path / "bob");
    must(deliver_to(sink, to({"alice@example.org", "bob@example.org"}), "Hi\r\n"));
    CHECK(stored_in(dir.path / "alice").size() == 1);
    CHECK(stored_in(dir.path / "bob").size() == 1);
}

TEST_CASE("a failure while publishing removes the copies already in new/") {
    TempDir dir;
    MaildirSink sink((dir.path / "{local}").string(), "customer.test", quiet);
    must(deliver_to(sink, to({"a@example.org", "b@example.org"}), "first\r\n"));
    // b's new/ replaced by a file: the link into it fails after a's succeeded.
    fs::remove_all(dir.path / "b" / "new");
    std::ofstream(dir.path / "b" / "new") << "in the way\n";
    auto status = deliver_to(sink, to({"a@example.org", "b@example.org"}), "second\r\n");
    REQUIRE_FALSE(status.ok());
    auto a = stored_in(dir.path / "a");
    REQUIRE(a.size() == 1);
    CHECK(a[0].ends_with("first\n"));
    CHECK(files_in(dir.path / "a" / "tmp").empty());
    CHECK(files_in(dir.path / "b" / "tmp").empty());
}

TEST_CASE("stale files in tmp/ are removed when a Maildir is first used") {
    TempDir dir;
    auto maildir = dir.path / "Maildir";
    must(ensure_maildir(maildir.string()));
    auto old_file = maildir / "tmp" / "1700000000.M000001P42Q1R0123456789abcdef.old.test";
    auto new_file = maildir / "tmp" / "1700000000.M000002P42Q2R0123456789abcdef.recent.test";
    std::ofstream(old_file) << "x";
    std::ofstream(new_file) << "y";
    auto ago = [](int hours) {
        timespec t{::time(nullptr) - hours * 3600, 0};
        return t;
    };
    timespec old_times[2] = {ago(40), ago(40)};
    timespec new_times[2] = {ago(35), ago(35)};
    REQUIRE(::utimensat(AT_FDCWD, old_file.c_str(), old_times, 0) == 0);
    REQUIRE(::utimensat(AT_FDCWD, new_file.c_str(), new_times, 0) == 0);
    CHECK(clean_stale_tmp(maildir.string(), stale_tmp_age, quiet) == 1);
    CHECK_FALSE(fs::exists(old_file));
    CHECK(fs::exists(new_file));
}

TEST_CASE("group commit: committed messages reach new/ only at sync(), all together") {
    TempDir dir;
    MaildirSink sink(dir.path.string(), "host", quiet);
    for (int i = 0; i < 3; ++i) {
        must(test::run(sink.begin(envelope())));
        must(test::run(sink.write(bytes("Subject: x\r\n\r\nbody\r\n"))));
        must(test::run(sink.commit()));
    }
    CHECK(files_in(dir.path / "new").empty());
    CHECK(files_in(dir.path / "tmp").size() == 3);
    must(test::run(sink.sync()));
    CHECK(files_in(dir.path / "new").size() == 3);
    CHECK(files_in(dir.path / "tmp").empty());
}

TEST_CASE("group commit: withdraw() throws staged messages away") {
    TempDir dir;
    MaildirSink sink(dir.path.string(), "host", quiet);
    must(test::run(sink.begin(envelope())));
    must(test::run(sink.write(bytes("Subject: x\r\n\r\nbody\r\n"))));
    must(test::run(sink.commit()));
    sink.withdraw();
    must(test::run(sink.sync()));
    CHECK(files_in(dir.path / "new").empty());
    CHECK(files_in(dir.path / "tmp").empty());
}

TEST_CASE("group commit: a batch with copies in several Maildirs publishes every copy") {
    TempDir dir;
    MaildirSink sink((dir.path / "{local}").string(), "host", quiet);
    must(test::run(sink.begin(to({"a@example.org", "b@example.org"}))));
    must(test::run(sink.write(bytes("Subject: x\r\n\r\nbody\r\n"))));
    must(test::run(sink.commit()));
    must(test::run(sink.begin(to({"a@example.org"}))));
    must(test::run(sink.write(bytes("Subject: y\r\n\r\nbody\r\n"))));
    must(test::run(sink.commit()));
    CHECK(files_in(dir.path / "a" / "new").empty());
    must(test::run(sink.sync()));
    CHECK(files_in(dir.path / "a" / "new").size() == 2);
    CHECK(files_in(dir.path / "b" / "new").size() == 1);
    CHECK(files_in(dir.path / "a" / "tmp").empty());
    CHECK(files_in(dir.path / "b" / "tmp").empty());
}
