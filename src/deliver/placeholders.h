// The {sender}, {recipient}, {local} and {domain} placeholders of delivery
// targets: checked when the option is read, expanded per message. For paths
// (Maildir routing) each value becomes one safe file-name component, so no
// address can leave the directory the pattern names.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "util/result.h"

namespace odmr::deliver {

// Views into the addresses they were made from (no copies: two of these per
// recipient and message).
struct AddressFields {
    std::string_view sender;     // empty for the null reverse-path
    std::string_view recipient;  // "local@domain"
    std::string_view local;
    std::string_view domain;
};

// The fields of `recipient` with `sender`; valid as long as both are.
AddressFields address_fields(std::string_view sender, std::string_view recipient);

// Checks every "{name}" of `pattern` against `allowed` ("recipient", ...).
Status check_placeholders(std::string_view pattern, const std::vector<std::string_view>& allowed);

// True when `pattern` names a recipient field ({recipient}, {local}, {domain}).
bool names_recipient(std::string_view pattern);

// True when `pattern` names {sender}.
bool names_sender(std::string_view pattern);

// Replaces the placeholders with the values as they are (for MDA arguments,
// which reach the program without a shell).
std::string expand_raw(std::string_view pattern, const AddressFields& fields);

// Replaces the placeholders with path_component() of each value, ASCII
// letters in lower case (addresses differing only in case share a Maildir).
std::string expand_path(std::string_view pattern, const AddressFields& fields);

// `value` as one file-name component that cannot be "", ".", "..", start
// with a dot or contain '/': letters, digits, "-_.+=@~!#$&'*^`{|}" and
// well-formed UTF-8 stay, every other byte (and a leading dot) becomes
// "%XX". The mapping is one-to-one, so two addresses never share a name.
std::string path_component(std::string_view value);

}  // namespace odmr::deliver
