/**
 * The egress guard against every notation and range it must refuse, redirects served by a local server, DNS answers
 * through an injected resolver (mixed, rebinding), and a socket-level proof: a listener on 127.0.0.1 that receives no
 * connection while the whole refused table runs with an empty operator allowlist.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import http from "node:http";
import https from "node:https";
import net from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import type { AddressInfo } from "node:net";
import type { buildConnector } from "undici";
import { buildConnector as undiciConnector } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AppError } from "@/lib/errors";
import { createEgressGuard, type EgressGuard } from "./guard";
import { EgressError } from "./errors";
import { judgeAddress } from "@/lib/egress/address-ranges";
import { parseHostList } from "@/lib/egress/allowlist";
import { rebindingResolver, refusedDirect, tableResolver, type Refused } from "@/test/egress-table";

// ---------------------------------------------------------------------------------------------------
// Local servers (127.0.0.1 only)

/** The listener that must never be reached by a refused request. */
let trap: net.Server;
let trapPort = 0;
let trapConnections = 0;

/** An HTTP server for redirects, size and time bounds, and intercepted "public" connections. */
let web: http.Server;
let webPort = 0;
const webHits: string[] = [];

beforeAll(async () => {
  trap = net.createServer((socket) => {
    trapConnections++;
    socket.destroy();
  });
  await new Promise<void>((resolve) => trap.listen(0, "127.0.0.1", resolve));
  trapPort = (trap.address() as AddressInfo).port;

  web = http.createServer((req, res) => {
    webHits.push(req.url ?? "");
    const url = new URL(req.url ?? "/", "http://x");
    const to = url.searchParams.get("to");
    if (url.pathname === "/redirect" && to) {
      res.writeHead(Number(url.searchParams.get("status") ?? 302), { location: to.replace("TRAP", String(trapPort)).replace("WEB", String(webPort)) });
      return res.end("moved");
    }
    if (url.pathname === "/chain") {
      const n = Number(url.searchParams.get("n"));
      if (n > 0) {
        res.writeHead(302, { location: `/chain?n=${n - 1}` });
        return res.end();
      }
      return res.end("end of chain");
    }
    if (url.pathname === "/big") {
      const size = Number(url.searchParams.get("size"));
      const chunked = url.searchParams.get("chunked") === "1";
      if (!chunked) res.setHeader("content-length", String(size));
      for (let sent = 0; sent < size; sent += 1024) res.write("x".repeat(Math.min(1024, size - sent)));
      return res.end();
    }
    if (url.pathname === "/slow") {
      res.writeHead(200, { "content-type": "text/plain" });
      res.write("start ");
      const timer = setTimeout(() => res.end("late"), 5_000);
      res.on("close", () => clearTimeout(timer));
      return;
    }
    if (url.pathname === "/secret-error") {
      res.writeHead(500, { "content-type": "text/plain" });
      return res.end("INTERNAL-SECRET-BODY");
    }
    if (url.pathname === "/echo-headers") {
      res.writeHead(200, { "content-type": "application/json" });
      return res.end(JSON.stringify({ method: req.method, authorization: req.headers.authorization ?? null, apiKey: req.headers["x-api-key"] ?? null }));
    }
    if (url.pathname === "/stream") {
      res.writeHead(200, { "content-type": "text/event-stream" });
      let i = 0;
      const tick = setInterval(() => {
        res.write(`data: ${i}\n\n`);
        if (++i === 3) {
          clearInterval(tick);
          res.end();
        }
      }, 20);
      return;
    }
    res.writeHead(200, { "content-type": "text/plain" });
    res.end(`ok ${req.method} ${url.pathname}`);
  });
  await new Promise<void>((resolve) => web.listen(0, "127.0.0.1", resolve));
  webPort = (web.address() as AddressInfo).port;
});

afterAll(async () => {
  await new Promise((resolve) => trap.close(resolve));
  web.closeAllConnections();
  await new Promise((resolve) => web.close(resolve));
});

/** A connector that must never be asked for anything (refusals happen before it). */
function failingConnector(asked: string[]): buildConnector.connector {
  return (opts, callback) => {
    asked.push(`${opts.hostname}:${opts.port}`);
    callback(new Error("the test connector refuses to connect"), null);
  };
}

