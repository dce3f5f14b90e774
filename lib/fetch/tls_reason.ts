/**
 * TLS failures in words. Bun reports OpenSSL's codes
 * (`UNABLE_TO_VERIFY_LEAF_SIGNATURE`, `ERR_TLS_CERT_ALTNAME_INVALID`, ...),
 * Deno rustls' texts (`invalid peer certificate: UnknownIssuer`); a user of
 * either needs the same sentence, and what to do about an unknown
 * authority.
 */
import { accessSync, constants, statSync } from "node:fs";
import process from "node:process";
import { clipped, fsReason } from "../errors.ts";

/** How an untrusted certificate is made trusted (see the README). */
const TRUST_HINT = "set SSL_CERT_FILE to a file holding the CA's certificate";

/** The variables naming certificates to trust, and what each must name. */
const TRUST_VARIABLES = [
  ["SSL_CERT_FILE", "file"],
  ["SSL_CERT_DIR", "directory"],
  ["NODE_EXTRA_CA_CERTS", "file"],
] as const;

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
  const words = tlsWords(code, text, host, () => trustHint(env));
  return words === undefined ? undefined : `TLS error: ${words}`;
}

/**
 * The first of {@link TRUST_VARIABLES} in `env` naming what cannot be read
 * (an environment copied from another machine, a removed virtualenv's
 * bundle), or else the usual advice.
 */
function trustHint(env: Record<string, string | undefined>): string {
  for (const [name, kind] of TRUST_VARIABLES) {
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
  return TRUST_HINT;
}

function tlsWords(
  code: string,
  text: string,
  host: string,
  hint: () => string,
): string | undefined {
  if (
    code === "DEPTH_ZERO_SELF_SIGNED_CERT" || /CaUsedAsEndEntity/.test(text)
  ) {
    return `self-signed certificate (${hint()})`;
  }
  if (
    /^(UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT(_LOCALLY)?|SELF_SIGNED_CERT_IN_CHAIN|CERT_UNTRUSTED)$/
      .test(code) || /UnknownIssuer/.test(text)
  ) {
    return `certificate issued by an unknown authority (${hint()})`;
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
