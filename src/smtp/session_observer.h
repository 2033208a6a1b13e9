// Follows an SMTP session that is relayed byte for byte between a client
// and a server (the handoff bridge) without changing anything, to tell how
// many messages the server accepted: a 2xx after the end of DATA or after
// BDAT ... LAST. Commands and replies are paired in order (RFC 2920).
#pragma once

#include <cstddef>
#include <deque>
#include <span>
#include <string>

#include "smtp/dot_decoder.h"

namespace odmr::smtp {

class SessionObserver {
  public:
    SessionObserver();

    void from_client(std::span<const char> bytes);
    void from_server(std::span<const char> bytes);

    std::size_t delivered() const { return delivered_; }
    // Messages whose data the server refused (4xx or 5xx after the data).
    std::size_t refused() const { return refused_; }
    std::size_t commands() const { return commands_; }
    // Following stopped (STARTTLS, an over-long line): delivered() is then
    // a lower bound.
    bool lost() const { return lost_; }

  private:
    enum class Expect { greeting, other, data, data_end, bdat, bdat_last, starttls };
    enum class ClientState { commands, awaiting_data_reply, body, chunk };

    void client_line(std::string_view line);
    void server_line(std::string_view line);
    void server_reply(int code);

    std::deque<Expect> expected_;
    ClientState client_ = ClientState::commands;
    std::string client_line_;
    std::string server_line_;
    std::size_t chunk_left_ = 0;
    DotDecoder decoder_;
    std::string scratch_;
    std::size_t delivered_ = 0;
    std::size_t refused_ = 0;
    std::size_t commands_ = 0;
    bool lost_ = false;
};

}  // namespace odmr::smtp
