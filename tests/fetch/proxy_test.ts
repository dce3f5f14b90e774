/**
 * Which proxy a URL goes through, read from the environment as curl,
 * Python and Bun read it.
 */
import assert from "node:assert/strict";
import { proxyFor } from "../../lib/fetch/proxy.ts";

const PROXY = "http://user:pw@proxy.corp:3128";

Deno.test("the URL's scheme picks the variable, lower case before upper case, then all_proxy", () => {
  const env = { http_proxy: PROXY, HTTPS_PROXY: "http://other:8080" };
  assert.deepEqual(proxyFor("http://pypi.org/simple", env), {
    variable: "http_proxy",
    host: "proxy.corp:3128",
    hostname: "proxy.corp",
    url: "http://proxy.corp:3128/",
    authorization: "Basic dXNlcjpwdw==",
  });
  assert.equal(proxyFor("https://pypi.org/", env)?.variable, "HTTPS_PROXY");
  assert.equal(
    proxyFor("http://x/", { http_proxy: "", HTTP_PROXY: PROXY })?.variable,
    "HTTP_PROXY",
  );
  assert.equal(
    proxyFor("http://x/", { http_proxy: PROXY, HTTP_PROXY: "http://b" })
      ?.variable,
    "http_proxy",
  );
  assert.equal(
    proxyFor("https://x/", { ALL_PROXY: PROXY })?.variable,
    "ALL_PROXY",
  );
  assert.equal(proxyFor("https://x/", { http_proxy: PROXY }), undefined);
  assert.equal(proxyFor("file:///x", { all_proxy: PROXY }), undefined);
});

Deno.test("a proxy given as host:port alone is an http:// proxy", () => {
  assert.deepEqual(proxyFor("http://x/", { http_proxy: "10.0.0.1:3128" }), {
    variable: "http_proxy",
    host: "10.0.0.1:3128",
    hostname: "10.0.0.1",
    url: "http://10.0.0.1:3128/",
  });
  assert.equal(
    proxyFor("http://x/", { http_proxy: "http://[::1]:3128" })?.hostname,
    "::1",
  );
});

Deno.test("a proxy's credentials are a Proxy-Authorization header, decoded as Python's urllib decodes them", () => {
  const authorization = (value: string) =>
    atob(
      proxyFor("http://x/", { http_proxy: value })!.authorization!
        .replace(/^Basic /, ""),
    );
  assert.equal(authorization("user:50%off@10.0.0.1:3128"), "user:50%off");
  assert.equal(authorization("http://us%40er:p%3As@h:1"), "us@er:p:s");
  assert.equal(
    proxyFor("http://x/", { http_proxy: "user:pw@10.0.0.1:3128" })?.url,
    "http://10.0.0.1:3128/",
  );
});

Deno.test("no_proxy: *, hosts and the domains under them, ports, IPv4 ranges", () => {
  const through = (url: string, noProxy: string) =>
    proxyFor(url, { http_proxy: PROXY, https_proxy: PROXY, no_proxy: noProxy })
      ?.variable;
  assert.equal(through("http://pypi.org/", "*"), undefined);
  assert.equal(through("http://a.corp.example/", "corp.example"), undefined);
  assert.equal(through("http://A.Corp.Example/", ".corp.example"), undefined);
  assert.equal(through("http://corp.example/", "corp.example"), undefined);
  assert.equal(
    through("http://notcorp.example/", "corp.example"),
    "http_proxy",
  );
  assert.equal(through("http://10.1.2.3:8080/", "10.0.0.0/8"), undefined);
  assert.equal(through("http://11.1.2.3/", "10.0.0.0/8"), "http_proxy");
  assert.equal(through("http://pypi.org/", "a.org, pypi.org"), undefined);
  assert.equal(through("http://pypi.org/", "a.org pypi.org"), undefined);
  assert.equal(through("http://h:8080/", "h:8080"), undefined);
  assert.equal(through("http://h:8081/", "h:8080"), "http_proxy");
  assert.equal(through("https://h/", "h:443"), undefined);
  assert.equal(through("http://[::1]:8080/", "::1"), undefined);
  assert.equal(through("http://[::1]:8080/", "[::1]:8080"), undefined);
  assert.equal(
    proxyFor("http://h/", { http_proxy: PROXY, no_proxy: "", NO_PROXY: "h" }),
    undefined,
  );
});

Deno.test("a value no runtime can use as a proxy says why, without the value", () => {
  assert.deepEqual(
    proxyFor("http://x/", { http_proxy: "socks5://u:pw@127.0.0.1:1080" }),
    {
      variable: "http_proxy",
      host: "127.0.0.1:1080",
      hostname: "127.0.0.1",
      url: "",
      problem:
        "unsupported scheme 'socks5' (http:// and https:// proxies are supported)",
    },
  );
  assert.equal(
    proxyFor("http://x/", { http_proxy: "http://u:pw@bad host:1" })?.problem,
    "not a valid URL",
  );
});

Deno.test("a SOCKS all_proxy, set for other tools, leaves connections direct", () => {
  for (const variable of ["all_proxy", "ALL_PROXY"]) {
    const env = { [variable]: "socks5://127.0.0.1:1080" };
    assert.equal(proxyFor("http://x/", env), undefined);
    assert.equal(
      proxyFor("http://x/", { ...env, http_proxy: "socks4://h:1" })?.problem,
      "unsupported scheme 'socks4' (http:// and https:// proxies are supported)",
    );
  }
});

Deno.test("a blank variable is skipped, a value's spaces ignored, an https:// proxy and a password alone taken", () => {
  assert.deepEqual(
    proxyFor("http://x/", { http_proxy: "  ", HTTP_PROXY: " http://p:3128 " }),
    {
      variable: "HTTP_PROXY",
      host: "p:3128",
      hostname: "p",
      url: "http://p:3128/",
    },
  );
  assert.deepEqual(proxyFor("http://x/", { http_proxy: "https://p:3129" }), {
    variable: "http_proxy",
    host: "p:3129",
    hostname: "p",
    url: "https://p:3129/",
  });
  assert.deepEqual(proxyFor("http://x/", { http_proxy: "http://:pw@p:1" }), {
    variable: "http_proxy",
    host: "p:1",
    hostname: "p",
    url: "http://p:1/",
    authorization: `Basic ${btoa(":pw")}`,
  });
});

Deno.test("no_proxy: entries in any case, whole and single-address ranges, an empty domain naming no host", () => {
  const through = (url: string, noProxy: string) =>
    proxyFor(url, { http_proxy: PROXY, no_proxy: noProxy })?.variable;
  assert.equal(through("http://pypi.org/", "PyPI.Org"), undefined);
  assert.equal(through("http://11.1.2.3/", "0.0.0.0/0"), undefined);
  assert.equal(through("http://10.1.2.3/", "10.1.2.3/32"), undefined);
  assert.equal(through("http://10.1.2.4/", "10.1.2.3/32"), "http_proxy");
  assert.equal(through("http://10.1.2.3/", "10.1.2.3/33"), "http_proxy");
  // `.` or a port alone names no domain, not every name ending in a dot.
  assert.equal(through("http://pypi.org./", "."), "http_proxy");
  assert.equal(through("http://pypi.org.:80/", ":80"), "http_proxy");
});
