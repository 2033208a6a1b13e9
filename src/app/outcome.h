// The exit status of a run, from what happened to each account.
//
// One account: its error's code (app/exit_code.h), except that a temporary
// failure after mail was delivered (a later "is there more?" session was
// refused, timed out, got a 4xx or lost its connection, or the run was
// stopped) exits 0 with a warning: the user got mail and the next run gets
// the rest. Authentication, certificate, protocol, configuration and local
// delivery failures keep their codes.
//
// Several accounts: the most urgent failure wins (see combine()); else 0
// when any account delivered; else 1 (no mail anywhere).
#pragma once

#include <span>

#include "app/fetch.h"

namespace odmr::app {

// A failure that the next run will get past by itself.
bool is_transient(const Error& error);

// The error is forgiven: mail was delivered before it (see above).
bool partial_success(const FetchSummary& summary);

int exit_status(const FetchSummary& summary);

// Most urgent first: 78 70 64 77 76 73 74 71 68 69 75 65, then 0, then 1.
int combine(std::span<const int> statuses);

}  // namespace odmr::app
