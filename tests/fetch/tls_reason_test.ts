/**
 * The advice for an untrusted certificate follows the TLS stack that
 * refused it: the executable's (OpenSSL codes) reads SSL_CERT_FILE, while
 * `deno run`'s (rustls texts) reads DENO_CERT and never SSL_CERT_FILE.
 */
import assert from "node:assert/strict";
import { tlsReason } from "../../lib/fetch/tls_reason.ts";

const GONE = "/nonexistent-tls-reason-test/ca.pem";

Deno.test("the executable's unknown authority advises SSL_CERT_FILE, or names a variable pointing nowhere", () => {
  const code = "UNABLE_TO_VERIFY_LEAF_SIGNATURE";
  assert.equal(
    tlsReason(code, "unable to verify the first certificate", "h", {}),
    "TLS error: certificate issued by an unknown authority " +
      "(set SSL_CERT_FILE to a file holding the CA's certificate)",
  );
  assert.equal(
    tlsReason(code, "", "h", { SSL_CERT_FILE: GONE }),
    "TLS error: certificate issued by an unknown authority " +
      `(SSL_CERT_FILE names ${GONE}: no such file or directory)`,
  );
  assert.equal(
    tlsReason("DEPTH_ZERO_SELF_SIGNED_CERT", "", "h", {}),
    "TLS error: self-signed certificate " +
      "(set SSL_CERT_FILE to a file holding the CA's certificate)",
  );
});

Deno.test("under deno run, an unknown authority advises DENO_CERT, whatever SSL_CERT_FILE says", () => {
  const hint = "set DENO_CERT to a file holding the CA's certificate";
  for (const env of [{}, { SSL_CERT_FILE: GONE }, { SSL_CERT_DIR: GONE }]) {
    assert.equal(
      tlsReason("", "UnknownIssuer", "h", env),
      `TLS error: certificate issued by an unknown authority (${hint})`,
    );
  }
  assert.equal(
    tlsReason("", "UnknownIssuer", "h", { NODE_EXTRA_CA_CERTS: GONE }),
    "TLS error: certificate issued by an unknown authority " +
      `(NODE_EXTRA_CA_CERTS names ${GONE}: no such file or directory)`,
  );
});

Deno.test("under deno run, a CA's certificate served as the server's is not said to need trusting", () => {
  assert.equal(
    tlsReason("", "CaUsedAsEndEntity", "h", {}),
    "TLS error: self-signed certificate (a CA's certificate as the " +
      "server's own, which Deno refuses even when trusted)",
  );
});

Deno.test("each stack's failures in the same words: OpenSSL codes and rustls texts alike", () => {
  const unknown = "certificate issued by an unknown authority " +
    "(set SSL_CERT_FILE to a file holding the CA's certificate)";
  const cases: Array<[string, string, string]> = [
    ["UNABLE_TO_GET_ISSUER_CERT_LOCALLY", "", unknown],
    ["SELF_SIGNED_CERT_IN_CHAIN", "", unknown],
    ["CERT_NOT_YET_VALID", "", "certificate is not valid yet"],
    [
      "",
      "invalid peer certificate: NotValidYet",
      "certificate is not valid yet",
    ],
    ["CERT_REVOKED", "", "certificate has been revoked"],
    ["", "invalid peer certificate: Revoked", "certificate has been revoked"],
    [
      "",
      "received corrupt message of type InvalidContentType",
      "handshake failed (does the server speak TLS on this port?)",
    ],
    [
      "ERR_SSL_WRONG_VERSION_NUMBER",
      "",
      "handshake failed (does the server speak TLS on this port?)",
    ],
    // Any other TLS failure in the stack's own words.
    [
      "ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE",
      "sslv3 alert handshake failure",
      "sslv3 alert handshake failure",
    ],
    ["EPROTO", "protocol error", "protocol error"],
  ];
  for (const [code, text, words] of cases) {
    assert.equal(tlsReason(code, text, "h", {}), `TLS error: ${words}`, code);
  }
  assert.equal(tlsReason("ECONNRESET", "socket hang up", "h", {}), undefined);
});

Deno.test("a certificate variable naming the wrong kind of file is named", () => {
  const dir = Deno.makeTempDirSync();
  const file = `${dir}/ca.pem`;
  Deno.writeTextFileSync(file, "");
  try {
    assert.equal(
      tlsReason("CERT_UNTRUSTED", "", "h", { SSL_CERT_FILE: dir }),
      "TLS error: certificate issued by an unknown authority " +
        `(SSL_CERT_FILE names ${dir}: not a file)`,
    );
    assert.equal(
      tlsReason("CERT_UNTRUSTED", "", "h", { SSL_CERT_DIR: file }),
      "TLS error: certificate issued by an unknown authority " +
        `(SSL_CERT_DIR names ${file}: not a directory)`,
    );
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});
