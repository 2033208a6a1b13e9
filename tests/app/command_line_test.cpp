#include "app/command_line.h"

#include <doctest/doctest.h>

using namespace odmr;
using namespace odmr::app;

using Words = std::vector<std::string>;

TEST_CASE("words are split on spaces and tabs") {
    CHECK(split_command("  /usr/bin/procmail  -d\t{local} ").value() ==
          Words{"/usr/bin/procmail", "-d", "{local}"});
}

TEST_CASE("quotes keep spaces, nothing is expanded") {
    CHECK(split_command(R"(prog 'a b' "c d" $HOME *)").value() ==
          Words{"prog", "a b", "c d", "$HOME", "*"});
    CHECK(split_command(R"(prog "say \"hi\" \\ \n" 'it''s')").value() ==
          Words{"prog", R"(say "hi" \ \n)", "its"});
    CHECK(split_command(R"(prog a\ b "" x)").value() == Words{"prog", "a b", "", "x"});
}

TEST_CASE("an unterminated quote or an empty command is a usage error") {
    CHECK(split_command("prog 'open").error().is(Errc::usage));
    CHECK(split_command("prog \"open").error().is(Errc::usage));
    CHECK(split_command("   ").error().is(Errc::usage));
}