async function refusal(guard: EgressGuard, url: string, init?: RequestInit): Promise<EgressError> {
  try {
    const response = await guard.fetch(url, init);
    await response.body?.cancel();
  } catch (error) {
    if (error instanceof EgressError) return error;
    throw new Error(`${url}: expected an EgressError, got ${String(error)}`, { cause: error });
  }
  throw new Error(`${url}: was not refused`);
}

describe("the refused table (empty operator allowlist)", () => {
  it("has at least 60 entries", () => {
    expect(refusedDirect(trapPort).length).toBeGreaterThanOrEqual(60);
  });

  it("refuses every URL with an AppError naming the rule, without asking the connector for anything", async () => {
    const asked: string[] = [];
    const guard = createEgressGuard({ allow: "", resolver: tableResolver, connector: failingConnector(asked) });
    for (const entry of refusedDirect(trapPort)) {
      const error = await refusal(guard, entry.url);
      expect(error, entry.url).toBeInstanceOf(AppError);
      expect(error.code, entry.url).toBe("EGRESS_REFUSED");
      expect(error.httpStatus, entry.url).toBe(403);
      expect(error.rule, entry.url).toBe(entry.rule);
      expect(error.message, entry.url).toContain(entry.says);
      expect(error.message, entry.url).toMatch(/^egress refused: /);
    }
    expect(asked).toEqual([]);
    await guard.close();
  });

  it("socket level: a listener on 127.0.0.1 receives no connection while the whole table runs through the real connector", async () => {
    trapConnections = 0;
    const guard = createEgressGuard({ allow: "", resolver: tableResolver });
    for (const entry of refusedDirect(trapPort)) await refusal(guard, entry.url);
    // the rebinding resolver too: its second answer points at the trap
    const rebinding = createEgressGuard({ allow: "", resolver: rebindingResolver("93.184.216.34", "127.0.0.1") });
    await rebinding.checkHost("rebind.test");
    await refusal(rebinding, `http://rebind.test:${trapPort}/`);
    expect(trapConnections).toBe(0);
    // the listener does accept connections (the zero above is not an accident of a dead socket), in order: a stray
    // connection from the refused calls would have been counted before this one
    await new Promise<void>((resolve, reject) =>
      net
        .connect(trapPort, "127.0.0.1")
        .on("close", () => resolve())
        .on("error", reject),
    );
    expect(trapConnections).toBe(1);
    await Promise.all([guard.close(), rebinding.close()]);
  });

  it("an unknown name is a network failure, not a refusal", async () => {
    const guard = createEgressGuard({ allow: "", resolver: tableResolver });
    await expect(guard.fetch("http://nowhere.test/")).rejects.toMatchObject({ cause: { code: "ENOTFOUND" } });
    await guard.close();
  });
});

describe("rebinding between lookups", () => {
  it("a name that answered public and then private never leads to a connection to the private address", async () => {
    const asked: string[] = [];
    const resolver = rebindingResolver("93.184.216.34", "10.0.0.5");
    const guard = createEgressGuard({ allow: "", resolver, connector: failingConnector(asked) });
    // first lookup: public; the connection is asked for exactly that address
    await expect(guard.fetch("http://rebind.test/")).rejects.toThrow(/fetch failed/);
    expect(asked).toEqual(["93.184.216.34:"]);
    // second lookup (a new connection): private, refused before the connector
    const error = await refusal(guard, "http://rebind.test/");
    expect(error.message).toContain("rebind.test resolves to 10.0.0.5, which is in a private range");
    expect(asked).toEqual(["93.184.216.34:"]);
    expect(resolver.lookups).toBe(2);
    await guard.close();
  });

  it("one lookup per connection: the address checked is the address connected to", async () => {
    const asked: string[] = [];
    const resolver = rebindingResolver("1.1.1.1", "127.0.0.1");
    const guard = createEgressGuard({ allow: "", resolver, connector: failingConnector(asked) });
    await expect(guard.fetch("https://rebind.test/")).rejects.toThrow();
    expect(resolver.lookups).toBe(1);
    expect(asked).toEqual(["1.1.1.1:"]); // undici leaves the default port empty
    await guard.close();
  });
});

// ---------------------------------------------------------------------------------------------------
// Redirects (served by the local web server, whose own address is allowlisted)

