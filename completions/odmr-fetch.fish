# fish completion for odmr-fetch(1)
# Installed as .../fish/vendor_completions.d/odmr-fetch.fish.

# --deliver KIND:TARGET: maildir:PATH, mda:COMMAND, lmtp:/smtp:/handoff: with
# HOST:PORT or unix:PATH, handoff:exec:COMMAND.
function __odmr_fetch_deliver
    set -l token (commandline -ct | string replace -r -- '^--deliver=' '')
    switch $token
        case 'maildir:*'
            __fish_complete_directories (string replace -- maildir: '' $token) | string replace -r -- '^' maildir:
        case 'lmtp:unix:*' 'smtp:unix:*' 'handoff:unix:*'
            set -l prefix (string match -r -- '^[a-z]+:unix:' $token)
            __fish_complete_path (string replace -- $prefix '' $token) | string replace -r -- '^' $prefix
        case 'handoff:*'
            printf '%s\t%s\n' handoff:tcp: 'a local SMTP server at HOST:PORT' \
                handoff:unix: 'a local SMTP server at a UNIX socket' \
                handoff:exec: 'a program speaking SMTP on stdin/stdout (exim -bs)'
        case 'lmtp:*' 'smtp:*'
            printf '%s\t%s\n' (string match -r -- '^[a-z]+:' $token)unix: 'a UNIX socket PATH (or give HOST:PORT)'
        case 'mda:*'
            printf '%s\t%s\n' mda:sendmail 'the system MTA (sendmail -oi -f SENDER -- RECIPIENT)'
        case '*'
            printf '%s\t%s\n' maildir: 'Maildir PATH ({recipient} {local} {domain} for one per recipient)' \
                mda: 'a local delivery agent COMMAND ARGS' \
                lmtp: 'an LMTP server (HOST:PORT or unix:PATH), such as Dovecot' \
                smtp: 'a local SMTP server (HOST:PORT or unix:PATH)' \
                handoff: 'bridge the whole session to a local MTA'
    end
end

# --auth MECH[,MECH...]: complete the part after the last comma.
function __odmr_fetch_auth
    set -l token (commandline -ct | string replace -r -- '^--auth=' '')
    set -l done (string match -r -- '^.*,' $token)
    for mechanism in SCRAM-SHA-256-PLUS SCRAM-SHA-1-PLUS SCRAM-SHA-256 SCRAM-SHA-1 \
            PLAIN LOGIN CRAM-MD5 EXTERNAL XOAUTH2 OAUTHBEARER
        string match -q -i -- "*$mechanism,*" "$done" || echo $done$mechanism
    end
end

# Arguments that are not options are domains: no file names.
complete -c odmr-fetch -f

complete -c odmr-fetch -s h -l help -d 'Print a help message and exit'
complete -c odmr-fetch -l version -d 'Print the version and exit'
complete -c odmr-fetch -l config -r -F -d 'Read options from FILE (keys are long option names)'
complete -c odmr-fetch -l host -x -a '(__fish_print_hostnames)' -d 'Provider to connect to (port 366 unless given)'
complete -c odmr-fetch -l user -x -d 'SASL user name (default: the first domain)'
complete -c odmr-fetch -l password-file -r -F -d 'Read the password from the first line of FILE'
complete -c odmr-fetch -l tls -x -d 'How to protect the connection' -a '
    starttls\t"TLS required, started with STARTTLS (default)"
    starttls-optional\t"STARTTLS if offered, else clear text with a warning"
    implicit\t"TLS from the first byte"
    none\t"no TLS"'
