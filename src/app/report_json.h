// --report-json: the run's summaries as one JSON document,
//   {"status": N, "accounts": [{"account": ..., "messages": N, "octets": N,
//    "sessions": N, "seconds": S, "provider": ..., "tls": ..., "sasl": ...,
//    "outcome": ..., "status": N, "error": ..., "finished": UNIX-TIME}, ...]}
// with null for what is not known ("tls" without TLS, "error" without one).
#pragma once

#include <string>
#include <vector>

#include "app/report.h"

namespace odmr::app {

std::string json_escape(std::string_view text);  // with the quotes
std::string to_json(const std::vector<AccountReport>& reports, int status);

}  // namespace odmr::app
