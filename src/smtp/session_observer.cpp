#include "smtp/session_observer.h"

#include "smtp/command.h"
#include "smtp/params.h"
#include "util/text.h"

namespace odmr::smtp {
namespace {

constexpr std::size_t max_line = 4096;

}  // namespace

SessionObserver::SessionObserver() {
    expected_.push_back(Expect::greeting);
}

void SessionObserver::from_client(std::span<const char> bytes) {
    while (!lost_ && !bytes.empty()) {
        switch (client_) {
            case ClientState::awaiting_data_reply:
                lost_ = true;  // a client must wait for 354 before the body
                return;
            case ClientState::body: {
                auto step = decoder_.decode(bytes, scratch_);
                scratch_.clear();
                bytes = bytes.subspan(step.consumed);
                if (step.done) {
                    expected_.push_back(Expect::data_end);
                    client_ = ClientState::commands;
                }
                break;
            }
            case ClientState::chunk: {
                std::size_t take = std::min(chunk_left_, bytes.size());
                chunk_left_ -= take;
                bytes = bytes.subspan(take);
                if (chunk_left_ == 0) client_ = ClientState::commands;
                break;
            }
            case ClientState::commands: {
                char c = bytes.front();
                bytes = bytes.subspan(1);
                if (c != '\n') {
                    client_line_ += c;
                    if (client_line_.size() > max_line) lost_ = true;
                    break;
                }
                if (client_line_.ends_with('\r')) client_line_.pop_back();
                std::string line = std::move(client_line_);
                client_line_.clear();
                client_line(line);
                break;
            }
        }
    }
}

void SessionObserver::client_line(std::string_view line) {
    ++commands_;
    Command command = parse_command(line);
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
        default:
            expected_.push_back(Expect::other);
            return;
    }
}

void SessionObserver::from_server(std::span<const char> bytes) {
    for (char c : bytes) {
        if (lost_) return;
        if (c != '\n') {
            server_line_ += c;
            if (server_line_.size() > max_line) lost_ = true;
            continue;
        }
        if (server_line_.ends_with('\r')) server_line_.pop_back();
        std::string line = std::move(server_line_);
        server_line_.clear();
        server_line(line);
    }
}

void SessionObserver::server_line(std::string_view line) {
    if (line.size() < 3 || !text::is_digit(line[0]) || !text::is_digit(line[1]) ||
        !text::is_digit(line[2])) {
        lost_ = true;
        return;
    }
    if (line.size() > 3 && line[3] == '-') return;  // more lines of this reply follow
    server_reply((line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0'));
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
        case Expect::data_end:
        case Expect::bdat_last:
            ++(positive ? delivered_ : refused_);
            return;
        case Expect::starttls:
            if (code == 220) lost_ = true;  // TLS from here on, between the two ends
            return;
        default:
            return;
    }
}

}  // namespace odmr::smtp
