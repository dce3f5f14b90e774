/**
 * `createHash` and `randomBytes` of `node:crypto`, loaded on first use:
 * loading the module costs about 2 ms of every run, and most runs (a no-op
 * install among them) never hash anything.
 */
import type { Buffer } from "node:buffer";
import type * as Crypto from "node:crypto";
import process from "node:process";

function crypto(): typeof Crypto {
  return process.getBuiltinModule("node:crypto");
}

/**
 * `node:crypto`'s `createHash`.
 *
 * @example createHash("md5").update("x").digest("hex")
 */
export function createHash(algorithm: string): Crypto.Hash {
  return crypto().createHash(algorithm);
}

/**
 * `node:crypto`'s `randomBytes`.
 *
 * @example randomBytes(6).toString("hex")
 */
export function randomBytes(size: number): Buffer {
  return crypto().randomBytes(size);
}
