/**
 * Which proxy the runtime's `fetch` goes through for a URL, read from the
 * environment as curl, Python's urllib and Bun read it: `http_proxy` or
 * `https_proxy` by the URL's scheme (lower case first, then upper case,
 * then `all_proxy`), unless `no_proxy` names the host. The fetcher hands it
 * to Bun's `fetch`, refuses a proxy setting no runtime can use, and blames
 * the proxy, not the server, when the proxy cannot be reached.
 */
import process from "node:process";
import { requestCredentials } from "./credentials.ts";

/** The proxy in force for a URL. */
export interface Proxy {
  /** The environment variable it came from, such as `https_proxy`. */
  variable: string;
  /** `host:port` of the proxy, without credentials; "" when unusable. */
  host: string;
  /** The host name alone, without brackets, for DNS messages. */
  hostname: string;
  /** The proxy's URL without credentials; "" when unusable. */
  url: string;
  /** Its credentials as a `Proxy-Authorization` header, when it has some. */
  authorization?: string;
  /** Why the variable's value cannot be used as a proxy. */
  problem?: string;
}

/**
 * The proxy `url` goes through, or undefined for a direct connection.
 *
 * @example proxyFor("http://pypi.org/simple", { http_proxy: "http://u:pw@proxy:3128" })
 * // { variable: "http_proxy", host: "proxy:3128", hostname: "proxy",
 * //   url: "http://proxy:3128/", authorization: "Basic dTpwdw==" }
 */
export function proxyFor(
  url: string,
  env: Record<string, string | undefined> = process.env,
): Proxy | undefined {
  const target = new URL(url);
  const scheme = target.protocol.slice(0, -1);
  if (scheme !== "http" && scheme !== "https") return undefined;
  const variable = [`${scheme}_proxy`, `${scheme.toUpperCase()}_PROXY`]
    .concat("all_proxy", "ALL_PROXY")
    .find((name) => env[name]?.trim());
  if (variable === undefined) return undefined;
  if (bypassed(target, env.no_proxy?.trim() || env.NO_PROXY || "")) {
    return undefined;
  }
  const value = env[variable]!.trim();
  let proxy: URL;
  try {
    // curl and Bun take `host:port` alone as an http:// proxy.
    proxy = new URL(
      /^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? value : `http://${value}`,
    );
  } catch {
    return {
      variable,
      host: "",
      hostname: "",
      url: "",
      problem: "not a valid URL",
    };
  }
  if (proxy.protocol !== "http:" && proxy.protocol !== "https:") {
    // `all_proxy` often holds a SOCKS proxy set for other tools: the
    // runtime then goes direct, as Python's urllib ignores `all_proxy`.
    if (/^all_proxy$/i.test(variable)) return undefined;
    return {
      variable,
      host: proxy.host,
      hostname: proxy.hostname,
      url: "",
      problem: `unsupported scheme '${proxy.protocol.slice(0, -1)}' ` +
        "(http:// and https:// proxies are supported)",
    };
  }
  // Decoded as Python's urllib and curl decode them (`50%off` as written),
  // where Bun would send none.
  const { url: bare, authorization } = requestCredentials(proxy.href);
  return {
    variable,
    host: proxy.host,
    hostname: proxy.hostname.replace(/^\[(.*)\]$/, "$1"),
    url: bare,
    ...authorization && { authorization },
  };
}

/**
 * True when a `no_proxy` entry (comma or space separated) names `target`:
 * `*`, the host or a domain above it (`example.com`, `.example.com`),
 * optionally with `:port`, or an IPv4 range (`10.0.0.0/8`).
 */
function bypassed(target: URL, noProxy: string): boolean {
  const host = target.hostname.replace(/^\[(.*)\]$/, "$1").toLowerCase();
  const port = target.port ||
    (target.protocol === "https:" ? "443" : "80");
  return noProxy.split(/[\s,]+/).filter(Boolean).some((entry) => {
    if (entry === "*") return true;
    const cidr = /^(\d+\.\d+\.\d+\.\d+)\/(\d+)$/.exec(entry);
    if (cidr) return inRange(host, cidr[1], Number(cidr[2]));
    const [name, entryPort] = hostAndPort(entry.toLowerCase());
    if (entryPort !== undefined && entryPort !== port) return false;
    const domain = name.replace(/^\./, "");
    return domain !== "" &&
      (host === domain || host.endsWith(`.${domain}`));
  });
}

/** A `no_proxy` entry's host and port: `h`, `h:80`, `::1`, `[::1]:80`. */
function hostAndPort(entry: string): [string, string | undefined] {
  const bracketed = /^\[(.*)\](?::(\d+))?$/.exec(entry);
  if (bracketed) return [bracketed[1], bracketed[2]];
  // More than one colon: an IPv6 address without brackets, so no port.
  if (entry.indexOf(":") !== entry.lastIndexOf(":")) return [entry, undefined];
  const [host, port] = entry.split(":");
  return [host, port];
}

/** True when the IPv4 address `host` lies in `base/bits`. */
function inRange(host: string, base: string, bits: number): boolean {
  const address = ipv4(host);
  const network = ipv4(base);
  if (address === undefined || network === undefined || bits > 32) {
    return false;
  }
  const mask = bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0;
  return ((address & mask) >>> 0) === ((network & mask) >>> 0);
}

function ipv4(text: string): number | undefined {
  const parts = text.split(".");
  if (parts.length !== 4 || !parts.every((p) => /^\d{1,3}$/.test(p))) {
    return undefined;
  }
  return parts.reduce((sum, part) => sum * 256 + Number(part), 0);
}
