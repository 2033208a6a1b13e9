#include "smtp/refusal_log.h"

#include <string>

namespace odmr::smtp {

void RefusalLog::refused(std::string_view address, std::string_view why) {
    ++total_;
    if (total_ > shown_) return;
    std::string line = "refused recipient <" + std::string(address.substr(0, 255)) + ">: ";
    line += why;
    if (total_ == shown_) line += " (further refusals of this session are only counted)";
    log_.warning(line);
}

void RefusalLog::summarise() {
    if (total_ > shown_)
        log_.warning(std::to_string(total_ - shown_) + " more recipient(s) refused (" +
                     std::to_string(total_) + " in all this session)");
    total_ = 0;
}

}  // namespace odmr::smtp