describe("redirects", () => {
  const W = () => webPort;
  const redirect = (to: string, status = 302) => `http://127.0.0.1:${W()}/redirect?status=${status}&to=${encodeURIComponent(to)}`;
  const redirectCases = (): Refused[] => [
    { url: redirect("http://10.0.0.5/"), rule: "address", says: "private" },
    { url: redirect("http://169.254.169.254/latest/meta-data/", 301), rule: "address", says: "metadata" },
    { url: redirect("http://[::1]:TRAP/", 307), rule: "address", says: "loopback" },
    { url: redirect("http://127.0.0.2:TRAP/", 308), rule: "address", says: "loopback" },
    { url: redirect("http://2130706434:TRAP/", 303), rule: "address", says: "loopback" },
    { url: redirect("http://[::ffff:7f00:2]:TRAP/"), rule: "address", says: "IPv4-mapped 127.0.0.2" },
    { url: redirect("http://private10.test/"), rule: "address", says: "private" },
    { url: redirect("http://metadata.test/"), rule: "address", says: "metadata" },
    { url: redirect("http://mixed-first-private.test:TRAP/"), rule: "address", says: "10.0.0.5" },
    { url: redirect("http://[fd00:ec2::254]/"), rule: "address", says: "metadata" },
    { url: redirect("https://127.0.0.1:WEB/"), rule: "redirect_scheme", says: "http: to https:" },
    { url: redirect("https://public.test/"), rule: "redirect_scheme", says: "http: to https:" },
    { url: redirect("file:///etc/passwd"), rule: "redirect_scheme", says: "file:" },
    { url: redirect("ftp://public.test/"), rule: "redirect_scheme", says: "ftp:" },
    { url: redirect("gopher://127.0.0.1:TRAP/"), rule: "redirect_scheme", says: "gopher:" },
    { url: redirect("data:text/plain,hi"), rule: "redirect_scheme", says: "data:" },
    { url: `http://127.0.0.1:${W()}/chain?n=6`, rule: "redirect_limit", says: "more than 5 redirects" },
    { url: `http://127.0.0.1:${W()}/chain?n=50`, rule: "redirect_limit", says: "more than 5 redirects" },
    { url: redirect(`http://127.0.0.1:WEB/chain?n=5`), rule: "redirect_limit", says: "more than 5 redirects" },
    { url: redirect(redirect(redirect("http://10.1.1.1/"))), rule: "address", says: "private" },
  ];

  it("every hop is checked again: private targets, other schemes and more than 5 hops are refused", async () => {
    trapConnections = 0;
    const asked: string[] = [];
    const real = undiciConnector({});
    const guard = createEgressGuard({
      allow: "127.0.0.1",
      resolver: tableResolver,
      connector: (opts, cb) => {
        asked.push(`${opts.hostname}:${opts.port}`);
        real(opts, cb);
      },
    });
    for (const entry of redirectCases()) {
      const error = await refusal(guard, entry.url);
      expect(error.rule, entry.url).toBe(entry.rule);
      expect(error.message, entry.url).toContain(entry.says);
    }
    expect(trapConnections).toBe(0);
    expect(new Set(asked)).toEqual(new Set([`127.0.0.1:${webPort}`]));
    await guard.close();
  });

  it("follows up to 5 redirects, turns a POST into a GET on 303 and drops credentials when the origin changes", async () => {
    const guard = createEgressGuard({ allow: "127.0.0.1,localhost", resolver: async (h) => (h === "localhost" ? ["127.0.0.1"] : tableResolver(h)) });
    const five = await guard.fetch(`http://127.0.0.1:${webPort}/chain?n=5`);
    expect(await five.text()).toBe("end of chain");
    const moved = await guard.fetch(redirect("/echo-headers", 303), { method: "POST", body: "{}", headers: { authorization: "Bearer sk-secret" } });
    expect(await moved.json()).toEqual({ method: "GET", authorization: "Bearer sk-secret", apiKey: null });
    const kept = await guard.fetch(redirect("/echo-headers", 307), { method: "POST", body: "{}", headers: { "x-api-key": "sk-kept" } });
    expect(await kept.json()).toMatchObject({ method: "POST", apiKey: "sk-kept" });
    const crossOrigin = await guard.fetch(redirect(`http://localhost:WEB/echo-headers`, 307), {
      method: "POST",
      body: "{}",
      headers: { authorization: "Bearer sk-secret", "x-api-key": "sk-secret" },
    });
    expect(await crossOrigin.json()).toEqual({ method: "POST", authorization: null, apiKey: null });
    await guard.close();
  });

  it("onRedirect sees each checked hop and may drop headers of the next request; a refused hop is never offered", async () => {
    const guard = createEgressGuard({ allow: "127.0.0.1" });
    const hops: string[] = [];
    const response = await guard.fetch(
      redirect("/echo-headers", 307),
      { method: "POST", body: "{}", headers: { "x-api-key": "sk-bound" } },
      {
        onRedirect: (hop) => {
          hops.push(`${hop.status} ${hop.from.pathname} -> ${hop.to.pathname} ${hop.headers.get("x-api-key")}`);
          hop.headers.delete("x-api-key");
        },
      },
    );
    expect(await response.json()).toMatchObject({ method: "POST", apiKey: null });
    expect(hops).toEqual(["307 /redirect -> /echo-headers sk-bound"]);
    const refusedHops: string[] = [];
    const error = await guard.fetch(redirect("http://10.0.0.5/"), undefined, { onRedirect: (hop) => void refusedHops.push(hop.to.href) }).catch((e) => e);
    expect(error).toMatchObject({ rule: "address" });
    expect(refusedHops).toEqual([]);
    await guard.close();
  });

  it("a caller can lower the redirect limit", async () => {
    const guard = createEgressGuard({ allow: "127.0.0.1" });
    const strict = createEgressGuard({ allow: "127.0.0.1", defaults: { timeoutMs: 5_000, maxResponseBytes: 1024, maxRedirects: 1 } });
    expect((await refusal(strict, `http://127.0.0.1:${webPort}/chain?n=2`)).rule).toBe("redirect_limit");
    await strict.close();
    await expect(guard.fetch(`http://127.0.0.1:${webPort}/chain?n=2`, undefined, { maxRedirects: 0 })).rejects.toMatchObject({ rule: "redirect_limit" });
    await guard.close();
  });
});

