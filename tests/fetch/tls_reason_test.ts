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
