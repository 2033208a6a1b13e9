#include "deliver/mda_sink.h"

#include <doctest/doctest.h>
#include <sys/wait.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include "support/asio_harness.h"

using namespace odmr;
using namespace odmr::deliver;
using namespace odmr::mail;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

const Log quiet(0, nullptr);

ChildExit exited(int status) {
    return {false, status << 8};
}

struct TempDir {
    fs::path path;
    TempDir() {
        std::string pattern = (fs::temp_directory_path() / "odmr-mda-XXXXXX").string();
        REQUIRE(::mkdtemp(pattern.data()) != nullptr);
        path = pattern;
    }
    ~TempDir() {
        std::error_code ignored;
        fs::remove_all(path, ignored);
    }
};

std::string contents(const fs::path& file) {
    std::ifstream in(file, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

Envelope envelope(std::vector<std::string> recipients) {
    return {"sender@origin.test",  std::move(recipients),
            "Received: by us\r\n", "id1",
            BodyType::seven_bit,   false};
}

Status send_message(MdaSink& sink, const Envelope& e, std::string_view body) {
    auto begun = test::run(sink.begin(e));
    if (!begun) return begun;
    auto written = test::run(sink.write(body));
    if (!written) return written;
    return test::run(sink.commit());
}

}  // namespace

TEST_CASE("exit statuses are read like Postfix's pipe(8), local faults deferred") {
    CHECK(mda_outcome(exited(0)).delivered);
    auto tempfail = mda_outcome(exited(75));
    CHECK_FALSE(tempfail.delivered);
    CHECK_FALSE(tempfail.permanent);
    CHECK(tempfail.reply.code == 451);
    CHECK(tempfail.reply.enhanced == "4.3.0");
    auto nouser = mda_outcome(exited(67));
    CHECK(nouser.permanent);
    CHECK(nouser.reply.code == 550);
    CHECK(nouser.reply.enhanced == "5.1.1");
    for (int status : {65, 67, 68, 69, 76, 77}) CHECK(mda_outcome(exited(status)).permanent);
    for (int status : {1, 2, 64, 66, 70, 71, 72, 73, 74, 75, 78, 127, 255}) {
        CAPTURE(status);
        auto outcome = mda_outcome(exited(status));
        CHECK_FALSE(outcome.delivered);
        CHECK_FALSE(outcome.permanent);
        CHECK(outcome.reply.code == 451);
    }
    CHECK_FALSE(mda_outcome({false, SIGKILL}).permanent);
    CHECK(mda_outcome({true, 0}).reply.code == 451);
}

TEST_CASE("the sendmail shorthand is -oi -f {sender} -- {recipient}") {
    CHECK(sendmail_argv() == std::vector<std::string>{"/usr/sbin/sendmail", "-oi", "-f", "{sender}",
                                                      "--", "{recipient}"});
}

TEST_CASE(
    "the MDA gets our Received field and the message with LF line ends, and its environment") {
    TempDir dir;
    std::string out = (dir.path / "out").string();
    MdaSink sink(
        {{"/bin/sh", "-c", "cat > \"$1\"; echo \"$SENDER $RECIPIENT $LOCAL $DOMAIN\" > \"$1.env\"",
          "sh", out + "-{local}"},
         10s,
         dir.path.string()},
        quiet);
    CHECK(sink.per_recipient_outcomes());
    auto status =
        send_message(sink, envelope({"bob@example.org"}), "Subject: x\r\n\r\nline\r\n.dot\rcr\r\n");
    REQUIRE_MESSAGE(status.ok(), status.error().message());
    CHECK(contents(out + "-bob") == "Received: by us\nSubject: x\n\nline\n.dot\rcr\n");
    CHECK(contents(out + "-bob.env") == "sender@origin.test bob@example.org bob example.org\n");
}

TEST_CASE("an MDA without recipient placeholders runs once per message") {
    TempDir dir;
    MdaSink sink(
        {{"/bin/sh", "-c", "cat >> \"$0\"", (dir.path / "box").string()}, 10s, dir.path.string()},
        quiet);
    CHECK_FALSE(sink.per_recipient_outcomes());
    auto status = send_message(sink, envelope({"a@example.org", "b@example.org"}), "hi\r\n");
    REQUIRE(status.ok());
    CHECK(contents(dir.path / "box") == "Received: by us\nhi\n");
}

TEST_CASE("a failing MDA gives a reply for the provider, with its first line of output") {
    TempDir dir;
    MdaSink sink({{"/bin/sh", "-c", "cat >/dev/null; echo 'mailbox locked' >&2; exit 75"},
                  10s,
                  dir.path.string()},
                 quiet);
    auto status = send_message(sink, envelope({"a@example.org"}), "hi\r\n");
    REQUIRE_FALSE(status.ok());
    CHECK(status.error().is(Errc::temporary));
    REQUIRE(sink.failure_reply() != nullptr);
    CHECK(sink.failure_reply()->code == 451);
    CHECK(sink.failure_reply()->text.find("mailbox locked") != std::string::npos);
    sink.abort();  // the server aborts after a failed commit: the reply stays
    CHECK(sink.failure_reply() != nullptr);
}

TEST_CASE("user unknown from the MDA is permanent") {
    TempDir dir;
    MdaSink sink({{"/bin/sh", "-c", "exit 67", "sh", "{recipient}"}, 10s, dir.path.string()},
                 quiet);
    auto status = send_message(sink, envelope({"nobody@example.org"}), "hi\r\n");
    REQUIRE_FALSE(status.ok());
    CHECK(status.error().is(Errc::permanent));
    CHECK(sink.failure_reply()->code == 550);
}

TEST_CASE("an MDA that hangs is killed after the timeout: temporary") {
    TempDir dir;
    MdaSink sink({{"/bin/sh", "-c", "sleep 30"}, 300ms, dir.path.string()}, quiet);
    auto status = send_message(sink, envelope({"a@example.org"}), "hi\r\n");
    REQUIRE_FALSE(status.ok());
    CHECK(status.error().is(Errc::temporary));
    CHECK(sink.failure_reply()->text.find("timed out") != std::string::npos);
}

TEST_CASE("an aborted message never reaches the MDA, and leaves no spool file") {
    TempDir dir;
    fs::path marker = dir.path / "ran";
    MdaSink sink({{"/bin/sh", "-c", "touch \"$0\"", marker.string()}, 10s, dir.path.string()},
                 quiet);
    REQUIRE(test::run(sink.begin(envelope({"a@example.org"}))).ok());
    REQUIRE(test::run(sink.write(std::string_view("partial"))).ok());
    sink.abort();
    CHECK_FALSE(fs::exists(marker));
    CHECK(fs::directory_iterator(dir.path) == fs::directory_iterator());
}

TEST_CASE("an address that would read as an option is refused where it reaches an argument") {
    MdaSink sink({{"/bin/true", "-f", "{sender}", "--", "{local}"}, 5s}, quiet);
    auto sender = sink.check_sender("-oQ/tmp/x@evil.test");
    REQUIRE(sender);
    CHECK(sender->code == 553);
    CHECK(sender->enhanced == "5.1.7");
    CHECK_FALSE(sink.check_sender("a-b@origin.test"));
    CHECK_FALSE(sink.check_sender(""));
    auto recipient = test::run(sink.check_recipient("--help@example.org", 0));
    REQUIRE(recipient);
    CHECK(recipient->code == 553);
    CHECK(recipient->enhanced == "5.1.3");
    CHECK_FALSE(test::run(sink.check_recipient("help@example.org", 0)));
}

TEST_CASE("without a placeholder in its arguments, no address is refused for its dash") {
    MdaSink sink({{"/bin/true"}, 5s}, quiet);
    CHECK_FALSE(sink.check_sender("-oQ/tmp/x@evil.test"));
    CHECK_FALSE(test::run(sink.check_recipient("--help@example.org", 0)));
}

TEST_CASE("a control character never reaches a delivery argument") {
    TempDir dir;
    MdaSink sink({{"/bin/true", "{recipient}"}, 5s, dir.path.string()}, quiet);
    auto sent = send_message(sink, envelope({std::string("a\nb@example.org")}), "x\r\n");
    REQUIRE_FALSE(sent);
    CHECK(sent.error().is(Errc::permanent));
}
