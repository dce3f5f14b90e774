/**
 * Which requests leave their connection open for the next request to the
 * same server: those to the first few servers a run talks to (an index, a
 * mirror, the server of the configuration). The runtime keeps up to 64
 * idle connections open to the end of the run, a file descriptor each, so
 * a run downloading from dozens of servers ran out of descriptors under a
 * low `ulimit -n`; a request to any other server asks it to close the
 * connection once it has answered, as zc.buildout's urllib always does.
 */

/** Servers whose connections are kept open for reuse. */
const KEPT_SERVERS = 4;

const kept = new Set<string>();

/**
 * True when the request to `url` may leave its connection open: its server
 * is one of the first {@link KEPT_SERVERS} asked.
 *
 * @example keepsConnection("https://pypi.org/simple/spam/") // true, at first
 */
export function keepsConnection(url: string): boolean {
  const server = new URL(url).origin;
  if (kept.has(server)) return true;
  if (kept.size >= KEPT_SERVERS) return false;
  kept.add(server);
  return true;
}
