"""Help topics of Microsoft 365 sign-in: the AADSTS errors people meet, and the device code.

Each names the Entra ID error codes it covers, what the user can try, and what to
ask the administrator (most of these are tenant settings only they can change).
"""

from __future__ import annotations

from exsync_tui.core.steps import HelpTopic

SIGN_IN_AGAIN = "Sign in again: run exsync profiles signin."
"""Advice that :mod:`~exsync_tui.core.diagnose.personal` completes with the profile's name."""

M365_TOPICS = (
    HelpTopic(
        id="m365-client-id-missing",
        title="No application (client) id for Microsoft 365",
        explanation=(
            "Microsoft 365 signs in through an application registered in your organisation's "
            "Entra ID. exsync does not borrow another product's registration, so it needs the "
            "client id of one your organisation registered."
        ),
        advice=(
            "Ask your administrator for the client id of a public client registered for "
            "exsync (README: Registering exsync in your organisation).",
            "Set it with exsync profiles edit and --client-id (client_id under the profile's "
            "[office365] in the config), or once for every profile as client_id under a "
            "top-level [office365] in the config.",
        ),
        admin=(
            "Ask the administrator to register an application with 'Allow public client flows' "
            "on, the delegated Microsoft Graph permissions Mail.ReadWrite, Calendars.Read and "
            "User.Read, and admin consent for them; then ask for its client id."
        ),
        field="office365",
    ),
    HelpTopic(
        id="m365-consent-required",
        title="The application has no consent to read your mailbox (AADSTS65001, 90094)",
        explanation=(
            "Your organisation requires an administrator to approve (consent to) what the "
            "application asks for: reading and writing mail, reading calendars, and your profile."
        ),
        advice=("Ask your administrator to grant admin consent, then sign in again.",),
        admin=(
            "Ask for admin consent for the application's delegated permissions Mail.ReadWrite, "
            "Calendars.Read and User.Read (Entra admin center: App registrations, API "
            "permissions, Grant admin consent)."
        ),
        field=None,
    ),
    HelpTopic(
        id="m365-consent-declined",
        title="Consent was declined (AADSTS65004)",
        explanation="The permissions prompt was answered with Cancel or Decline.",
        advice=("Sign in again and accept the permissions the application asks for.",),
        admin="If you may not consent yourself, ask the administrator for admin consent.",
        field=None,
    ),
    HelpTopic(
        id="m365-conditional-access",
        title="Blocked by Conditional Access (AADSTS53003, 53000)",
        explanation=(
            "A Conditional Access policy of your organisation refused this sign-in: for "
            "example only compliant or managed devices, certain locations, or no device-code "
            "sign-in are allowed."
        ),
        advice=(
            "If the device-code sign-in is what is blocked, sign in with a browser instead: "
            "exsync profiles signin has a browser sign-in that prints the address to open and "
            "an ssh -L command for a remote machine (README: Microsoft 365).",
            "Try from a network or device your organisation allows.",
        ),
        admin=(
            "Ask which Conditional Access policy blocked the sign-in (the sign-in logs show it "
            "with the request id) and whether an exception is possible for this application."
        ),
        field=None,
    ),
    HelpTopic(
        id="m365-mfa-required",
        title="Multi-factor authentication is needed (AADSTS50076, 50078)",
        explanation=(
            "Your organisation needs a second factor for this sign-in, or the one you gave has "
            "expired. A background refresh cannot ask for it."
        ),
        advice=(SIGN_IN_AGAIN + " Complete the second factor when the browser asks.",),
        admin="No action needed unless your second factor is not set up.",
        field=None,
    ),
    HelpTopic(
        id="m365-signin-expired",
        title="The sign-in has expired (AADSTS70043, 700082)",
        explanation=(
            "Your organisation's sign-in frequency policy ended the session, or exsync was not "
            "used for 90 days and its refresh token lapsed."
        ),
        advice=(SIGN_IN_AGAIN,),
        admin="No action needed; the sign-in frequency is a policy of your organisation.",
        field=None,
    ),
    HelpTopic(
        id="m365-grant-revoked",
        title="The sign-in was revoked (AADSTS50173)",
        explanation=(
            "The session was revoked: the password changed, an administrator revoked sessions, "
            "or the device was signed out."
        ),
        advice=(SIGN_IN_AGAIN,),
        admin="No action needed unless you did not change anything; then ask why.",
        field=None,
    ),
    HelpTopic(
        id="m365-account-unavailable",
        title="The account is disabled or not found (AADSTS50057, 50034)",
        explanation=(
            "Entra ID does not know this account in the directory, or the account is disabled."
        ),
        advice=(
            "Check that you signed in with the right account (the mailbox's own address).",
            "If the account is in another organisation, set its tenant (tenant under the "
            "profile's [office365] in the config, or --tenant).",
        ),
        admin="Ask whether the account exists and is enabled for sign-in.",
        field="office365",
    ),
    HelpTopic(
        id="m365-tenant-not-found",
        title="The tenant was not found (AADSTS90002)",
        explanation="The tenant (directory) in the profile does not exist in this cloud.",
        advice=(
            "Check the tenant: organizations (the default), your tenant id, or your domain.",
            "For a national cloud, set its sign-in address (authority under the profile's "
            "[office365] in the config, or --authority).",
        ),
        admin="Ask for the tenant id (Directory ID) and which cloud the organisation uses.",
        field="office365",
    ),
    HelpTopic(
        id="m365-app-not-found",
        title="The application was not found or is disabled (AADSTS700016, 7000112)",
        explanation=(
            "The client id does not name an application in this directory, or the application "
            "is disabled."
        ),
        advice=(
            "Check the client id (exsync profiles show, or client_id in the config) against the "
            "one you were given.",
            "If the application lives in another tenant, set that tenant (tenant under the "
            "profile's [office365] in the config, or --tenant).",
        ),
        admin=(
            "Ask whether the application is registered and enabled in the tenant, and for its "
            "client id."
        ),
        field="office365",
    ),
    HelpTopic(
        id="m365-public-client-off",
        title="The application does not allow public client flows (AADSTS7000218)",
        explanation=(
            "exsync signs in as a public client (it keeps no secret). The application's "
            "registration has 'Allow public client flows' switched off."
        ),
        advice=("Ask your administrator to switch it on, then sign in again.",),
        admin=(
            "Entra admin center: App registrations, the application, Authentication, "
            "Advanced settings: set 'Allow public client flows' to Yes."
        ),
        field=None,
    ),
    HelpTopic(
        id="m365-single-tenant-app",
        title="A single-tenant application used with a shared endpoint (AADSTS50194)",
        explanation=(
            "The application is registered for one organisation only, but exsync signed in "
            "through organizations or common."
        ),
        advice=(
            "Set your own tenant, its domain or tenant id (tenant under the profile's "
            "[office365] in the config, or --tenant).",
        ),
        admin="Ask for the tenant id the application is registered in.",
        field="office365",
    ),
    HelpTopic(
        id="m365-device-code-declined",
        title="The sign-in was declined",
        explanation="The code was entered, and then the sign-in was declined on that page.",
        advice=(SIGN_IN_AGAIN + " Choose Continue on the page that shows the application.",),
        admin="No action needed.",
        field=None,
    ),
    HelpTopic(
        id="m365-device-code-expired",
        title="The sign-in code expired",
        explanation="Nobody entered the code in time (it is valid for about 15 minutes).",
        advice=(SIGN_IN_AGAIN,),
        admin="No action needed.",
        field=None,
    ),
    HelpTopic(
        id="m365-signin-needed",
        title="Microsoft 365 needs you to sign in",
        explanation=(
            "exsync has no valid sign-in for this mailbox: it never signed in, the stored "
            "sign-in was removed, or the refresh was refused. A background sync never waits "
            "for a person, so it stopped."
        ),
        advice=(SIGN_IN_AGAIN,),
        admin="No action needed.",
        field=None,
    ),
    HelpTopic(
        id="m365-signin-failed",
        title="Microsoft 365 sign-in failed",
        explanation="The sign-in service refused the sign-in for a reason exsync does not know.",
        advice=(
            "Read the AADSTS code in the details and look it up in Microsoft's list of "
            "Entra ID error codes.",
            SIGN_IN_AGAIN,
        ),
        admin="Send the details (they hold no tokens) to your administrator.",
        field=None,
    ),
)

SIGN_IN_TOPICS = frozenset(topic.id for topic in M365_TOPICS)
"""Topics after which a person must act: a headless sync stops with its own exit code."""
