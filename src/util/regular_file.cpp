#include "util/regular_file.h"

#include <fcntl.h>
#include <pwd.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <system_error>

namespace odmr {

namespace {

std::string user_name(uid_t uid) {
    struct passwd entry {};
    struct passwd* found = nullptr;
    char buffer[1024];
    if (::getpwuid_r(uid, &entry, buffer, sizeof buffer, &found) == 0 && found != nullptr)
        return found->pw_name;
    return std::to_string(uid);
}

std::string octal(mode_t mode) {
    char text[8];
    std::snprintf(text, sizeof text, "%03o", static_cast<unsigned>(mode & 0777));
    return text;
}

}  // namespace

Result<OpenedFile> open_regular_file(const std::string& path, bool follow_links) {
    int flags = O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY | (follow_links ? 0 : O_NOFOLLOW);
    OpenedFile file{UniqueFd(::open(path.c_str(), flags)), {}};
    if (!file.fd.valid()) {
        if (errno == ELOOP && !follow_links)
            return make_error(Errc::config, path + " is a symbolic link; name the file itself");
        return make_error(std::error_code(errno, std::generic_category()), "cannot open " + path);
    }
    if (::fstat(file.fd.get(), &file.status) != 0)
        return make_error(Errc::config,
                          "cannot read " + path + ": " + std::generic_category().message(errno));
    if (!S_ISREG(file.status.st_mode))
        return make_error(Errc::config, path +
                                            " is not a regular file (a FIFO, a device or a "
                                            "directory is refused)");
    return file;
}

Result<std::string> read_text_file(const std::string& path, std::size_t max_size,
                                   struct stat* status) {
    auto file = open_regular_file(path);
    if (!file) return make_error(Errc::config, file.error().message());
    if (status != nullptr) *status = file->status;
    auto too_large = [&] {
        return make_error(Errc::config, path + " is larger than " + std::to_string(max_size) +
                                            " bytes; that is not a configuration file");
    };
    if (static_cast<std::size_t>(file->status.st_size) > max_size) return too_large();
    std::string text(max_size + 1, '\0');
    std::size_t used = 0;
    while (used < text.size()) {
        ssize_t n = ::read(file->fd.get(), text.data() + used, text.size() - used);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0)
            return make_error(Errc::config, "cannot read " + path + ": " +
                                                std::generic_category().message(errno));
        if (n == 0) break;
        used += static_cast<std::size_t>(n);
    }
    if (used > max_size) return too_large();  // it grew since fstat
    text.resize(used);
    return text;
}

Status check_file_access(const std::string& path, const struct stat& status, FileContent content) {
    uid_t me = ::geteuid();
    if (status.st_uid != me && status.st_uid != 0)
        return make_error(Errc::config, path + " belongs to " + user_name(status.st_uid) +
                                            ", who could change it; chown " + user_name(me) + " " +
                                            path);
    bool secret = content == FileContent::secret;
    mode_t forbidden = secret ? 077 : 022;
    if ((status.st_mode & forbidden) == 0) return {};
    std::string fix = secret ? "chmod 600 " : "chmod go-w ";
    std::string why = secret ? " holds a secret and other users can access it (mode "
                             : " can be changed by other users (mode ";
    return make_error(Errc::config, path + why + octal(status.st_mode) + "); " + fix + path);
}

}  // namespace odmr
