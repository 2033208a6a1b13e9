#include "app/credentials.h"

#include <sys/prctl.h>
#include <sys/stat.h>

#include <cctype>
#include <cerrno>
#include <cstdlib>

#include "app/account.h"
#include "app/netrc.h"
#include "app/secret_command.h"
#include "app/terminal_prompt.h"
#include "util/regular_file.h"

namespace odmr::app {

namespace {

constexpr std::size_t max_netrc_size = 256 * 1024;

using Found = Result<std::optional<FoundSecret>>;

Found none() {
    return std::optional<FoundSecret>();
}
Found found(FoundSecret secret) {
    return std::optional<FoundSecret>(std::move(secret));
}

Found from_credentials(const SecretSources& s) {
    const char* directory = std::getenv("CREDENTIALS_DIRECTORY");
    if (directory == nullptr || *directory == '\0' || s.credential.empty()) return none();
    std::string path = std::string(directory) + "/" + s.credential;
    struct stat status {};
    if (::lstat(path.c_str(), &status) != 0 && errno == ENOENT) return none();
    // systemd made the directory private to this service: no ssh rule here.
    auto secret = read_secret_file(path);
    if (!secret) return make_error(Errc::config, "systemd credential: " + secret.error().message());
    return found({std::move(*secret), {}, "systemd credential " + path});
}

Found from_netrc(const SecretSources& s) {
    std::string path = expand_home("~/.netrc");
    struct stat status {};
    if (s.machine.empty() || ::stat(path.c_str(), &status) != 0) return none();
    auto text = read_secret_contents(path, max_netrc_size);
    if (!text) return make_error(Errc::config, text.error().message());
    auto entry = text->with(
        [&](std::string_view content) { return find_netrc_entry(content, s.machine, s.login); });
    if (!entry || entry->password.empty()) return none();
    if (auto access = check_file_access(path, status, FileContent::secret); !access)
        return access.error();
    return found({std::move(entry->password), entry->login, path});
}

Found from_prompt(const SecretSources& s) {
    if (!s.may_prompt || !stdin_is_terminal()) return none();
    std::string whose = s.login.empty() ? s.machine : s.login + "@" + s.machine;
    std::string label = s.what;
    label[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(label[0])));
    auto typed = prompt_secret(label + " for " + whose + ": ");
    if (!typed) return typed.error();
    return found({std::move(*typed), {}, "the terminal"});
}

}  // namespace

Result<std::optional<FoundSecret>> find_secret(const SecretSources& s) {
    if (!s.file.empty()) {
        auto secret = read_secret_file(s.file, true);
        if (!secret)
            return make_error(Errc::config, s.file_option + ": " + secret.error().message());
        return found({std::move(*secret), {}, s.file_option + " " + s.file});
    }
    if (!s.command.empty()) {
        auto secret = run_secret_command(s.command, s.command_option);
        if (!secret) return secret.error();
        return found({std::move(*secret), {}, s.command_option});
    }
    for (auto source : {from_credentials, from_netrc, from_prompt}) {
        auto result = source(s);
        if (!result || *result) return result;
    }
    return none();
}

void keep_secrets_out_of_core_dumps() {
    (void)::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
}

}  // namespace odmr::app
