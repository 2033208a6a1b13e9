#include "app/exit_code.h"

#include <cerrno>

namespace odmr::app {

int exit_code_for(const Error& error) {
    if (error.code.category() == odmr_category()) {
        switch (static_cast<Errc>(error.code.value())) {
            case Errc::usage:
                return exit_usage;
            case Errc::config:
                return exit_config;
            case Errc::no_host:
                return exit_nohost;
            case Errc::unavailable:
                return exit_unavailable;
            case Errc::tls:
                return exit_unavailable;
            case Errc::timeout:
                return exit_tempfail;
            case Errc::connection_lost:
                return exit_tempfail;
            case Errc::protocol:
                return exit_protocol;
            case Errc::auth_rejected:
                return exit_noperm;
            case Errc::auth_unavailable:
                return exit_noperm;
            case Errc::temporary:
                return exit_tempfail;
            case Errc::permanent:
                return exit_unavailable;
            case Errc::line_too_long:
                return exit_protocol;
            case Errc::storage:
                return exit_tempfail;
            case Errc::software:
                return exit_software;
            case Errc::stopped:
                return exit_tempfail;
        }
        return exit_software;
    }
    if (error.code.category() == std::generic_category() ||
        error.code.category() == std::system_category()) {
        switch (error.code.value()) {
            case ENOENT:
            case EACCES:
            case EPERM:
                return exit_config;
            case ECONNREFUSED:
            case EHOSTUNREACH:
            case ENETUNREACH:
                return exit_unavailable;
            default:
                return exit_tempfail;
        }
    }
    return exit_tempfail;  // anything else (TLS library, resolver): try again later
}

namespace {

// Appends `words` wrapped to `width` columns, every line after the first
// indented by `indent` spaces (the first continues what `out` has).
void append_wrapped(std::string& out, std::string_view words, std::size_t indent,
                    std::size_t width) {
    std::size_t column = indent;
    bool first = true;
    while (!words.empty()) {
        auto space = words.find(' ');
        std::string_view word = words.substr(0, space);
        words = space == std::string_view::npos ? std::string_view() : words.substr(space + 1);
        if (!first && column + 1 + word.size() > width) {
            out += '\n';
            out.append(indent, ' ');
            column = indent;
            first = true;
        }
        if (!first) {
            out += ' ';
            ++column;
        }
        out += word;
        column += word.size();
        first = false;
    }
    out += '\n';
}

}  // namespace

std::string exit_code_table(std::size_t width) {
    constexpr std::size_t code_width = 4, name_width = 16;
    std::string out = "Exit status:\n";
    for (const auto& status : exit_statuses) {
        std::string code = std::to_string(static_cast<int>(status.code));
        out.append(code_width - code.size(), ' ');
        out += code;
        out += "  ";
        out += status.name;
        out.append(name_width - status.name.size(), ' ');
        append_wrapped(out, status.meaning, code_width + 2 + name_width, width);
    }
    return out;
}

}  // namespace odmr::app
