"""DavMail (an EWS-to-IMAP gateway nobody here wrote) and mbsync, run on loopback.

The interop test checks the sandbox against them, and `bench/davmail_peer.py` times them as
the peer a power user would otherwise run.

DavMail runs in headless server mode against the sandbox's EWS URL, trusting exactly the
sandbox's leaf certificate through `davmail.server.certificate.hash` (its format: SHA-1 of the
DER bytes, upper-case hex pairs joined by ":"), with only its IMAP listener open, on 127.0.0.1.
"""

from __future__ import annotations

import contextlib
import hashlib
import shutil
import socket
import ssl
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

DAVMAIL_JAR = Path("/usr/share/davmail/davmail.jar")
DEBIAN_PACKAGES = "davmail-server isync libjna-java libjna-jni default-jre-headless"


def missing_tools() -> list[str]:
    """What of Java, DavMail and mbsync this machine lacks (empty when all are there)."""
    missing = [tool for tool in ("java", "mbsync") if shutil.which(tool) is None]
    return missing + ([] if DAVMAIL_JAR.exists() else [str(DAVMAIL_JAR)])


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def davmail_certificate_hash(host: str, port: int) -> str:
    """The server certificate's hash as DavMail writes it ("AB:01:...", SHA-1 of the DER)."""
    der = ssl.PEM_cert_to_DER_cert(ssl.get_server_certificate((host, port), timeout=10))
    return ":".join(f"{byte:02X}" for byte in hashlib.sha1(der, usedforsecurity=False).digest())


def _imap_greeting(port: int, deadline: float, process: subprocess.Popen[bytes]) -> bool:
    """Whether DavMail answers on `port` with an IMAP greeting before `deadline` (or exits)."""
    while time.monotonic() < deadline and process.poll() is None:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=2) as connection:
                connection.settimeout(max(deadline - time.monotonic(), 0.1))
                return connection.recv(64).startswith(b"* OK")
        except OSError:
            time.sleep(0.05)  # not listening yet: poll again
    return False


@contextlib.contextmanager
def davmail(ews_url: str, certificate_hash: str, workdir: Path) -> Iterator[int]:
    """Run DavMail against `ews_url`; yields its IMAP port once it greets, stops it after."""
    imap_port = free_port()
    settings = workdir / "davmail.properties"
    settings.write_text(
        "\n".join(
            [
                "davmail.server=true",
                "davmail.mode=EWS",
                f"davmail.url={ews_url}",
                f"davmail.server.certificate.hash={certificate_hash}",
                "davmail.allowRemote=false",
                "davmail.bindAddress=127.0.0.1",
                f"davmail.imapPort={imap_port}",
                # Empty ports keep the other listeners closed.
                "davmail.smtpPort=",
                "davmail.popPort=",
                "davmail.caldavPort=",
                "davmail.ldapPort=",
                "davmail.enableProxy=false",
                "davmail.useSystemProxies=false",
                "davmail.disableUpdateCheck=true",
                "davmail.enableKeepAlive=true",
                f"davmail.logFilePath={workdir / 'davmail.log'}",
                "log4j.rootLogger=WARN",
                "log4j.logger.davmail=INFO",
                "",
            ]
        )
    )
    log = (workdir / "davmail.out").open("wb")
    process = subprocess.Popen(
        [
            "java",
            f"-Duser.home={workdir}",
            "-Djava.awt.headless=true",
            "-XX:TieredStopAtLevel=1",  # start fast; the test is short
            "-Xmx256m",
            "-jar",
            str(DAVMAIL_JAR),
            str(settings),
        ],
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=workdir,
    )
    try:
        if not _imap_greeting(imap_port, time.monotonic() + 45, process):
            raise RuntimeError(f"DavMail did not serve IMAP: {_tail(workdir / 'davmail.out')}")
        yield imap_port
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
        log.close()


def _tail(path: Path) -> str:
    return path.read_text(errors="replace")[-2000:] if path.exists() else "(no output)"


def run_mbsync(
    imap_port: int,
    user: str,
    password: str,
    maildir: Path,
    workdir: Path,
    timeout_s: float = 120,
) -> str:
    """Pull every folder through DavMail's IMAP port into `maildir`; returns mbsync's output."""
    maildir.mkdir(parents=True, exist_ok=True)
    password_file = workdir / "imap-password"
    password_file.write_text(password)
    config = workdir / "mbsyncrc"
    config.write_text(
        f"""IMAPAccount sandbox
Host 127.0.0.1
Port {imap_port}
User {user}
PassCmd "cat {password_file}"
SSLType None
AuthMechs LOGIN
Timeout 60

IMAPStore sandbox-far
Account sandbox

MaildirStore sandbox-near
Path {maildir}/
Inbox {maildir}/INBOX
SubFolders Verbatim

Channel sandbox
Far :sandbox-far:
Near :sandbox-near:
Patterns *
Create Near
Sync Pull
SyncState *
"""
    )
    result = subprocess.run(
        ["mbsync", "--config", str(config), "sandbox"],
        capture_output=True,
        text=True,
        timeout=timeout_s,
        check=False,
    )
    output = result.stdout + result.stderr
    if result.returncode != 0:
        raise RuntimeError(f"mbsync failed ({result.returncode}): {output[-2000:]}")
    return output
