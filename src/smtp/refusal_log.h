// Refused recipients, logged without flooding: a provider that sends 20,000
// recipients outside our domains would otherwise write 20,000 warnings
// (even with -q). The first few are logged one by one, the rest only
// counted, and one line at the end of the session says how many more.
#pragma once

#include <cstddef>
#include <string_view>

#include "util/log.h"

namespace odmr::smtp {

class RefusalLog {
  public:
    explicit RefusalLog(const Log& log, std::size_t shown = 5) : log_(log), shown_(shown) {}

    // One refused recipient; `address` is shown through the log's filter.
    void refused(std::string_view address, std::string_view why);
    // The count of those not shown, if any; then starts over.
    void summarise();

    std::size_t total() const { return total_; }

  private:
    const Log& log_;
    std::size_t shown_;
    std::size_t total_ = 0;
};

}  // namespace odmr::smtp
