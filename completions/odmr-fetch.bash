# bash completion for odmr-fetch(1)                       -*- shell-script -*-
#
# Installed as .../bash-completion/completions/odmr-fetch and loaded on
# demand by bash-completion; it also works when sourced on its own, without
# bash-completion (then with plainer file name completion).

# Without bash-completion: set cur, prev, words, cword and split from
# COMP_WORDS as if ':' and '=' did not break words (bash splits there).
_odmr_fetch_init()
{
    local i token
    words=()
    cword=0
    for ((i = 0; i < ${#COMP_WORDS[@]}; i++)); do
        token=${COMP_WORDS[i]}
        if ((i > 1)) && [[ $token == [:=] || ${COMP_WORDS[i - 1]} == [:=] ]]; then
            words[${#words[@]} - 1]+=$token
        else
            words+=("$token")
        fi
        ((i == COMP_CWORD)) && cword=$((${#words[@]} - 1))
    done
    cur=${words[cword]-}
    prev=${words[cword - 1]-}
    split=false
    if [[ $cur == --*=* ]]; then
        prev=${cur%%=*}
        cur=${cur#*=}
        split=true
    fi
}

# bash hands readline only the text after the last ':' of the word; drop the
# part before it from the candidates.
_odmr_fetch_ltrim_colon()
{
    if [[ $cur == *:* && $COMP_WORDBREAKS == *:* ]]; then
        local before_colon=${cur%"${cur##*:}"}
        local i
        for i in "${!COMPREPLY[@]}"; do
            COMPREPLY[i]=${COMPREPLY[i]#"$before_colon"}
        done
    fi
}

_odmr_fetch_files()
{
    if declare -F _filedir >/dev/null 2>&1; then
        _filedir
        return
    fi
    compopt -o filenames 2>/dev/null
    local IFS=$'\n'
    COMPREPLY=($(compgen -f -- "$cur"))
}

# The account names: NAME of each NAME.conf (but defaults.conf).
_odmr_fetch_accounts()
{
    local dir file name
    for dir in "${XDG_CONFIG_HOME:-$HOME/.config}/odmr-fetch" /etc/odmr-fetch; do
        for file in "$dir"/*.conf; do
            [[ -e $file ]] || continue
            name=${file##*/}
            name=${name%.conf}
            [[ $name == defaults ]] || printf '%s\n' "$name"
        done
    done
}

_odmr_fetch()
{
    local cur prev words cword split
    if declare -F _init_completion >/dev/null 2>&1; then
        _init_completion -s -n : || return
    else
        _odmr_fetch_init
    fi

    case $prev in
        -h | --help | --version)
            return
            ;;
        --config | --password-file | --proxy-password-file | --tls-ca-file | --tls-cert | --tls-key | \
            --report-json | --metrics-file)
            _odmr_fetch_files
            return
            ;;
        --tls)
            COMPREPLY=($(compgen -W 'starttls starttls-optional implicit none' -- "$cur"))
            return
            ;;
        --tls-min-version)
            COMPREPLY=($(compgen -W '1.2 1.3' -- "$cur"))
            return
            ;;
        --channel-binding)
            COMPREPLY=($(compgen -W 'auto tls-exporter tls-unique tls-server-end-point' -- "$cur"))
            return
            ;;
        --tls-fingerprint)
            COMPREPLY=($(compgen -W 'sha256:' -- "$cur"))
            compopt -o nospace 2>/dev/null
            _odmr_fetch_ltrim_colon
            return
            ;;
        --proxy)
            COMPREPLY=($(compgen -W 'socks5://' -- "$cur"))
            compopt -o nospace 2>/dev/null
            _odmr_fetch_ltrim_colon
            return
            ;;
        --auth)
            # A comma-separated list: complete the part after the last comma,
            # offering only the mechanisms not yet listed.
            local done_part= mechanism left=
            [[ $cur == *,* ]] && done_part=${cur%,*},
            for mechanism in SCRAM-SHA-256-PLUS SCRAM-SHA-1-PLUS SCRAM-SHA-256 \
                SCRAM-SHA-1 PLAIN LOGIN CRAM-MD5 EXTERNAL XOAUTH2 OAUTHBEARER; do
                [[ ,${done_part^^} == *,$mechanism,* ]] || left+=" $mechanism"
            done
            COMPREPLY=($(compgen -P "$done_part" -W "$left" -- "${cur##*,}"))
            return
            ;;
        --deliver)
            if [[ $cur == maildir:* ]]; then
                # Directories; what is inserted is quoted here (a leading ~
                # stays unquoted), so undo that quoting in what was typed.
                local IFS=$'\n' dir head tail path=${cur#maildir:}
                path=${path//\\/}
                [[ $path == \~ ]] && path=\~/
                COMPREPLY=()
                for dir in $(compgen -d -- "$path"); do
                    head= tail=$dir
                    if [[ $dir == \~* ]]; then
                        head=${dir%%/*}
                        tail=${dir#"$head"}
                    fi
                    [[ -n $tail ]] && printf -v tail '%q' "$tail"
                    COMPREPLY+=("maildir:$head$tail/")
                done
            elif [[ $cur == @(lmtp|smtp|handoff):unix:* ]]; then
                # A socket path after unix:.
                local IFS=$'\n' prefix=${cur%%unix:*}unix: file
                COMPREPLY=()
                for file in $(compgen -f -- "${cur#"$prefix"}"); do
                    [[ -d $file ]] && file+=/
                    COMPREPLY+=("$prefix$file")
                done
            elif [[ $cur == handoff:* ]]; then
                COMPREPLY=($(compgen -W 'handoff:tcp: handoff:unix: handoff:exec:' -- "$cur"))
            elif [[ $cur == @(lmtp|smtp):* ]]; then
                COMPREPLY=($(compgen -W "${cur%%:*}:unix:" -- "$cur"))
            elif [[ $cur == mda:* ]]; then
                COMPREPLY=($(compgen -W 'mda:sendmail' -- "$cur"))
            else
                COMPREPLY=($(compgen -W 'maildir: mda: lmtp: smtp: handoff:' -- "$cur"))
            fi
            compopt -o nospace 2>/dev/null
            _odmr_fetch_ltrim_colon
            return
            ;;
        --host)
            if declare -F _known_hosts_real >/dev/null 2>&1; then
                _known_hosts_real -- "$cur"
            fi
            return
            ;;
        --password-command | --proxy-password-command)
            COMPREPLY=($(compgen -c -- "$cur"))
            return
            ;;
        --user | --helo-name | --max-sessions | --connect-timeout | \
            --timeout | --atrn-timeout | --mda-timeout | --max-message-size | --max-recipients | \
            --max-stored-per-message | --max-stored-per-session | \
            --max-line-length | --max-commands | --max-errors | --session-timeout | --jobs | \
            --lock-wait | --retry-delay | --interval | --run-timeout)
            # Free text or a number: nothing to offer.
            return
            ;;
    esac

    [[ $split == true ]] && return

    if [[ $cur == -* ]]; then
        COMPREPLY=($(compgen -W '-h --help --version --config --all --print-config --host --user
            --password-file --password-command --proxy-password-file --proxy-password-command --tls --tls-ca-file --tls-fingerprint --tls-cert
            --tls-key --tls-min-version --channel-binding --proxy --serverinfo
            --deliver --helo-name --auth
            --allow-plaintext-auth --max-sessions --connect-timeout --timeout
            --atrn-timeout --mda-timeout --maildir-existing-only --max-message-size --max-recipients
            --max-stored-per-message --max-stored-per-session --allow-routing-addresses --max-line-length
            --max-commands --max-errors --session-timeout --run-timeout --jobs --lock-wait --retry-delay --interval --syslog --report-json --metrics-file
            -v --verbose -q --quiet' \
            -- "$cur"))
        return
    fi

    # Anything else is an account NAME (a NAME.conf in the user's or the
    # system's directory) or a DOMAIN to fetch mail for.
    COMPREPLY=($(compgen -W "$(_odmr_fetch_accounts)" -- "$cur"))
} &&
    complete -F _odmr_fetch odmr-fetch

# ex: filetype=sh
