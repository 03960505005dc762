"""The help topics: one plain-language page per way connecting can fail.

Each topic has a stable id (front ends, reports, the README's Troubleshooting
section and ``--json`` use it), a title, what it means, what to try, and when
to talk to the Exchange administrator. The README has one subsection per id;
a test keeps them in step.
"""

from __future__ import annotations

from types import MappingProxyType

from exsync_tui.core.diagnose.m365_topics import M365_TOPICS
from exsync_tui.core.diagnose.sync_topics import SYNC_TOPICS
from exsync_tui.core.steps import HelpTopic

_ADMIN_SETTINGS = (
    "Ask your Exchange administrator for the exact settings: the EWS server address, "
    "the user name format, and the authentication method."
)

_TOPICS = (
    HelpTopic(
        id="dns-not-found",
        title="The server name does not resolve",
        explanation=(
            "This machine could not find an address for the server name. Either the name is "
            "misspelt, or it exists only in your company's internal DNS, which you reach "
            "through the VPN or the office network."
        ),
        advice=(
            "Check the spelling of the server name or email domain.",
            "Connect to the VPN (or the office network) and try again.",
            "If you know the server's address, map the name to it (Host map in the advanced "
            "settings, or --connect-to).",
        ),
        admin="If the name is right and you are on the VPN, ask which server name to use.",
        field="server",
    ),
    HelpTopic(
        id="private-address-vpn",
        title="The server is on an internal network (VPN needed)",
        explanation=(
            "The server name resolves to an internal address (private, CGNAT, link-local or "
            "ULA) that this machine has no route to. Such addresses are reachable only from "
            "inside the company network, so nothing was sent."
        ),
        advice=(
            "Connect to the VPN or the office network and try again.",
            "If the server also has a public name (the one Outlook on the web uses at home), "
            "use that name.",
        ),
        admin="Ask whether Exchange is published outside the company network, and by which name.",
        field="server",
    ),
    HelpTopic(
        id="connection-refused",
        title="The server refused the connection",
        explanation=(
            "The machine at that address answered, but nothing accepts connections on the "
            "port: the service is not running there, or it listens on another port or host."
        ),
        advice=(
            "Check the server name and port (EWS normally uses https on port 443).",
            "Try the address you use for Outlook on the web.",
        ),
        admin="Ask whether Exchange Web Services is running and on which host and port.",
        field="server",
    ),
    HelpTopic(
        id="connection-timeout",
        title="The connection timed out",
        explanation=(
            "Nothing answered at all. A firewall may drop the traffic, the VPN may be down, or "
            "the host name points to the wrong machine."
        ),
        advice=(
            "Check that the VPN is connected if the server is internal.",
            "Check the server name; try again in a minute.",
            "If you use a proxy, check HTTPS_PROXY and NO_PROXY.",
        ),
        admin="Ask whether the server is reachable from where you are (firewall rules).",
        field="server",
    ),
    HelpTopic(
        id="tls-untrusted",
        title="The server's certificate is not trusted",
        explanation=(
            "The server presented a certificate that this machine cannot verify: it is "
            "self-signed, issued by a company CA, or the server does not send its "
            "intermediate certificate."
        ),
        advice=(
            "If you have the company CA certificate, trust it: set it as the CA file "
            "(advanced settings, or --ca-file).",
            "Or compare the SHA-256 fingerprint shown with the one your administrator "
            "gives you, and pin it (Trust cert, the Pin setting, or --pin-sha256).",
        ),
        admin=(
            "Ask for the CA certificate or the server certificate's SHA-256 fingerprint; if "
            "a public CA issued it, the server should also send the intermediate certificate."
        ),
        field="ca_file",
    ),
    HelpTopic(
        id="tls-name-mismatch",
        title="The certificate is for another name",
        explanation=(
            "The server's certificate does not cover the name you connected to. The name may "
            "be an alias, or another machine answers at that address."
        ),
        advice=(
            "Use the server name the certificate is issued for (shown in the details).",
            "If you connect through an IP address, use the host name instead.",
        ),
        admin="Ask for the server name that matches the certificate.",
        field="server",
    ),
    HelpTopic(
        id="tls-pin-mismatch",
        title="The certificate does not match the pinned fingerprint",
        explanation=(
            "You pinned a certificate fingerprint, and the server now presents a different "
            "certificate. This is expected after the certificate was renewed, but could also "
            "be someone intercepting the connection."
        ),
        advice=(
            "Check with your administrator that the certificate was renewed, then pin the new "
            "fingerprint shown in the details.",
            "Do not pin the new fingerprint if you cannot confirm it.",
        ),
        admin="Ask for the SHA-256 fingerprint of the current server certificate.",
        field="pin_sha256",
    ),
    HelpTopic(
        id="tls-expired",
        title="The server's certificate has expired",
        explanation="The server presents a certificate whose validity period is over.",
        advice=("Check the clock of this machine.", "Try again after the server is fixed."),
        admin="The server's certificate must be renewed: tell the administrator.",
        field=None,
    ),
    HelpTopic(
        id="tls-intercepted",
        title="Something other than the server answered",
        explanation=(
            "The answer on the secure port was not the Exchange server's: a captive portal "
            "(hotel or guest Wi-Fi), an intercepting proxy, or a plain web server."
        ),
        advice=(
            "Open any web page in a browser to pass a captive portal, then try again.",
            "On a company network with an inspecting proxy, set the proxy's CA as the CA "
            "file (advanced settings, or --ca-file).",
        ),
        admin="Ask whether a proxy inspects TLS traffic and which CA it uses.",
        field="ca_file",
    ),
    HelpTopic(
        id="tls-silent",
        title="The server accepted the connection but never started TLS",
        explanation=(
            "Something at that address accepted the connection and then stayed silent: it "
            "never began the secure (TLS) handshake. Usually the port is not the server's "
            "https port, or a firewall or load balancer holds the connection without passing "
            "it on, or the server is hung."
        ),
        advice=(
            "Check the server address and port: EWS uses https on port 443 (Server in the "
            "advanced settings, or --server).",
            "Try again in a few minutes; if it stays silent, the server or the load balancer "
            "in front of it is not working.",
        ),
        admin=(
            "Ask whether https on port 443 of the Exchange server (or its load balancer) "
            "answers: it accepts connections but never completes TLS."
        ),
        field="server",
    ),
    HelpTopic(
        id="autodiscover-failed",
        title="The server could not be found automatically",
        explanation=(
            "Autodiscover tried every standard way to find the Exchange server from your "
            "email domain and none answered with settings."
        ),
        advice=(
            "Enter the server yourself (Server in the advanced settings, or --server); the "
            "address of Outlook on the web works: paste it.",
            "Check the email address for typos.",
        ),
        admin=_ADMIN_SETTINGS,
        field="server",
    ),
    HelpTopic(
        id="redirect-declined",
        title="The redirect to another domain was not followed",
        explanation=(
            "Autodiscover pointed to a server in another domain. Your password would have "
            "been sent there, so exsync asked first, and the redirect was declined."
        ),
        advice=(
            "If you trust that domain (your company's hosting provider), try again and accept.",
            "Otherwise enter the server yourself (advanced settings, or --server).",
        ),
        admin="Ask whether that domain really hosts your mailbox.",
        field="server",
    ),
    HelpTopic(
        id="credentials-rejected",
        title="The user name or password was rejected",
        explanation=(
            "The server refused the sign-in. The password may be wrong or changed, or the "
            "account needs an app password (accounts with two-factor sign-in)."
        ),
        advice=(
            "Type the password again (check Caps Lock and the keyboard layout).",
            "If your account uses two-factor sign-in, create an app password.",
            "Try the user name as DOMAIN\\user, or as user@domain.com.",
        ),
        admin="If the password works elsewhere, ask which user name format the server expects.",
        field="password",
    ),
    HelpTopic(
        id="username-format",
        title="The user name may be in the wrong format",
        explanation=(
            "The server refused the sign-in, and the user name is in a form Exchange often "
            "does not accept: a bare name without domain, or the email address where the "
            "Windows login (DOMAIN\\user) is expected."
        ),
        advice=(
            "Use your Windows login as DOMAIN\\user (for example EXAMPLE\\alice).",
            "Or use the user principal name, user@domain.com.",
        ),
        admin="Ask for your sign-in name as Exchange expects it.",
        field="username",
    ),
    HelpTopic(
        id="account-locked",
        title="The account is locked",
        explanation=(
            "The server says the account is locked, usually after too many wrong passwords "
            "(from any device)."
        ),
        advice=(
            "Wait for the lockout to expire (often 15 to 30 minutes) before trying again.",
            "Update the password on your other devices so they stop retrying the old one.",
        ),
        admin="Ask the administrator or help desk to unlock the account.",
        field=None,
    ),
    HelpTopic(
        id="password-expired",
        title="The password has expired",
        explanation="The server accepted the user name but the password must be changed first.",
        advice=(
            "Change the password (for example in Outlook on the web), then give exsync the "
            "new one: edit the mailbox, or run exsync profiles edit with --password-prompt.",
        ),
        admin="If you cannot change it yourself, ask the help desk.",
        field="password",
    ),
    HelpTopic(
        id="modern-auth-required",
        title="The server wants Microsoft modern sign-in",
        explanation=(
            "The server does not accept a password here; it offers only OAuth (modern) "
            "sign-in. This is how Microsoft 365 and hybrid accounts work."
        ),
        advice=(
            "This version of exsync signs in with a password only (Microsoft 365 sign-in comes "
            "in a later version): ask your administrator to allow NTLM or Basic sign-in on "
            "Exchange Web Services for your mailbox.",
        ),
        admin=(
            "Ask whether NTLM or Basic authentication can be allowed on EWS for this mailbox "
            "(for example an authentication policy or a client access rule that permits it)."
        ),
        field=None,
    ),
    HelpTopic(
        id="office365-signin-pending",
        title="Microsoft 365 is not available here yet",
        explanation=(
            "Microsoft 365 mailboxes sign in with Microsoft's device-code flow and sync "
            "through Microsoft Graph; this part of exsync speaks only Exchange's EWS and "
            "cannot serve them."
        ),
        advice=(
            "Sign in with the dashboard's i (sign in), or on a terminal with exsync profiles "
            "signin, and sync through Graph (README: Microsoft 365).",
            "For an on-premises Exchange server, choose the Exchange (EWS) account type instead.",
        ),
        admin="No action needed.",
        field="office365",
    ),
    HelpTopic(
        id="auth-unsupported",
        title="The server offers no sign-in method exsync supports",
        explanation=(
            "exsync signs in with NTLM or Basic authentication; the server offered neither."
        ),
        advice=(
            "Set the sign-in method to auto, or to the other method (Sign-in in the advanced "
            "settings, or --auth).",
        ),
        admin="Ask whether NTLM or Basic authentication can be enabled for EWS.",
        field="auth",
    ),
    HelpTopic(
        id="ews-disabled",
        title="Exchange Web Services is turned off for this mailbox",
        explanation=(
            "Sign-in worked, but the server does not allow EWS access for this mailbox "
            "(administrators can disable it per user or per application)."
        ),
        advice=("There is nothing to change on this side.",),
        admin="Ask the administrator to allow EWS for your mailbox (Set-CASMailbox -EwsEnabled).",
        field=None,
    ),
    HelpTopic(
        id="mailbox-not-found",
        title="The mailbox was not found",
        explanation=(
            "Sign-in worked, but the server has no mailbox for this email address: a typo, "
            "an alias instead of the primary address, or a mailbox on another server."
        ),
        advice=("Check the email address; use the primary address of the mailbox.",),
        admin="Ask for your mailbox's primary SMTP address and server.",
        field=None,
    ),
    HelpTopic(
        id="access-denied",
        title="Access to the mailbox was denied",
        explanation=(
            "Sign-in worked, but this account may not open the mailbox. This happens when "
            "signing in as one user to open another user's mailbox."
        ),
        advice=("Sign in as the mailbox owner, or ask for delegate (full access) rights.",),
        admin="Ask for full-access permission on the mailbox, or its owner's credentials.",
        field="username",
    ),
    HelpTopic(
        id="server-busy",
        title="The server is busy",
        explanation=(
            "The server asked exsync to slow down (throttling) or is temporarily unavailable, "
            "and did not recover within the time allowed."
        ),
        advice=("Try again in a few minutes.",),
        admin="If it persists, ask whether a throttling policy limits your account.",
        field=None,
    ),
    HelpTopic(
        id="response-rejected",
        title="The server's answer was refused",
        explanation=(
            "An answer was far larger than any Exchange server sends for this step, or was XML "
            "declaring entities (a DTD), which Exchange never sends. exsync stopped reading it. "
            "It comes from a misconfigured server, or from something between you and the "
            "server (a proxy, a captive portal, an attacker)."
        ),
        advice=(
            "Check that the server name is right and that you are on the network you expect.",
            "Try again from another network; if it works there, something on this network "
            "answers instead of the server.",
        ),
        admin="Send the report: it names the address that sent the refused answer.",
        field=None,
    ),
    HelpTopic(
        id="server-timeout",
        title="The server did not answer in time",
        explanation=(
            "The connection was accepted and the request was sent, but no answer came within "
            "the time allowed. This is not throttling (a busy server says so). The address may "
            "lead to the wrong service (a host mapping or port that goes elsewhere), something "
            "in between (a firewall, proxy or load balancer) may hold the connection, or the "
            "Exchange server is hung."
        ),
        advice=(
            "Check the server address and any host mapping (Server and Host map in the "
            "advanced settings, or --server and --connect-to): EWS uses https on port 443.",
            "Check whether Outlook on the web answers: if it hangs too, the server is down; "
            "try again in a few minutes.",
            "Over a slow link (VPN, mobile), give exsync more time: exsync diagnose or "
            "exsync profiles add with --time-limit 120.",
        ),
        admin=(
            "Ask the administrator to check the Exchange web services (IIS, the EWS and "
            "Autodiscover application pools) and any load balancer in front of them: they "
            "accept connections but do not answer."
        ),
        field="server",
    ),
    HelpTopic(
        id="server-silent",
        title="The server closed the connection without answering",
        explanation=(
            "The connection and TLS worked and the request was sent, but the server closed "
            "the connection without a word. This is not throttling (a busy server says so); "
            "the Exchange server, or something in front of it, is not working."
        ),
        advice=(
            "Try again in a few minutes.",
            "Check whether Outlook on the web works: if it does not either, the server is down.",
        ),
        admin=(
            "Ask the administrator to check the Exchange web services (IIS, the EWS and "
            "Autodiscover application pools) and any load balancer in front of them."
        ),
        field=None,
    ),
    HelpTopic(
        id="proxy-error",
        title="The proxy refused or failed the connection",
        explanation=(
            "The connection goes through the HTTP proxy from HTTPS_PROXY/HTTP_PROXY, and the "
            "proxy answered with an error."
        ),
        advice=(
            "Check the proxy settings (HTTPS_PROXY, NO_PROXY).",
            "Add the server to NO_PROXY if it is reachable directly.",
        ),
        admin="Ask whether the proxy allows connections to the Exchange server.",
        field=None,
    ),
    HelpTopic(
        id="keyring-unavailable",
        title="No secure place to store the password",
        explanation=(
            "exsync keeps passwords only in the system keyring (Secret Service, macOS "
            "Keychain, Windows Credential Locker), and none is available in this session."
        ),
        advice=(
            "Start a keyring (for example gnome-keyring or KeePassXC with Secret Service).",
            "Or let a password manager give it: --password-command with exsync profiles add "
            "or edit (password_command in the config), for example pass show exchange.",
            "Or give the password for this run only: exsync diagnose asks for it on a "
            "terminal, or reads it with --password-stdin.",
        ),
        admin="No action needed from the Exchange administrator.",
        field="password",
    ),
    HelpTopic(
        id="settings-invalid",
        title="A setting is not valid",
        explanation="One of the settings cannot be used as given (the details say which).",
        advice=("Correct the setting named in the details.",),
        admin="No action needed unless you do not know the right value.",
        field=None,
    ),
    HelpTopic(
        id="cancelled",
        title="Cancelled",
        explanation="The check was cancelled before it finished.",
        advice=("Run it again when ready.",),
        admin="No action needed.",
        field=None,
    ),
    HelpTopic(
        id="unexpected-error",
        title="Correct details that still fail",
        explanation=(
            "The settings look right and the server answers, but something unexpected went "
            "wrong. The report holds the details an administrator or support needs."
        ),
        advice=(
            "Save the report (Save report on the help screen, or exsync diagnose with "
            "--report FILE) and send it to your administrator or support.",
            "Try again later: the server may be having a problem.",
        ),
        admin="Send the report to the Exchange administrator; it contains no passwords or tokens.",
        field=None,
    ),
)

HELP_TOPICS: MappingProxyType[str, HelpTopic] = MappingProxyType(
    {t.id: t for t in (*_TOPICS, *SYNC_TOPICS, *M365_TOPICS)}
)
"""Every help topic by id, in catalogue order."""


def topic_by_id(topic_id: str) -> HelpTopic:
    """The help topic with that id; raises KeyError for an unknown id."""
    return HELP_TOPICS[topic_id]
