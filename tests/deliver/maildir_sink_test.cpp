#include "deliver/maildir_sink.h"
#include "deliver/maildir.h"

#include <doctest/doctest.h>
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

TEST_CASE("the stored message is Return-Path, Delivered-To, Received, then the body with LF line ends") {
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
