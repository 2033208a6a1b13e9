#include "app/command_line.h"

namespace odmr::app {

Result<std::vector<std::string>> split_command(std::string_view text) {
    std::vector<std::string> words;
    std::string word;
    bool in_word = false;
    char quote = 0;
    for (std::size_t i = 0; i < text.size(); ++i) {
        char c = text[i];
        if (quote == '\'') {
            if (c == '\'')
                quote = 0;
            else
                word += c;
            continue;
        }
        if (quote == '"') {
            if (c == '"')
                quote = 0;
            else if (c == '\\' && i + 1 < text.size() &&
                     (text[i + 1] == '"' || text[i + 1] == '\\'))
                word += text[++i];
            else
                word += c;
            continue;
        }
        if (c == ' ' || c == '\t') {
            if (in_word) words.push_back(std::move(word));
            word.clear();
            in_word = false;
            continue;
        }
        in_word = true;
        if (c == '\'' || c == '"')
            quote = c;
        else if (c == '\\' && i + 1 < text.size())
            word += text[++i];
        else
            word += c;
    }
    if (quote != 0)
        return make_error(Errc::usage, "unterminated quote in \"" + std::string(text) + "\"");
    if (in_word) words.push_back(std::move(word));
    if (words.empty()) return make_error(Errc::usage, "no command given");
    return words;
}

}  // namespace odmr::app
