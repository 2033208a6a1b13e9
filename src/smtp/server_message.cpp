// DATA and BDAT: a message begun in the sink, its data received, then
// committed (and acknowledged, now or at the next group commit) or refused.
#include <ctime>

#include "smtp/server.h"

namespace odmr::smtp {
namespace {

constexpr std::size_t max_batch = 256;  // messages per group commit

}  // namespace

asio::awaitable<Status> Server::on_data(std::string_view argument) {
    if (!argument.empty()) co_return co_await error_reply(501, "5.5.4", "DATA takes no argument");
    if (state_ == State::chunks)
        co_return co_await error_reply(503, "5.5.1", "DATA during a BDAT transfer");
    if (state_ == State::mail) co_return co_await error_reply(554, "5.5.1", "No valid recipients");
    if (state_ != State::rcpt)
        co_return co_await error_reply(503, "5.5.1", "Need RCPT before DATA");
    if (transaction_.mail.body == mail::BodyType::binary_mime)
        co_return co_await error_reply(503, "5.5.1", "BODY=BINARYMIME requires BDAT");
    if (auto started = co_await start_message(); !started) {
        refuse_message(
            delivery_failure(started.error(), "Local delivery unavailable, try again later"), true);
        reset_transaction();
        co_return Status{};
    }
    outbox_.reply(354, "", "End data with <CR><LF>.<CR><LF>");
    if (auto sent = co_await sync_and_send(); !sent) {
        reset_transaction();
        co_return sent.error();
    }
    if (auto received = co_await receiver_.dot_body(transaction_, deadline_); !received)
        co_return co_await data_cut_off(received.error());
    co_await finish_message();
    co_return Status{};
}

asio::awaitable<Status> Server::on_bdat(std::string_view argument) {
    auto args = parse_bdat(argument);
    if (!args) {
        // Without a size we cannot tell where the chunk ends: never read
        // message data as commands.
        outbox_.reply(501, "5.5.4", "Syntax: BDAT size [LAST]");
        co_return co_await hang_up("4.7.0", "Cannot resynchronise after a malformed BDAT",
                                   Errc::protocol);
    }
    if (state_ != State::rcpt && state_ != State::chunks)
        co_return co_await refuse_chunk(args->size);
    if (state_ == State::rcpt) {
        if (auto started = co_await start_message(); !started) {
            if (auto skipped = co_await receiver_.chunk(args->size, nullptr, deadline_); !skipped)
                co_return co_await data_cut_off(skipped.error());
            refuse_message(
                delivery_failure(started.error(), "Local delivery unavailable, try again later"),
                true);
            reset_transaction();
            discarding_chunks_ = true;
            co_return Status{};
        }
        enter(State::chunks);
    }
    if (auto received = co_await receiver_.chunk(args->size, &transaction_, deadline_); !received)
        co_return co_await data_cut_off(received.error());
    if (args->last) {
        co_await finish_message();
    } else if (transaction_.refused()) {
        co_await finish_message();  // refuse now; the provider sends no more chunks
        discarding_chunks_ = true;
    } else {
        outbox_.reply(250, "2.0.0", std::to_string(args->size) + " octets received");
    }
    co_return Status{};
}

// RFC 3030: a BDAT outside a transaction with recipients is read, thrown
// away, then refused. Chunks pipelined behind a failed one, or behind
// refused recipients, are the provider doing PIPELINING right, not errors.
asio::awaitable<Status> Server::refuse_chunk(std::size_t size) {
    if (auto skipped = co_await receiver_.chunk(size, nullptr, deadline_); !skipped)
        co_return co_await data_cut_off(skipped.error());
    bool no_recipients = state_ == State::mail;
    int code = no_recipients ? 554 : 503;
    const char* text = no_recipients ? "No valid recipients" : "Need MAIL and RCPT before BDAT";
    if (discarding_chunks_ || no_recipients) {
        outbox_.reply(code, "5.5.1", text);
        co_return Status{};
    }
    co_return co_await error_reply(code, "5.5.1", text);
}

// The message's data stopped before its end: nothing of it is delivered.
asio::awaitable<Status> Server::data_cut_off(const Error& error) {
    if (error.is(Errc::timeout))
        co_return co_await hang_up("4.4.2", "Timeout waiting for message data", Errc::timeout);
    reset_transaction();
    if (error.is(Errc::stopped)) co_return co_await stop_session();
    co_return error;
}

// Our Received: field into the envelope, in a buffer kept for the session
// (reset_transaction() takes it back); the parts that cannot change within
// the session (the peer's address, TLS) are looked up once.
void Server::write_trace(mail::Envelope& envelope) {
    if (!trace_known_) {
        trace_known_ = true;
        auto& stream = reader_.stream();
        trace_.client_address = stream.remote_address();
        trace_.hostname = config_.hostname;
        if (stream.tls_active()) {
            auto info = stream.tls_info();
            trace_.tls_version = info.version;
            trace_.tls_cipher = info.cipher;
        }
    }
    trace_.client_name = client_name_;
    trace_.esmtp = esmtp_;
    trace_.smtputf8 = transaction_.mail.smtputf8;
    trace_.id = envelope.id;
    trace_.recipients = envelope.recipients;
    if (auto now = std::time(nullptr); now != trace_.when || trace_.date.empty()) {
        trace_.when = now;
        trace_.date = rfc5322_date(now);  // once a second at most
    }
    received_.clear();
    append_received_header(received_, trace_);
    envelope.received = std::move(received_);
}

asio::awaitable<Status> Server::start_message() {
    auto& envelope = transaction_.envelope;
    write_trace(envelope);
    auto begun = co_await sink_.begin(envelope);
    if (!begun) {
        log_.error("message " + envelope.id +
                   ": cannot start delivery: " + begun.error().message());
        co_return begun;
    }
    transaction_.message = OpenMessage(sink_);
    if (record_ != nullptr) transaction_.message.fingerprint(envelope);
    co_return Status{};
}

asio::awaitable<void> Server::finish_message() {
    auto& envelope = transaction_.envelope;
    std::size_t copies = sink_.copies(envelope.recipients.size());
    if (auto over = message_over_bound(config_.stored, transaction_.size, copies))
        transaction_.refuse(*over);
    if (transaction_.refusal) {
        const mail::Reply& refusal = *transaction_.refusal;
        log_.error("message " + envelope.id + " refused: " + refusal.text);
        refuse_message(refusal, refusal.code / 100 == 4);  // 451: the sink failed; 552: our limits
        reset_transaction();
        co_return;
    }
    auto fingerprint = transaction_.message.finish_fingerprint();
    if (fingerprint && record_->contains(fingerprint->digest)) {
        suppress_duplicate(*fingerprint);
        co_return;
    }
    if (auto committed = co_await transaction_.message.commit(); !committed) {
        log_.error("message " + envelope.id + ": " + committed.error().message());
        refuse_message(
            delivery_failure(committed.error(), "Local delivery failed, try again later"), true);
        reset_transaction();
        co_return;
    }
    // The transaction ends here: its id and sender move on with the message.
    Committed message{std::move(envelope.id), std::move(envelope.sender),
                      envelope.recipients.size(), transaction_.size, std::move(fingerprint)};
    stored_ += stored_octets(transaction_.size, copies);
    reset_transaction();
    if (!sink_.batches()) {
        const Committed* durable[] = {&message};
        // After commit(), before the 250 (resend_record.h).
        if (remembers_later(record_))
            co_await remember_later(record_, durable, log_);
        else
            remember(record_, durable, log_);
        acknowledge(message);
        co_return;
    }
    // Durable only at the next sync: the reply is decided then, in its place.
    outbox_.stage(std::move(message));
    if (outbox_.staged() >= max_batch) (void)co_await sync_and_send();
}

void Server::acknowledge(const Committed& message) {
    ++report_.delivered;
    report_.octets += message.size;
    outbox_.acknowledge(message);
}

// The provider sends again a message whose 250 it did not read: we have it
// already (durable, then recorded, then acknowledged), so this copy goes
// nowhere and the provider hears 250, which ends its retries.
void Server::suppress_duplicate(const Fingerprint& fingerprint) {
    const auto& envelope = transaction_.envelope;
    transaction_.message.abort();
    record_->matched(fingerprint.digest);
    ++report_.duplicates;
    log_.info("message " + envelope.id + " from <" + envelope.sender + "> (provider id " +
              fingerprint.trace + ") was delivered before; not stored again");
    outbox_.reply(250, "2.0.0", "OK already delivered, not stored again");
    reset_transaction();
}

// The sink's failure as our reply: the local peer's own words when it has
// them and they agree with the error's permanence, else a generic reply.
mail::Reply Server::delivery_failure(const Error& error, std::string_view generic) const {
    bool permanent = error.is(Errc::permanent);
    const mail::Reply* peer = sink_.failure_reply();
    if (peer != nullptr && peer->code / 100 == (permanent ? 5 : 4))
        return {peer->code, peer->enhanced, peer->text};
    if (permanent) return {554, "5.3.0", "Local delivery failed permanently"};
    return {451, "4.3.0", std::string(generic)};
}

// A message refused after its data stays the provider's (4xx: it retries;
// 5xx: it bounces). `failed`: because the local delivery failed, which the
// user must hear about (exit 75); a refusal by our own limits is only logged.
void Server::refuse_message(const mail::Reply& reply, bool failed) {
    ++report_.refused;
    if (failed) ++report_.failed;
    outbox_.reply(reply);
}

}  // namespace odmr::smtp
