"""TLS for a shared session: certificates the facilitator makes, carried in the secret file.

User/password authentication keeps strangers out, but over plain TCP what participants
send can be read on the way. With TLS (Zenoh's ``tls/host:port`` endpoints) the router
proves who it is with a certificate and the traffic is encrypted. ``xrjig session tls``
makes a certificate authority for the session, signs the router's certificate with it
(for the host names and addresses participants will connect to), writes the router's
certificate and key for ``serve --tls-dir``, and appends the authority's certificate to
the session's secret file: participants still get one file. The authority's private key
is not kept: a new router certificate means a new secret file, which is what a facilitator
hands out anyway.

A participant joining a ``tls/`` endpoint trusts only the certificate in its secret file
(not the system's authorities), and Zenoh checks the router's name against it.
"""

from __future__ import annotations

import datetime
import ipaddress
import os
from collections.abc import Sequence
from pathlib import Path

from scenes.model import SceneError

BEGIN = b"-----BEGIN CERTIFICATE-----"
#: how long the certificates hold
VALID_DAYS = 365
ROUTER_CERT, ROUTER_KEY = "router.pem", "router-key.pem"


def _name(common: str):
    from cryptography import x509
    from cryptography.x509.oid import NameOID

    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common)])


def _alt_names(hosts: Sequence[str]):
    from cryptography import x509

    names = []
    for host in hosts:
        try:
            names.append(x509.IPAddress(ipaddress.ip_address(host)))
        except ValueError:
            names.append(x509.DNSName(host))
    return x509.SubjectAlternativeName(names)


def make_certificates(session: str, hosts: Sequence[str], out: Path) -> tuple[bytes, Path, Path]:
    """A certificate authority for ``session`` and a router certificate it signs for
    ``hosts`` (names or addresses); writes ``out/router.pem`` and ``out/router-key.pem``
    (readable by the owner only) and returns the authority's certificate (PEM)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    if not hosts:
        raise SceneError("--host", "name at least one host name or address the participants connect to")
    now = datetime.datetime.now(datetime.timezone.utc)
    until = now + datetime.timedelta(days=VALID_DAYS)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = _name(f"xrjig session {session} authority")
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name).public_key(ca_key.public_key())
          .serial_number(x509.random_serial_number()).not_valid_before(now).not_valid_after(until)
          .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
          .add_extension(x509.KeyUsage(digital_signature=False, content_commitment=False, key_encipherment=False,
                                       data_encipherment=False, key_agreement=False, key_cert_sign=True,
                                       crl_sign=True, encipher_only=False, decipher_only=False), critical=True)
          .sign(ca_key, hashes.SHA256()))
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (x509.CertificateBuilder().subject_name(_name(hosts[0])).issuer_name(ca_name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now).not_valid_after(until)
            .add_extension(_alt_names(hosts), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .sign(ca_key, hashes.SHA256()))
    out.mkdir(parents=True, exist_ok=True)
    cert_path, key_path = out / ROUTER_CERT, out / ROUTER_KEY
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    fd = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as file:
        file.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                     serialization.NoEncryption()))
    return ca.public_bytes(serialization.Encoding.PEM), cert_path, key_path


def authority_in(secret_file: Path, text: bytes) -> bytes | None:
    """The certificate authority (PEM) the secret file ``text`` carries after its first
    line, or None; a damaged one is a SceneError naming the file."""
    start = text.find(BEGIN)
    if start < 0:
        return None
    pem = text[start:]
    try:
        from cryptography import x509

        x509.load_pem_x509_certificate(pem)
    except ValueError:
        raise SceneError(secret_file, "the TLS certificate in the secret file is damaged") from None
    return pem


def router_files(folder: Path) -> tuple[Path, Path]:
    """``serve --tls-dir``: the router's certificate and key, or a SceneError saying why not."""
    cert, key = folder / ROUTER_CERT, folder / ROUTER_KEY
    for path in (cert, key):
        if not path.is_file():
            raise SceneError(path, "missing: make it with `xrjig session tls`")
    return cert, key
