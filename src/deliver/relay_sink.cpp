#include "deliver/relay_sink.h"

#include "deliver/write_size.h"
#include "smtp/params.h"
#include "util/text.h"

namespace odmr::deliver {
namespace {

constexpr auto quit_timeout = std::chrono::seconds(10);

}  // namespace

struct RelaySink::Connection {
    std::unique_ptr<net::Stream> stream;
    net::Reader reader;
    smtp::Client client;
    smtp::Capabilities capabilities;
    bool used = false;  // a transaction finished on it: it may have gone stale since

    Connection(std::unique_ptr<net::Stream> connected, const Log& log)
        : stream(std::move(connected)), reader(*stream), client(reader, log) {}
};

RelaySink::RelaySink(RelayConfig config, const Log& log) : config_(std::move(config)), log_(log) {}

RelaySink::~RelaySink() {
    drop();
}

std::string RelaySink::name() const {
    return std::string(config_.protocol == RelayProtocol::lmtp ? "LMTP" : "SMTP") + " server " +
           config_.endpoint.describe();
}

void RelaySink::drop() {
    if (connection_) connection_->stream->close();
    connection_.reset();
    in_data_ = false;
}

asio::awaitable<Result<smtp::Reply>> RelaySink::reply() {
    co_return co_await connection_->client.read_reply(config_.timeout);
}

asio::awaitable<Status> RelaySink::open() {
    auto stream = co_await connect_local(config_.endpoint, config_.timeout);
    if (!stream) co_return stream.error();
    connection_ = std::make_unique<Connection>(std::move(*stream), log_);
    auto greeting = co_await reply();
    if (!greeting) co_return greeting.error();
    if (greeting->code != 220) co_return refused(*greeting, false, "the greeting");
    bool lmtp = config_.protocol == RelayProtocol::lmtp;
    auto hello = co_await connection_->client.command(
        (lmtp ? "LHLO " : "EHLO ") + config_.helo_name, config_.timeout);
    if (!hello) co_return hello.error();
    if (hello->code != 250) co_return refused(*hello, false, lmtp ? "LHLO" : "EHLO");
    connection_->capabilities = smtp::Capabilities(*hello);
    log_.info("connected to " + name());
    co_return Status{};
}

Status RelaySink::refused(const smtp::Reply& reply, bool permanent_allowed,
                          const std::string& step) {
    failure_ = relay_reply(reply, permanent_allowed);
    std::string what = name() + " answered " + step +
                       (recipient_.empty() ? "" : " for <" + recipient_ + ">") + " with " +
                       text::printable(reply.summary());
    return make_error(failure_.code / 100 == 5 ? Errc::permanent : Errc::temporary, what);
}

asio::awaitable<Status> RelaySink::begin(const mail::Envelope& envelope) {
    abort();
    failure_ = {};
    id_ = envelope.id;
    if (envelope.recipients.size() != 1)
        co_return make_error(
            Errc::software,
            "relay got " + std::to_string(envelope.recipients.size()) + " recipients");
    recipient_ = envelope.recipients.front();
    if (envelope.body == mail::BodyType::binary_mime) {
        failure_ = {451, "4.6.3", "Binary MIME cannot be relayed to the local server"};
        co_return make_error(Errc::temporary,
                             "message " + id_ + " is BINARYMIME, which " + name() + " is not sent");
    }
    for (int attempt = 0; attempt < 2; ++attempt) {
        if (!connection_) {
            if (auto opened = co_await open(); !opened) {
                drop();
                co_return opened;
            }
        }
        bool stale = false;
        auto done = co_await transaction(envelope, stale);
        if (!stale) co_return done;
        log_.info(name() + " closed the idle connection; connecting again");
        drop();
    }
    co_return make_error(Errc::temporary, name() + " keeps closing the connection");
}

asio::awaitable<Status> RelaySink::transaction(const mail::Envelope& envelope, bool& stale) {
    Connection& c = *connection_;
    const auto& caps = c.capabilities;
    bool ascii = smtp::is_ascii(envelope.sender) && smtp::is_ascii(recipient_);
    if (!ascii && !caps.has("SMTPUTF8")) {
        failure_ = {451, "4.6.7", "The local server does not support SMTPUTF8"};
        co_return make_error(Errc::temporary,
                             name() + " does not offer SMTPUTF8, needed for <" + recipient_ + ">");
    }
    std::string mail = "MAIL FROM:<" + envelope.sender + ">";
    if (envelope.smtputf8 && caps.has("SMTPUTF8")) mail += " SMTPUTF8";
    if (envelope.body == mail::BodyType::eight_bit_mime && caps.has("8BITMIME"))
        mail += " BODY=8BITMIME";
    std::string rcpt = "RCPT TO:<" + recipient_ + ">";
    bool pipelining = caps.has("PIPELINING");
    if (pipelining) {
        buffer_ = mail + "\r\n" + rcpt + "\r\nDATA\r\n";
        log_.wire("C> ", mail);
        log_.wire("C> ", rcpt);
        log_.wire("C> ", "DATA");
        if (auto sent = co_await send_buffer(); !sent) {
            stale = c.used;
            drop();
            co_return sent;
        }
    }
    std::array<std::string, 3> lines{mail, rcpt, "DATA"};
    std::array<const char*, 3> steps{"MAIL", "RCPT", "DATA"};
    for (std::size_t i = 0; i < lines.size(); ++i) {
        // (No co_await inside ?: — GCC 12 destroys the result twice.)
        Result<smtp::Reply> answer = make_error(Errc::software, "no reply");
        if (pipelining)
            answer = co_await reply();
        else
            answer = co_await c.client.command(lines[i], config_.timeout);
        if (!answer) {
            stale = i == 0 && c.used && answer.error().is(Errc::connection_lost);
            drop();
            co_return answer.error();
        }
        if (answer->code == 421) {  // the peer is closing the connection
            stale = i == 0 && c.used;
            Status status = refused(*answer, false, steps[i]);
            drop();
            co_return status;
        }
        int expected = i == 2 ? 354 : 250;
        if (answer->code == expected || (i == 1 && answer->code == 251)) continue;
        Status status = refused(*answer, i == 1, steps[i]);
        // The rest of a pipelined group still has its replies coming.
        for (std::size_t j = i + 1; pipelining && j < lines.size(); ++j) {
            auto late = co_await reply();
            if (!late) {
                drop();
                co_return status;
            }
            if (late->code == 354) {  // DATA accepted after all: end it empty, unseen
                drop();
                co_return status;
            }
        }
        if (i > 0) {
            auto reset = co_await c.client.command("RSET", config_.timeout);
            if (!reset || reset->code != 250) drop();
        }
        co_return status;
    }
    in_data_ = true;
    encoder_.reset();
    buffer_.clear();
    encoder_.encode(envelope.received, buffer_);  // our trace field goes first
    co_return Status{};
}

asio::awaitable<Status> RelaySink::send_buffer() {
    auto sent = co_await connection_->stream->write(buffer_, config_.timeout);
    buffer_.clear();
    if (!sent)
        co_return make_error(sent.error().code,
                             "writing to " + name() + ": " + sent.error().detail);
    co_return Status{};
}

asio::awaitable<Status> RelaySink::write(std::span<const char> bytes) {
    if (!in_data_) co_return make_error(Errc::software, "relay write without begin");
    encoder_.encode(bytes, buffer_);
    if (buffer_.size() < write_size) co_return Status{};
    auto sent = co_await send_buffer();
    if (!sent) drop();
    co_return sent;
}

asio::awaitable<Status> RelaySink::commit() {
    if (!in_data_) co_return make_error(Errc::software, "relay commit without begin");
    encoder_.finish(buffer_);
    log_.wire("C> ", ".");
    if (auto sent = co_await send_buffer(); !sent) {
        drop();
        co_return sent;
    }
    in_data_ = false;
    // LMTP answers once per recipient after the data; we have one.
    auto answer = co_await reply();
    if (!answer) {
        drop();
        co_return make_error(answer.error().code,
                             "no answer from " + name() + " after the data (" +
                                 answer.error().detail +
                                 "); it may have been delivered and come again");
    }
    connection_->used = true;
    if (answer->code / 100 == 2) co_return Status{};
    co_return refused(*answer, true, "the end of the data");
}

void RelaySink::abort() {
    // Mid-message: the peer must never see an end of data. Drop the line.
    if (in_data_) drop();
    buffer_.clear();
}

asio::awaitable<void> RelaySink::close() {
    if (!connection_ || in_data_) {
        drop();
        co_return;
    }
    auto bye = co_await connection_->client.command("QUIT", quit_timeout);
    (void)bye;
    drop();
}

}  // namespace odmr::deliver