// ---------------------------------------------------------------------------------------------------
// What must pass

interface Passing {
  url: string;
  /** the address the connection must be asked for */
  address: string;
  servername?: string;
  allow?: string;
}

const passing: Passing[] = [
  { url: "http://public.test/v1/chat", address: "93.184.216.34" },
  { url: "https://public.test/v1/chat", address: "93.184.216.34", servername: "public.test" },
  { url: "https://public6.test/", address: "2606:2800:220:1:248:1893:25c8:1946", servername: "public6.test" },
  { url: "https://dual.test/", address: "2606:4700:4700::1111", servername: "dual.test" },
  { url: "http://API.Example.test./", address: "8.8.8.8" },
  { url: "http://8.8.8.8/", address: "8.8.8.8" },
  { url: "http://134744072/", address: "8.8.8.8" },
  { url: "https://1.1.1.1/dns-query", address: "1.1.1.1" },
  { url: "http://[2606:4700:4700::1111]/", address: "2606:4700:4700::1111" },
  { url: "http://[::ffff:8.8.8.8]/", address: "8.8.8.8" },
  { url: "http://nat64-public.test/", address: "64:ff9b::808:808" },
  { url: "http://ollama:11434/v1", address: "10.0.0.7", allow: "ollama" },
  { url: "http://gpu.corp.test/v1", address: "10.1.2.3", allow: "*.corp.test" },
  { url: "http://10.20.30.40/v1", address: "10.20.30.40", allow: "10.0.0.0/8" },
  { url: "http://[fd12::5]/v1", address: "fd12::5", allow: "fd00::/8" },
  { url: "http://169.254.169.254/", address: "169.254.169.254", allow: "169.254.169.254" },
];

/** Records the address each connection was asked for, then serves it from the local web server (http) or stops (https). */
function interceptingConnector(asked: { hostname: string; servername?: string; port: string }[]): buildConnector.connector {
  const real = undiciConnector({});
  return (opts, callback) => {
    asked.push({ hostname: opts.hostname, servername: opts.servername, port: opts.port });
    if (opts.protocol === "https:") return callback(new Error("intercepted"), null);
    real({ ...opts, hostname: "127.0.0.1", port: String(webPort) }, callback);
  };
}

