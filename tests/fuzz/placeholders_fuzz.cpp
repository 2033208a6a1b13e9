// libFuzzer target: the placeholders of --deliver ({sender}, {recipient},
// {local}, {domain}): the template parser and the expansion with hostile
// addresses. The input's first line is the template, the second the sender,
// the rest the recipient. Properties: a value becomes exactly one file-name
// component, never "", "." or "..", never with '/' or a control character,
// and the mapping is one-to-one (two addresses never share a Maildir); a
// template that names no recipient field expands the same for every one.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "deliver/placeholders.h"
#include "util/hex.h"
#include "util/text.h"

using namespace odmr;
using namespace odmr::deliver;

namespace {

std::string_view next_line(std::string_view& input) {
    auto end = input.find('\n');
    std::string_view line = input.substr(0, end);
    input = end == std::string_view::npos ? std::string_view() : input.substr(end + 1);
    return line;
}

// The inverse of path_component: "%XX" back to its byte.
std::string unescape(std::string_view component) {
    std::string out;
    for (std::size_t i = 0; i < component.size(); ++i) {
        if (component[i] != '%') {
            out += component[i];
            continue;
        }
        int byte = hex::byte_value(component.substr(i + 1, 2));
        if (byte < 0) std::abort();  // every '%' starts an escape
        out += static_cast<char>(byte);
        i += 2;
    }
    return out;
}

void check_component(std::string_view value) {
    std::string component = path_component(value);
    if (component.empty() || component.front() == '.' || component.find('/') != std::string::npos)
        std::abort();
    for (char c : component)
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) std::abort();
    if (unescape(component) != (value.empty() ? std::string(1, '\0') : std::string(value)))
        std::abort();
}

std::vector<std::string> components(const std::string& path) {
    std::vector<std::string> out{""};
    for (char c : path) {
        if (c == '/')
            out.emplace_back();
        else
            out.back() += c;
    }
    return out;
}

// Each placeholder stays inside its component: the '/'s and the "." and ".."
// components are the template's own.
void check_path(std::string_view pattern, const AddressFields& fields) {
    auto hostile = components(expand_path(pattern, fields));
    auto plain = components(expand_path(pattern, {"x", "x@y", "x", "y"}));
    if (hostile.size() != plain.size()) std::abort();
    for (std::size_t i = 0; i < hostile.size(); ++i)
        if ((hostile[i] == "." || hostile[i] == "..") && hostile[i] != plain[i]) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view input(reinterpret_cast<const char*>(data), size);
    std::string_view pattern = next_line(input);
    std::string_view sender = next_line(input);
    std::string_view recipient = input;

    static const std::vector<std::string_view> known{"sender", "recipient", "local", "domain"};
    bool valid = check_placeholders(pattern, known).ok();
    AddressFields fields = address_fields(sender, recipient);
    if (fields.local.size() + fields.domain.size() + 1 != recipient.size() &&
        !fields.domain.empty())
        std::abort();
    for (const auto& value : {fields.sender, fields.recipient, fields.local, fields.domain}) {
        check_component(value);
        check_component(text::lower(value));
    }
    check_path(pattern, fields);
    std::string raw = expand_raw(pattern, fields);
    if (valid && !names_recipient(pattern) &&
        raw != expand_raw(pattern, address_fields(sender, "other@example.org")))
        std::abort();
    return 0;
}
