// Follows an SMTP session that is relayed between a client and a server (the
// handoff bridge), to tell how many messages the server accepted: a 2xx
// after the end of DATA or after BDAT ... LAST. Commands and replies are
// paired in order (RFC 2920).
//
// With a gate it also filters: each command line goes through the gate,
// and one the gate refuses reaches the server as "NOOP" instead, whose
// reply is replaced by the gate's own; STARTTLS is withheld from the EHLO
// reply, since a TLS session between the two ends could not be followed;
// a command the observer does not know is refused (500), since the server
// might read it as one the gate would have checked ("RCPT<TAB>TO:").
// Bytes inside DATA and BDAT are never commands and pass unchanged. Once
// lost(), a gated observer forwards nothing more: the bridge must hang up.
#pragma once

#include <cstddef>
#include <deque>
#include <functional>
#include <optional>
#include <span>
#include <string>

#include "mail/reply.h"
#include "smtp/command.h"
#include "smtp/dot_decoder.h"

namespace odmr::smtp {

class SessionObserver {
  public:
    // A reply refusing the command, or nothing to let it through.
    using Gate = std::function<std::optional<mail::Reply>(const Command&)>;

    SessionObserver();
    explicit SessionObserver(Gate gate);

    // Appends to `forward` the bytes to pass on; a partial command or reply
    // line is held until its line end.
    void from_client(std::span<const char> bytes, std::string& forward);
    void from_server(std::span<const char> bytes, std::string& forward);
    // Following only (no gate).
    void from_client(std::span<const char> bytes);
    void from_server(std::span<const char> bytes);

    std::size_t delivered() const { return delivered_; }
    // Messages whose data the server refused (4xx or 5xx after the data),
    // when it had accepted a recipient (not the 503 to a BDAT after every
    // RCPT was refused: no message was refused there).
    std::size_t refused() const { return refused_; }
    std::size_t commands() const { return commands_; }
    // Commands the gate refused.
    std::size_t gated() const { return gated_; }
    // Following stopped (STARTTLS, an over-long line): delivered() is then
    // a lower bound.
    bool lost() const { return lost_; }

  private:
    enum class Expect {
        greeting,
        ehlo,
        mail,
        rcpt,
        other,
        data,
        data_end,
        bdat,
        bdat_last,
        starttls,
        gated
    };
    enum class ClientState { commands, awaiting_data_reply, body, chunk };

    void client_line(std::string_view raw, std::string& forward);
    void follow_command(const Command& command);
    void server_line(std::string_view raw, std::string& forward);
    void server_reply(int code);
    void lose(std::string& held, std::span<const char> rest, std::string& forward);

    Gate gate_;
    std::deque<Expect> expected_;
    std::deque<mail::Reply> replacements_;  // one per Expect::gated, in order
    ClientState client_ = ClientState::commands;
    std::string client_line_;
    std::string server_line_;
    std::size_t chunk_left_ = 0;
    DotDecoder decoder_;
    std::string scratch_;
    std::size_t delivered_ = 0;
    std::size_t refused_ = 0;
    std::size_t commands_ = 0;
    std::size_t gated_ = 0;
    bool lost_ = false;
    bool recipient_accepted_ = false;  // in the transaction the next data belongs to
};

}  // namespace odmr::smtp