complete -c odmr-fetch -l tls-ca-file -r -F -d 'Trust the CA certificates in FILE, not the system store'
complete -c odmr-fetch -l tls-fingerprint -x -a 'sha256:' -d 'Trust only this SHA-256 fingerprint'
complete -c odmr-fetch -l tls-cert -r -F -d 'Client certificate to present (PEM)'
complete -c odmr-fetch -l tls-key -r -F -d 'Private key of --tls-cert (PEM)'
complete -c odmr-fetch -l tls-min-version -x -a '1.2 1.3' -d 'Oldest TLS version accepted'
complete -c odmr-fetch -l channel-binding -x -a 'auto tls-exporter tls-unique tls-server-end-point' -d 'Channel binding for SCRAM-*-PLUS'
complete -c odmr-fetch -l proxy -x -a 'socks5://' -d 'Connect through a SOCKS5 proxy'
complete -c odmr-fetch -l serverinfo -d 'Show what the provider offers and exit'
complete -c odmr-fetch -l deliver -x -a '(__odmr_fetch_deliver)' -d 'Where to deliver (KIND:TARGET)'
complete -c odmr-fetch -l helo-name -x -a '(__fish_print_hostnames)' -d 'Name to announce with EHLO'
complete -c odmr-fetch -l auth -x -a '(__odmr_fetch_auth)' -d 'Allowed SASL mechanisms, in order of preference'
complete -c odmr-fetch -l allow-plaintext-auth -d 'Allow PLAIN, LOGIN and OAuth without TLS'
complete -c odmr-fetch -l max-sessions -x -d 'Reconnect and send ATRN again at most N times'
complete -c odmr-fetch -l connect-timeout -x -d 'Seconds to reach the provider'
complete -c odmr-fetch -l timeout -x -d 'Seconds to wait for any reply, command or data'
complete -c odmr-fetch -l atrn-timeout -x -d 'Seconds to wait for the reply to ATRN'
complete -c odmr-fetch -l mda-timeout -x -d 'Seconds a delivery program may run'
complete -c odmr-fetch -l max-message-size -x -d 'Largest message accepted, in octets'
complete -c odmr-fetch -l max-recipients -x -d 'Recipients accepted per message'
complete -c odmr-fetch -l max-stored-per-message -x -d 'Octets one message may take stored, copies counted'
complete -c odmr-fetch -l max-stored-per-session -x -d 'Octets one reversed session may store'
complete -c odmr-fetch -l allow-routing-addresses -d 'Accept routing local parts toward relaying kinds'
complete -c odmr-fetch -l max-line-length -x -d 'Longest message line accepted, in octets'
complete -c odmr-fetch -l max-commands -x -d 'Commands accepted from the provider per session'
complete -c odmr-fetch -l max-errors -x -d 'Erroneous commands tolerated before hanging up'
complete -c odmr-fetch -l session-timeout -x -d 'Seconds one reversed session may last'
complete -c odmr-fetch -s v -l verbose -d 'More output; twice: protocol transcript'
complete -c odmr-fetch -s q -l quiet -d 'Only errors and warnings'

# Accounts and credentials.
function __odmr_fetch_accounts
    set -l dirs /etc/odmr-fetch
    if set -q XDG_CONFIG_HOME
        set -p dirs $XDG_CONFIG_HOME/odmr-fetch
    else
        set -p dirs $HOME/.config/odmr-fetch
    end
    for file in $dirs/*.conf
        set -l name (string replace -r -- '\.conf$' '' (basename $file))
        test "$name" = defaults; or echo $name
    end
end
complete -c odmr-fetch -n 'not string match -q -- "-*" (commandline -ct)' -a '(__odmr_fetch_accounts)' -d 'Account'
complete -c odmr-fetch -l all -d 'Fetch every account file of this user (as root: /etc/odmr-fetch)'
complete -c odmr-fetch -l print-config -d 'Print the effective options and where each came from'
complete -c odmr-fetch -l password-command -x -a '(__fish_complete_command)' -d 'Run COMMAND (no shell) and read the password from its first line'
complete -c odmr-fetch -l proxy-password-file -r -F -d 'Read the SOCKS5 proxy password from FILE'
complete -c odmr-fetch -l proxy-password-command -x -a '(__fish_complete_command)' -d 'Run COMMAND for the SOCKS5 proxy password'
complete -c odmr-fetch -l maildir-existing-only -d 'Deliver only to Maildirs that already exist'
complete -c odmr-fetch -l run-timeout -x -d 'Seconds the whole run may last'

# How accounts run, and what a run reports.
complete -c odmr-fetch -l jobs -x -d 'Accounts fetched at the same time (default: 4)'
complete -c odmr-fetch -l lock-wait -x -d 'Seconds to wait for another run of the same account'
complete -c odmr-fetch -l retry-delay -x -d 'After a delivery and an empty turn, ask once more after DURATION'
complete -c odmr-fetch -l interval -x -d 'Poll every DURATION (90s, 5m, 1h) until stopped'
complete -c odmr-fetch -l syslog -d 'Also log to syslog (facility mail)'
complete -c odmr-fetch -l report-json -r -F -d 'Write each account summary as JSON to FILE (- for stdout)'
complete -c odmr-fetch -l metrics-file -r -F -d 'Write Prometheus metrics to FILE, atomically'