describe("what must pass", () => {
  it("has at least 10 entries", () => expect(passing.length).toBeGreaterThanOrEqual(10));

  for (const entry of passing) {
    it(`${entry.url}${entry.allow ? ` (allow ${entry.allow})` : ""} connects to ${entry.address}`, async () => {
      const asked: { hostname: string; servername?: string; port: string }[] = [];
      const guard = createEgressGuard({ allow: entry.allow ?? "", resolver: tableResolver, connector: interceptingConnector(asked) });
      if (entry.url.startsWith("https:")) {
        await expect(guard.fetch(entry.url)).rejects.toThrow(/fetch failed/);
      } else {
        const response = await guard.fetch(entry.url);
        expect(response.status).toBe(200);
        expect(await response.text()).toMatch(/^ok GET /);
      }
      expect(asked.map((a) => a.hostname)).toEqual([entry.address]);
      if (entry.servername) expect(asked[0]!.servername).toBe(entry.servername);
      await guard.close();
    });
  }

  it("the operator allowlist opens exactly what it lists", async () => {
    const guard = createEgressGuard({ allow: "127.0.0.1" });
    const response = await guard.fetch(`http://127.0.0.1:${webPort}/hello`);
    expect(await response.text()).toBe("ok GET /hello");
    expect((await refusal(guard, `http://[::1]:${trapPort}/`)).rule).toBe("address");
    expect((await refusal(guard, "http://10.0.0.1/")).rule).toBe("address");
    await guard.close();
  });

  it("a wide CIDR never opens a cloud metadata address; a host entry neither", async () => {
    const guard = createEgressGuard({ allow: "169.254.0.0/16,metadata.test", resolver: tableResolver, connector: failingConnector([]) });
    expect((await refusal(guard, "http://169.254.169.254/")).message).toContain("metadata");
    expect((await refusal(guard, "http://metadata.test/")).message).toContain("metadata");
    await guard.close();
  });
});

// ---------------------------------------------------------------------------------------------------
// Workspace lists: they only narrow

describe("workspace lists", () => {
  it("a deny list refuses a host; an allow list refuses what it does not name; neither opens a private address", async () => {
    const asked: { hostname: string; port: string }[] = [];
    const guard = createEgressGuard({ allow: "", resolver: tableResolver, connector: interceptingConnector(asked) });
    const workspace = { allowHosts: ["api.example.test", "*.models.test", "10.0.0.5"], denyHosts: ["bad.models.test"] };
    expect((await guard.fetch("http://api.example.test/", undefined, { workspace })).status).toBe(200);
    await expect(guard.fetch("http://other.example.test/", undefined, { workspace })).rejects.toMatchObject({
      rule: "workspace_allow",
      message: expect.stringContaining("not on this workspace's egress allow list"),
    });
    await expect(guard.fetch("http://bad.models.test/", undefined, { workspace })).rejects.toMatchObject({ rule: "workspace_deny" });
    await expect(guard.fetch("http://10.0.0.5/", undefined, { workspace })).rejects.toMatchObject({ rule: "address" });
    await expect(guard.fetch("http://public.test/", undefined, { workspace: { denyHosts: ["public.test"] } })).rejects.toMatchObject({
      rule: "workspace_deny",
    });
    expect(asked.map((a) => a.hostname)).toEqual(["8.8.8.8"]);
    await guard.close();
  });
});

// ---------------------------------------------------------------------------------------------------
// Bounds and what reaches the caller

describe("bounds", () => {
  let guard: EgressGuard;
  beforeAll(() => void (guard = createEgressGuard({ allow: "127.0.0.1" })));
  afterAll(() => guard.close());
  const at = (path: string) => `http://127.0.0.1:${webPort}${path}`;

  it("refuses an answer whose declared length is over the limit before reading it", async () => {
    await expect(guard.fetch(at("/big?size=5000"), undefined, { maxResponseBytes: 4096 })).rejects.toMatchObject({
      rule: "response_size",
      code: "UPSTREAM_ERROR",
    });
  });

  it("stops a chunked answer as soon as it passes the limit", async () => {
    const response = await guard.fetch(at("/big?size=200000&chunked=1"), undefined, { maxResponseBytes: 10_000 });
    await expect(response.text()).rejects.toMatchObject({ rule: "response_size", message: expect.stringContaining("larger than 10000 bytes") });
    const small = await guard.fetch(at("/big?size=3000&chunked=1"), undefined, { maxResponseBytes: 10_000 });
    expect((await small.text()).length).toBe(3000);
  });

  it("bounds the time of the whole exchange, body included", async () => {
    const started = Date.now();
    const response = await guard.fetch(at("/slow"), undefined, { timeoutMs: 300 });
    await expect(response.text()).rejects.toMatchObject({ rule: "timeout", message: expect.stringContaining("within 0.3 s") });
    expect(Date.now() - started).toBeLessThan(3_000);
  });

  it("a caller's abort stays an abort (not a guard timeout)", async () => {
    const controller = new AbortController();
    const pending = guard.fetch(at("/slow"), { signal: controller.signal });
    const response = await pending;
    controller.abort();
    await expect(response.text()).rejects.toMatchObject({ name: "AbortError" });
  });

  it("streams bodies as they arrive", async () => {
    const response = await guard.fetch(at("/stream"));
    const reader = response.body!.getReader();
    const first = await reader.read();
    expect(new TextDecoder().decode(first.value)).toBe("data: 0\n\n");
    let rest = "";
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) rest += new TextDecoder().decode(chunk.value);
    expect(rest).toBe("data: 1\n\ndata: 2\n\n");
  });

  it("an error answer is handed to the caller as a status; a refusal never carries a remote body", async () => {
    const response = await guard.fetch(at("/secret-error"));
    expect(response.status).toBe(500);
    await response.body?.cancel();
    const error = await refusal(guard, at("/redirect?to=http%3A%2F%2F10.0.0.9%2F"));
    expect(error.message).not.toContain("moved");
    expect(JSON.stringify(error.details)).not.toContain("moved");
  });
});

