#include "deliver/mda_sink.h"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <system_error>

#include "deliver/maildir.h"
#include "deliver/placeholders.h"
#include "deliver/write_size.h"
#include "mail/address.h"
#include "util/text.h"

namespace odmr::deliver {
namespace {

struct ExitMeaning {
    int status;
    bool permanent;
    const char* enhanced;
    const char* text;
};

// sysexits.h, with Postfix's enhanced status codes (sys_exits.c).
constexpr ExitMeaning exit_meanings[] = {
    {64, false, "4.3.0", "command line usage error"},
    {65, true, "5.6.0", "data format error"},
    {66, false, "4.3.0", "cannot open input"},
    {67, true, "5.1.1", "user unknown"},
    {68, true, "5.1.2", "host name unknown"},
    {69, true, "5.3.0", "service unavailable"},
    {70, false, "4.3.0", "internal software error"},
    {71, false, "4.3.0", "system resource problem"},
    {72, false, "4.3.0", "critical OS file missing"},
    {73, false, "4.2.0", "can't create user output file"},
    {74, false, "4.3.0", "input/output error"},
    {75, false, "4.3.0", "temporary failure"},
    {76, true, "5.5.0", "remote error in protocol"},
    {77, true, "5.7.0", "permission denied"},
    {78, false, "4.3.5", "local configuration error"},
};

bool any_control(const std::vector<std::string>& strings) {
    return std::any_of(strings.begin(), strings.end(), [](const std::string& s) {
        return std::any_of(s.begin(), s.end(), [](char c) {
            return static_cast<unsigned char>(c) < 0x20 || c == 0x7f;
        });
    });
}

// The first line of the program's output, fit for a reply.
std::string first_line(std::string_view output) {
    output = text::trim(output.substr(0, output.find('\n')));
    return text::printable(output.substr(0, 200));
}

}  // namespace

MdaOutcome mda_outcome(const ChildExit& exit) {
    if (exit.timed_out) return {false, false, {451, "4.3.0", "Local delivery agent timed out"}};
    if (WIFSIGNALED(exit.status))
        return {false, false, {451, "4.3.0", "Local delivery agent " + exit.describe()}};
    if (!WIFEXITED(exit.status))
        return {false, false, {451, "4.3.0", "Local delivery agent failed"}};
    int status = WEXITSTATUS(exit.status);
    if (status == 0) return {true, false, {}};
    for (const auto& meaning : exit_meanings) {
        if (meaning.status != status) continue;
        std::string why =
            std::string("Local delivery agent: ") + meaning.text + " (" + exit.describe() + ")";
        return {false, meaning.permanent, {meaning.permanent ? 550 : 451, meaning.enhanced, why}};
    }
    return {false, false, {451, "4.3.0", "Local delivery agent failed (" + exit.describe() + ")"}};
}

std::vector<std::string> sendmail_argv(std::string program) {
    return {std::move(program), "-oi", "-f", "{sender}", "--", "{recipient}"};
}

MdaSink::MdaSink(MdaConfig config, const Log& log) : config_(std::move(config)), log_(log) {
    for (const auto& arg : config_.argv) {
        per_recipient_ = per_recipient_ || names_recipient(arg);
        names_sender_ = names_sender_ || names_sender(arg);
    }
}

std::optional<mail::Reply> MdaSink::check_sender(std::string_view sender) const {
    if (!names_sender_ || !mail::local_part_is_option_like(sender)) return std::nullopt;
    return mail::Reply{553, "5.1.7", "Sender address starting with '-' refused"};
}

asio::awaitable<std::optional<mail::Reply>> MdaSink::check_recipient(std::string_view recipient,
                                                                     std::uint64_t) {
    if (!per_recipient_ || !mail::local_part_is_option_like(recipient)) co_return std::nullopt;
    co_return mail::Reply{553, "5.1.3", "Recipient address starting with '-' refused"};
}

asio::awaitable<Status> MdaSink::begin(const mail::Envelope& envelope) {
    abort();
    failure_ = {};
    if (per_recipient_ && envelope.recipients.size() != 1)
        co_return make_error(Errc::software, "a per-recipient MDA got " +
                                                 std::to_string(envelope.recipients.size()) +
                                                 " recipients");
    envelope_ = envelope;
    std::string path = config_.spool_directory + "/odmr-fetch-XXXXXX";
    spool_ = UniqueFd(::mkostemp(path.data(), O_CLOEXEC));
    if (!spool_.valid())
        co_return storage_error(errno, "cannot create a spool file in " + config_.spool_directory);
    spool_read_ = UniqueFd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    int e = errno;
    ::unlink(path.c_str());
    if (!spool_read_.valid()) {
        spool_.reset();
        co_return storage_error(e, "cannot open the spool file " + path);
    }
    lf_.reset();
    lf_.convert(envelope.received, buffer_);
    co_return Status{};
}

asio::awaitable<Status> MdaSink::write(std::span<const char> bytes) {
    if (!spool_.valid()) co_return make_error(Errc::software, "MDA write without begin");
    lf_.convert(bytes, buffer_);
    if (buffer_.size() >= write_size) co_return flush();
    co_return Status{};
}

Status MdaSink::flush() {
    auto written = write_all(spool_.get(), buffer_, "the spool file in " + config_.spool_directory);
    buffer_.clear();
    if (!written) abort();
    return written;
}

asio::awaitable<Status> MdaSink::commit() {
    if (!spool_.valid()) co_return make_error(Errc::software, "MDA commit without begin");
    lf_.finish(buffer_);
    if (auto flushed = flush(); !flushed) co_return flushed;
    spool_.reset();
    // Per recipient there is exactly one; per message, one run for all.
    std::string recipient = per_recipient_ ? envelope_.recipients.front() : std::string();
    auto outcome = co_await run(recipient);
    abort();
    if (!outcome) co_return outcome.error();
    if (outcome->delivered) co_return Status{};
    failure_ = outcome->reply;
    co_return make_error(outcome->permanent ? Errc::permanent : Errc::temporary,
                         config_.argv.front() + ": " + failure_.text);
}

std::vector<std::string> MdaSink::environment(const std::string& recipient) const {
    std::vector<std::string> out{"SENDER=" + envelope_.sender};
    if (!recipient.empty()) {
        auto fields = address_fields(envelope_.sender, recipient);
        out.insert(out.end(),
                   {"RECIPIENT=" + std::string(fields.recipient),
                    "LOCAL=" + std::string(fields.local), "DOMAIN=" + std::string(fields.domain)});
    }
    return out;
}

asio::awaitable<Result<MdaOutcome>> MdaSink::run(const std::string& recipient) {
    auto fields = address_fields(envelope_.sender, recipient);
    std::vector<std::string> argv;
    for (const auto& arg : config_.argv) argv.push_back(expand_raw(arg, fields));
    auto env = environment(recipient);
    // Never reached through the server (smtp/command refuses control
    // characters in addresses), but an argument or variable cut at a NUL
    // or split by a line end must never happen, whoever calls.
    if (any_control(argv) || any_control(env))
        co_return make_error(Errc::permanent, "control character in a delivery argument");
    if (::lseek(spool_read_.get(), 0, SEEK_SET) != 0)
        co_return storage_error(errno, "cannot rewind the spool file");
    auto pipe = make_pipe();
    if (!pipe) co_return pipe.error();
    auto child =
        ChildProcess::spawn(argv, {spool_read_.get(), pipe->second.get(), pipe->second.get()}, env);
    if (!child) co_return child.error();
    pipe->second.reset();
    auto result = co_await wait_collecting(*child, std::move(pipe->first), config_.timeout);
    MdaOutcome outcome = mda_outcome(result.exit);
    std::string who = "message " + envelope_.id + ": " + argv.front();
    for (const auto& line : text::split(result.output, '\n')) {
        if (line.empty()) continue;
        std::string said = who;
        said.append(": ").append(line);
        if (outcome.delivered)
            log_.info(said);
        else
            log_.warning(said);
    }
    // The failure itself is reported once, by whoever handles commit()'s error.
    if (!outcome.delivered) {
        if (auto said = first_line(result.output); !said.empty()) outcome.reply.text += ": " + said;
    }
    co_return outcome;
}

void MdaSink::abort() {
    spool_.reset();
    spool_read_.reset();
    buffer_.clear();
    lf_.reset();
}

}  // namespace odmr::deliver
