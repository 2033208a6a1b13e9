// Message data from the provider into the transaction's open message: DATA's
// dot-stuffed body (RFC 5321 §4.5.2) or BDAT's counted chunks (RFC 3030).
// Streams in pieces of at most 64 KiB, never the whole message in memory.
// Enforces the size and line-length limits: a message over one is read to
// its end and refused (Transaction::refuse), its data going nowhere.
#pragma once

#include <asio/awaitable.hpp>
#include <cstddef>
#include <span>
#include <string>

#include "net/reader.h"
#include "smtp/dot_decoder.h"
#include "smtp/server_config.h"
#include "smtp/transaction.h"
#include "util/log.h"
#include "util/result.h"

namespace odmr::smtp {

class BodyReceiver {
  public:
    BodyReceiver(net::Reader& reader, const ServerConfig& config, const Log& log)
        : reader_(reader), config_(config), log_(log) {}

    // An error from either means the data was cut off (timeout, connection
    // lost): the message is incomplete and must not be delivered.

    // DATA: the body through its terminating "." line.
    asio::awaitable<Status> dot_body(Transaction& transaction, const Deadline& deadline);
    // BDAT: one chunk of `size` octets, into `transaction` (nullptr: read and
    // thrown away, for a refused BDAT).
    asio::awaitable<Status> chunk(std::size_t size, Transaction* transaction,
                                  const Deadline& deadline);

  private:
    asio::awaitable<void> hand_on(Transaction& transaction, std::span<const char> bytes);
    asio::awaitable<void> keep_chunk(Transaction& transaction, std::span<const char> piece);
    void check_size(Transaction& transaction) const;
    void check_line(Transaction& transaction, std::size_t longest) const;

    net::Reader& reader_;
    const ServerConfig& config_;
    const Log& log_;
    DotDecoder decoder_;
    std::string body_;  // decoded DATA waiting to go to the sink
};

}  // namespace odmr::smtp
