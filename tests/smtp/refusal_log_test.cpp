#include "smtp/refusal_log.h"

#include <doctest/doctest.h>

#include <cstdio>
#include <memory>
#include <string>

using namespace odmr;

namespace {

struct FileCloser {
    void operator()(std::FILE* f) const { std::fclose(f); }
};

// What a Log writing to a temporary file wrote, after `use` ran with it.
template <class F>
std::string logged(int level, F use) {
    std::unique_ptr<std::FILE, FileCloser> file(std::tmpfile());
    REQUIRE(file != nullptr);
    Log log(level, file.get());
    use(log);
    std::rewind(file.get());
    std::string out;
    char buffer[4096];
    while (std::size_t n = std::fread(buffer, 1, sizeof buffer, file.get())) out.append(buffer, n);
    return out;
}

std::size_t lines(const std::string& text) {
    std::size_t n = 0;
    for (char c : text) n += c == '\n';
    return n;
}

}  // namespace

TEST_CASE("the first refusals are logged one by one, the rest as one count") {
    auto out = logged(0, [](const Log& log) {
        smtp::RefusalLog refusals(log, 3);
        for (int i = 0; i < 20000; ++i)
            refusals.refused("user" + std::to_string(i) + "@victim.test", "not ours");
        CHECK(refusals.total() == 20000);
        refusals.summarise();
        CHECK(refusals.total() == 0);
    });
    CHECK(lines(out) == 4);
    CHECK(out.find("refused recipient <user0@victim.test>: not ours") != std::string::npos);
    CHECK(out.find("<user2@victim.test>: not ours (further refusals of this session are only "
                   "counted)") != std::string::npos);
    CHECK(out.find("user3@") == std::string::npos);
    CHECK(out.find("19997 more recipient(s) refused (20000 in all this session)") !=
          std::string::npos);
}

TEST_CASE("no summary line when every refusal was shown") {
    auto out = logged(0, [](const Log& log) {
        smtp::RefusalLog refusals(log, 5);
        refusals.refused("a@victim.test", "not ours");
        refusals.summarise();
    });
    CHECK(lines(out) == 1);
}

TEST_CASE("control characters in a refused address reach the log escaped") {
    auto out = logged(0, [](const Log& log) {
        smtp::RefusalLog refusals(log);
        refusals.refused("a\x1b[2J@victim.test", "not ours");
    });
    CHECK(out.find('\x1b') == std::string::npos);
    CHECK(out.find("a\\x1b[2J@victim.test") != std::string::npos);
}
