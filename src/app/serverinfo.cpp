#include "app/serverinfo.h"

#include <algorithm>
#include <charconv>

#include "net/certificate.h"
#include "net/reader.h"
#include "net/route.h"
#include "odmr/customer.h"

namespace odmr::app {
namespace {

std::string size_text(const smtp::Capabilities& capabilities) {
    if (!capabilities.has("SIZE")) return "not announced";
    auto params = capabilities.params("SIZE");
    if (params.empty() || params.front() == "0") return "announced, no fixed limit";
    unsigned long long octets = 0;
    const auto& text = params.front();
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), octets);
    if (ec != std::errc() || end != text.data() + text.size()) return text;
    return text + " octets (" + std::to_string(octets / (1024 * 1024)) + " MiB)";
}

std::string certificate_text(X509* certificate, bool pinned) {
    auto info = net::describe_certificate(certificate);
    std::string out = "Certificate:\n";
    out += "    Subject:             " + info.subject + "\n";
    out += "    Issuer:              " + info.issuer + "\n";
    if (!info.alt_names.empty()) out += "    Names:               " + info.alt_names + "\n";
    out += "    Valid from:          " + info.not_before + "\n";
    out += "    Valid until:         " + info.not_after + "\n";
    out += "    SHA-256 fingerprint: " + info.sha256 + "\n";
    out += "    SHA-256 of its key:  " + info.public_key_sha256 + "\n";
    out += std::string("    Trusted:             ") +
           (pinned ? "pinned with --tls-fingerprint" : "verified (CA and host name)") + "\n";
    return out;
}

std::string tls_text(net::Stream& stream, const atrn::CustomerConfig& customer) {
    if (!stream.tls_active()) return "TLS:      none (the session is not encrypted)\n";
    auto info = stream.tls_info();
    std::string how = customer.tls == atrn::TlsMode::implicit ? "implicit" : "STARTTLS";
    std::string out = "TLS:      " + info.version + ", " + info.cipher + " (" + how + ")\n";
    auto binding = stream.channel_binding(customer.channel_binding);
    out +=
        "Channel binding: " +
        (binding ? binding->type + " (for SCRAM-*-PLUS)" : "none: " + binding.error().message()) +
        "\n";
    if (X509* certificate = stream.peer_certificate())
        out += certificate_text(certificate, !customer.tls_pins.empty());
    return out;
}

std::string offer_text(const atrn::Introduction& introduction) {
    const auto& capabilities = introduction.capabilities;
    std::string out = "Offers:\n";
    out += std::string("    ATRN:  ") +
           (capabilities.has("ATRN") ? "yes" : "not announced (RFC 2645 needs it)") + "\n";
    std::string mechanisms;
    for (const auto& m : capabilities.params("AUTH"))
        mechanisms += (mechanisms.empty() ? "" : " ") + m;
    out += "    AUTH:  " + (capabilities.has("AUTH") ? mechanisms : "not announced") + "\n";
    out += "    SIZE:  " + size_text(capabilities) + "\n";
    out += "EHLO reply:\n";
    for (const auto& line : introduction.ehlo.lines) out += "    " + line + "\n";
    return out;
}

// The report quotes the provider (greeting, EHLO lines, certificate names):
// each line goes through the log's filter so no ESC, BEL or CR reaches the
// terminal.
std::string terminal_safe(std::string_view report) {
    std::string out;
    out.reserve(report.size());
    for (std::size_t start = 0; start < report.size();) {
        auto end = std::min(report.find('\n', start), report.size());
        append_printable(out, report.substr(start, end - start));
        if (end < report.size()) out += '\n';
        start = end + 1;
    }
    return out;
}

}  // namespace

asio::awaitable<Result<std::string>> serverinfo(const Account& account,
                                                asio::ssl::context& tls_context, const Log& log) {
    auto opened = co_await net::open_stream(account.route, tls_context, account.connect_timeout);
    if (!opened) co_return opened.error();
    net::Stream& stream = **opened;
    log.info("connected to " + net::describe(account.route));
    net::Reader reader(stream);
    atrn::Customer customer(reader, account.customer, log);
    auto introduction = co_await customer.open();
    if (!introduction) {
        co_await customer.quit_after(introduction.error());
        stream.close();
        co_return introduction.error();
    }
    std::string out = "Provider: " + net::describe(account.route);
    if (auto address = stream.remote_address(); !address.empty() && !account.route.proxy)
        out += " (" + address + ")";
    out += "\nGreeting: " + introduction->greeting.summary() + "\n";
    out += tls_text(stream, account.customer);
    out += offer_text(*introduction);
    auto mechanism = customer.choose_mechanism(introduction->capabilities);
    out += "odmr-fetch would authenticate with: " +
           (mechanism ? *mechanism : "nothing usable (" + mechanism.error().message() + ")") + "\n";
    co_await customer.quit();
    stream.close();
    co_return terminal_safe(out);
}

}  // namespace odmr::app
