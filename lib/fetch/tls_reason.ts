/**
 * TLS failures in words. Bun reports OpenSSL's codes
 * (`UNABLE_TO_VERIFY_LEAF_SIGNATURE`, `ERR_TLS_CERT_ALTNAME_INVALID`, ...),
 * Deno rustls' texts (`invalid peer certificate: UnknownIssuer`); a user of
 * either needs the same sentence, and what to do about an unknown
 * authority with the runtime that refused it.
 */
import { accessSync, constants, statSync } from "node:fs";
import process from "node:process";
import { clipped, fsReason } from "../errors.ts";

/**
 * How each TLS stack is made to trust a private CA (see the README), by
 * the failures it reports: OpenSSL's codes come from the executable (Bun),
 * which reads the variables Python and curl users know; rustls' texts from
 * `deno run`, which reads `DENO_CERT` (and names it itself when it points
 * nowhere) and `NODE_EXTRA_CA_CERTS`, never `SSL_CERT_FILE` or
 * `SSL_CERT_DIR`.
 */
const TRUST = {
  openssl: {
    hint: "set SSL_CERT_FILE to a file holding the CA's certificate",
    variables: [
      ["SSL_CERT_FILE", "file"],
      ["SSL_CERT_DIR", "directory"],
      ["NODE_EXTRA_CA_CERTS", "file"],
    ],
  },
  rustls: {
    hint: "set DENO_CERT to a file holding the CA's certificate",
    variables: [["NODE_EXTRA_CA_CERTS", "file"]],
  },
} as const;

/** A TLS stack of {@link TRUST}. */
type TlsStack = keyof typeof TRUST;

/**
 * The reason for a TLS failure with `host`, or undefined when `code` and
 * `text` (the error's code and message) do not describe one. For an
 * untrusted certificate, a variable of `env` naming certificates that are
 * not there is named, rather than advice to set it.
 *
 * @example tlsReason("CERT_HAS_EXPIRED", "certificate has expired", "pypi.org") // "TLS error: certificate has expired"
 */
export function tlsReason(
  code: string,
  text: string,
  host: string,
  env: Record<string, string | undefined> = process.env,
): string | undefined {
  const words = tlsWords(code, text, host, (stack) => trustHint(stack, env));
  return words === undefined ? undefined : `TLS error: ${words}`;
}

/**
 * The first variable `stack` reads in `env` naming what cannot be read (an
 * environment copied from another machine, a removed virtualenv's bundle),
 * or else the usual advice.
 */
function trustHint(
  stack: TlsStack,
  env: Record<string, string | undefined>,
): string {
  for (const [name, kind] of TRUST[stack].variables) {
    const path = env[name];
    if (!path) continue;
    let problem: string | undefined;
    try {
      const isDirectory = statSync(path).isDirectory();
      if (isDirectory !== (kind === "directory")) problem = `not a ${kind}`;
      else accessSync(path, constants.R_OK);
    } catch (err) {
      problem ??= fsReason(err);
    }
    if (problem) return `${name} names ${clipped(path)}: ${problem}`;
  }
  return TRUST[stack].hint;
}

function tlsWords(
  code: string,
  text: string,
  host: string,
  hint: (stack: TlsStack) => string,
): string | undefined {
  if (code === "DEPTH_ZERO_SELF_SIGNED_CERT") {
    return `self-signed certificate (${hint("openssl")})`;
  }
  if (/CaUsedAsEndEntity/.test(text)) {
    // rustls takes no CA's certificate for a server's, trusted or not.
    return "self-signed certificate (a CA's certificate as the server's own, " +
      "which Deno refuses even when trusted)";
  }
  if (
    /^(UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT(_LOCALLY)?|SELF_SIGNED_CERT_IN_CHAIN|CERT_UNTRUSTED)$/
      .test(code)
  ) {
    return `certificate issued by an unknown authority (${hint("openssl")})`;
  }
  if (/UnknownIssuer/.test(text)) {
    return `certificate issued by an unknown authority (${hint("rustls")})`;
  }
  if (code === "CERT_HAS_EXPIRED" || /certificate expired/i.test(text)) {
    return "certificate has expired";
  }
  if (code === "CERT_NOT_YET_VALID" || /not valid yet|NotValidYet/.test(text)) {
    return "certificate is not valid yet";
  }
  if (
    code === "ERR_TLS_CERT_ALTNAME_INVALID" ||
    /not valid for name|NotValidForName/.test(text)
  ) {
    return `certificate is not valid for ${host}`;
  }
  if (code === "CERT_REVOKED" || /\bRevoked\b/.test(text)) {
    return "certificate has been revoked";
  }
  if (
    /handshake failed|InvalidContentType|corrupt message/i.test(text) ||
    /WRONG_VERSION_NUMBER/.test(code)
  ) {
    return "handshake failed (does the server speak TLS on this port?)";
  }
  if (
    code === "EPROTO" || /CERT|TLS|SSL/.test(code) ||
    /certificate|tls|ssl|handshake/i.test(text)
  ) {
    return text || code;
  }
  return undefined;
}
