#include "deliver/handoff_gate.h"

#include "smtp/command.h"
#include "smtp/recipient_policy.h"
#include "util/text.h"

namespace odmr::deliver {
namespace {

std::optional<mail::Reply> check_rcpt(std::string_view argument, const HandoffRecipients& rules,
                                      smtp::RefusalLog& refusals) {
    auto parsed = smtp::parse_path_argument(argument, "TO:", false);
    if (!parsed) return mail::Reply{501, "5.5.4", "Syntax: RCPT TO:<address>"};
    // The parser drops a source route; the MTA would get it, so it counts here.
    bool source_route = text::trim(argument.substr(3)).starts_with("<@");
    if (rules.refuse_routing && source_route) {
        refusals.refused(parsed->address, "a source route (see --allow-routing-addresses)");
        return mail::Reply{550, "5.7.1", "Relaying denied: source route"};
    }
    auto refused = smtp::recipient_refusal(parsed->address, rules.domains, rules.refuse_routing);
    if (!refused) return std::nullopt;
    refusals.refused(parsed->address, refused->why);
    return refused->reply;
}

}  // namespace

smtp::SessionObserver::Gate recipient_gate(HandoffRecipients rules, smtp::RefusalLog& refusals) {
    return [rules = std::move(rules), &refusals](const smtp::Command& command) {
        return command.verb == smtp::Verb::rcpt ? check_rcpt(command.argument, rules, refusals)
                                                : std::nullopt;
    };
}

}  // namespace odmr::deliver