describe("address judgement and lists", () => {
  it("maps IPv4-mapped and IPv4-compatible forms back to IPv4", () => {
    expect(judgeAddress("::ffff:7f00:1")).toMatchObject({ address: "127.0.0.1", family: 4, blocked: { range: "loopback" } });
    expect(judgeAddress("::ffff:8.8.8.8")).toMatchObject({ address: "8.8.8.8", blocked: null });
    expect(judgeAddress("::a00:1")).toMatchObject({ address: "10.0.0.1", blocked: { range: "private" } });
  });

  it("refuses invalid allowlist entries with their names", () => {
    expect(() => parseHostList("10.0.0.0/8, not a host!, 300.1.1.1/8")).toThrow(/not a host!.*300\.1\.1\.1\/8/);
    expect(parseHostList("10.0.0.0/8, ::1, ollama, *.corp.example").entries.map((e) => e.kind)).toEqual(["cidr", "cidr", "host", "suffix"]);
  });
});

// ---------------------------------------------------------------------------------------------------
// TLS: connected to the checked address, verified against the host name (SNI)

describe("https through the pinned connection", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "cadre-egress-tls-"));
  let tlsReady = false;
  try {
    execFileSync(
      "openssl",
      [
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        path.join(dir, "key.pem"),
        "-out",
        path.join(dir, "cert.pem"),
        "-days",
        "2",
        "-subj",
        "/CN=models.test",
        "-addext",
        "subjectAltName=DNS:models.test",
      ],
      { stdio: "ignore" },
    );
    tlsReady = true;
  } catch {
    // no openssl: the test below is skipped
  }

  it.skipIf(!tlsReady)("sends SNI and Host for the name, verifies the certificate against it, and connects to the checked address", async () => {
    const cert = readFileSync(path.join(dir, "cert.pem"));
    const seen: { servername: string | false | null; host?: string }[] = [];
    const server = https.createServer({ key: readFileSync(path.join(dir, "key.pem")), cert }, (req, res) => {
      seen.push({ servername: (req.socket as import("node:tls").TLSSocket).servername, host: req.headers.host });
      res.end("secure ok");
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const port = (server.address() as AddressInfo).port;
    const guard = createEgressGuard({
      allow: "127.0.0.1",
      resolver: async (host) => (host === "models.test" || host === "impostor.test" ? ["127.0.0.1"] : []),
      connector: undiciConnector({ ca: cert }),
    });
    try {
      const response = await guard.fetch(`https://models.test:${port}/v1`);
      expect(await response.text()).toBe("secure ok");
      expect(seen).toEqual([{ servername: "models.test", host: `models.test:${port}` }]);
      // the same address under another name, or as a literal: the certificate does not match, nothing is served
      await expect(guard.fetch(`https://impostor.test:${port}/v1`)).rejects.toMatchObject({ cause: { code: "ERR_TLS_CERT_ALTNAME_INVALID" } });
      await expect(guard.fetch(`https://127.0.0.1:${port}/v1`)).rejects.toMatchObject({ cause: { code: "ERR_TLS_CERT_ALTNAME_INVALID" } });
      expect(seen).toHaveLength(1);
    } finally {
      await guard.close();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
