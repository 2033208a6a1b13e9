#include "app/exit_code.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <cerrno>
#include <sstream>
#include <string>

using namespace odmr;
using namespace odmr::app;

namespace {

bool in_table(int code) {
    return std::any_of(exit_statuses.begin(), exit_statuses.end(),
                       [&](const ExitStatus& s) { return s.code == code; });
}

}  // namespace

TEST_CASE("each kind of error ends the run with its sysexits status") {
    CHECK(exit_code_for(make_error(Errc::usage, "")) == 64);
    CHECK(exit_code_for(make_error(Errc::no_host, "")) == 68);
    CHECK(exit_code_for(make_error(Errc::unavailable, "")) == 69);
    CHECK(exit_code_for(make_error(Errc::tls, "")) == 69);
    CHECK(exit_code_for(make_error(Errc::permanent, "")) == 69);
    CHECK(exit_code_for(make_error(Errc::software, "")) == 70);
    CHECK(exit_code_for(make_error(Errc::temporary, "")) == 75);
    CHECK(exit_code_for(make_error(Errc::timeout, "")) == 75);
    CHECK(exit_code_for(make_error(Errc::connection_lost, "")) == 75);
    CHECK(exit_code_for(make_error(Errc::storage, "")) == 75);
    CHECK(exit_code_for(make_error(Errc::protocol, "")) == 76);
    CHECK(exit_code_for(make_error(Errc::line_too_long, "")) == 76);
    CHECK(exit_code_for(make_error(Errc::auth_rejected, "")) == 77);
    CHECK(exit_code_for(make_error(Errc::auth_unavailable, "")) == 77);
    CHECK(exit_code_for(make_error(Errc::config, "")) == 78);
}

TEST_CASE("a system error is a configuration problem, a connection problem, or temporary") {
    auto system = [](int e) { return make_error(std::error_code(e, std::generic_category()), ""); };
    CHECK(exit_code_for(system(ENOENT)) == exit_config);
    CHECK(exit_code_for(system(EACCES)) == exit_config);
    CHECK(exit_code_for(system(ECONNREFUSED)) == exit_unavailable);
    CHECK(exit_code_for(system(ENETUNREACH)) == exit_unavailable);
    CHECK(exit_code_for(system(EIO)) == exit_tempfail);
}

TEST_CASE("every status a run can end with is in the table, once, in order") {
    for (int e = static_cast<int>(Errc::usage); e <= static_cast<int>(Errc::software); ++e)
        CHECK(in_table(exit_code_for(make_error(static_cast<Errc>(e), ""))));
    CHECK(in_table(exit_delivered));
    CHECK(in_table(exit_no_mail));
    CHECK(in_table(exit_ioerr));
    CHECK(std::is_sorted(exit_statuses.begin(), exit_statuses.end(),
                         [](const auto& a, const auto& b) { return a.code < b.code; }));
    CHECK(std::adjacent_find(exit_statuses.begin(), exit_statuses.end(), [](auto& a, auto& b) {
              return a.code == b.code;
          }) == exit_statuses.end());
    for (const auto& status : exit_statuses) {
        CHECK_FALSE(status.meaning.empty());
        CHECK((status.code <= 1 || status.name.starts_with("EX_")));
    }
}

TEST_CASE("--help's table has a line per status, wrapped to the width") {
    std::string table = exit_code_table(60);
    CHECK(table.starts_with("Exit status:\n"));
    CHECK(table.find("\n  69  EX_UNAVAILABLE  cannot connect") != std::string::npos);
    CHECK(table.find("\n   1                  no mail was waiting\n") != std::string::npos);
    std::istringstream lines(table);
    std::string line, words;
    while (std::getline(lines, line)) {
        CHECK(line.size() <= 60);
        words += line + ' ';
    }
    for (const auto& status : exit_statuses) {
        // Every word of the meaning is there, in order, whatever the wrapping.
        std::string flat;
        std::istringstream in(words);
        for (std::string w; in >> w;) flat += w + ' ';
        CHECK(flat.find(std::string(status.meaning)) != std::string::npos);
    }
}
