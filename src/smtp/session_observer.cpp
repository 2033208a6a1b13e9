#include "smtp/session_observer.h"

#include <algorithm>

#include "smtp/params.h"
#include "util/text.h"

namespace odmr::smtp {
namespace {

constexpr std::size_t max_line = 4096;

// Moves the bytes of `bytes` up to and including the first LF into `line`.
// True when the line is complete.
bool take_line(std::span<const char>& bytes, std::string& line) {
    auto newline = std::find(bytes.begin(), bytes.end(), '\n');
    std::size_t n = static_cast<std::size_t>(newline - bytes.begin());
    bool complete = newline != bytes.end();
    if (complete) ++n;
    line.append(bytes.data(), n);
    bytes = bytes.subspan(n);
    return complete;
}

std::string_view without_line_end(std::string_view raw) {
    if (raw.ends_with('\n')) raw.remove_suffix(1);
    if (raw.ends_with('\r')) raw.remove_suffix(1);
    return raw;
}

std::string format(const mail::Reply& reply) {
    std::string out = std::to_string(reply.code) + " ";
    if (!reply.enhanced.empty()) out += reply.enhanced + " ";
    return out + reply.text + "\r\n";
}

bool is_starttls_keyword(std::string_view line) {
    return line.size() > 4 && text::iequals(text::trim(line.substr(4)), "STARTTLS");
}

}  // namespace

SessionObserver::SessionObserver() : SessionObserver(Gate()) {}

SessionObserver::SessionObserver(Gate gate) : gate_(std::move(gate)) {
    expected_.push_back(Expect::greeting);
}

void SessionObserver::from_client(std::span<const char> bytes) {
    std::string ignored;
    from_client(bytes, ignored);
}

void SessionObserver::from_server(std::span<const char> bytes) {
    std::string ignored;
    from_server(bytes, ignored);
}

void SessionObserver::from_client(std::span<const char> bytes, std::string& forward) {
    while (!lost_ && !bytes.empty()) {
        switch (client_) {
            case ClientState::awaiting_data_reply:
                lost_ = true;  // a client must wait for 354 before the body
                break;
            case ClientState::body: {
                auto step = decoder_.decode(bytes, scratch_);
                scratch_.clear();
                forward.append(bytes.data(), step.consumed);
                bytes = bytes.subspan(step.consumed);
                if (step.done) {
                    expected_.push_back(Expect::data_end);
                    client_ = ClientState::commands;
                }
                break;
            }
            case ClientState::chunk: {
                std::size_t take = std::min(chunk_left_, bytes.size());
                forward.append(bytes.data(), take);
                chunk_left_ -= take;
                bytes = bytes.subspan(take);
                if (chunk_left_ == 0) client_ = ClientState::commands;
                break;
            }
            case ClientState::commands: {
                if (!take_line(bytes, client_line_)) {
                    lost_ = client_line_.size() > max_line;
                    break;
                }
                if (client_line_.size() > max_line + 1) {
                    lost_ = true;
                    break;
                }
                std::string raw = std::move(client_line_);
                client_line_.clear();
                client_line(raw, forward);
                break;
            }
        }
    }
    if (lost_) lose(client_line_, bytes, forward);
}

void SessionObserver::client_line(std::string_view raw, std::string& forward) {
    ++commands_;
    Command command = parse_command(without_line_end(raw));
    std::optional<mail::Reply> refusal;
    if (gate_ && command.verb == Verb::starttls)
        refusal = mail::Reply{454, "4.7.0", "TLS not available: the session is bridged"};
    else if (gate_ && command.verb == Verb::unknown)
        // "RCPT<TAB>TO:", " RCPT TO:" or XCLIENT may mean something to the
        // server that the gate cannot check.
        refusal = mail::Reply{500, "5.5.1", "Command unrecognized"};
    else if (gate_)
        refusal = gate_(command);
    if (refusal) {
        ++gated_;
        expected_.push_back(Expect::gated);
        replacements_.push_back(std::move(*refusal));
        forward += "NOOP\r\n";
        return;
    }
    forward.append(raw);
    follow_command(command);
}

void SessionObserver::follow_command(const Command& command) {
    switch (command.verb) {
        case Verb::data:
            expected_.push_back(Expect::data);
            client_ = ClientState::awaiting_data_reply;
            return;
        case Verb::bdat: {
            auto args = parse_bdat(command.argument);
            if (!args) {
                lost_ = true;
                return;
            }
            expected_.push_back(args->last ? Expect::bdat_last : Expect::bdat);
            chunk_left_ = args->size;
            if (chunk_left_ > 0) client_ = ClientState::chunk;
            return;
        }
        case Verb::starttls:
            expected_.push_back(Expect::starttls);
            return;
        case Verb::ehlo:
            expected_.push_back(Expect::ehlo);
            return;
        case Verb::mail:
            expected_.push_back(Expect::mail);
            return;
        case Verb::rcpt:
            expected_.push_back(Expect::rcpt);
            return;
        default:
            expected_.push_back(Expect::other);
            return;
    }
}

void SessionObserver::from_server(std::span<const char> bytes, std::string& forward) {
    while (!lost_ && !bytes.empty()) {
        if (!take_line(bytes, server_line_)) {
            lost_ = server_line_.size() > max_line;
            break;
        }
        if (server_line_.size() > max_line + 1) {
            lost_ = true;
            break;
        }
        std::string raw = std::move(server_line_);
        server_line_.clear();
        server_line(raw, forward);
    }
    if (lost_) lose(server_line_, bytes, forward);
}

void SessionObserver::server_line(std::string_view raw, std::string& forward) {
    std::string_view line = without_line_end(raw);
    if (line.size() < 3 || !text::is_digit(line[0]) || !text::is_digit(line[1]) ||
        !text::is_digit(line[2])) {
        lost_ = true;
        if (!gate_) forward.append(raw);
        return;
    }
    bool last = !(line.size() > 3 && line[3] == '-');
    Expect what = expected_.empty() ? Expect::other : expected_.front();
    if (what == Expect::gated) {
        if (!last) return;  // the whole reply is replaced by the gate's
        forward += format(replacements_.front());
        replacements_.pop_front();
        expected_.pop_front();
        return;
    }
    if (gate_ && what == Expect::ehlo && is_starttls_keyword(line)) {
        // Withheld; a last line must still end the reply.
        if (last) forward += std::string(line.substr(0, 3)) + " X-STARTTLS-WITHHELD\r\n";
    } else {
        forward.append(raw);
    }
    if (last) server_reply((line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0'));
}

void SessionObserver::server_reply(int code) {
    if (expected_.empty()) return;  // unsolicited, e.g. 421 before closing
    Expect what = expected_.front();
    expected_.pop_front();
    bool positive = code >= 200 && code < 300;
    switch (what) {
        case Expect::data:
            client_ = code == 354 ? ClientState::body : ClientState::commands;
            decoder_.reset();
            return;
        case Expect::mail:
            recipient_accepted_ = false;
            return;
        case Expect::rcpt:
            recipient_accepted_ = recipient_accepted_ || positive;
            return;
        case Expect::data_end:
        case Expect::bdat_last:
            if (recipient_accepted_) ++(positive ? delivered_ : refused_);
            recipient_accepted_ = false;
            return;
        case Expect::starttls:
            if (code == 220) lost_ = true;  // TLS from here on, between the two ends
            return;
        default:
            return;
    }
}

// Once lost, an observer without a gate passes everything on unchanged
// (the line it held too); a gated one passes nothing more.
void SessionObserver::lose(std::string& held, std::span<const char> rest, std::string& forward) {
    if (!gate_) {
        forward += held;
        forward.append(rest.data(), rest.size());
    }
    held.clear();
}

}  // namespace odmr::smtp
