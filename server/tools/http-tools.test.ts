/**
 * http_request, web_fetch and custom HTTP tools against a local server on 127.0.0.1, reached through a guard whose
 * operator allowlist opens 127.0.0.1 (names bound.test and other.test resolve there): Idempotency-Key, limits, timeouts,
 * the guard's refusal table through each tool kind with a socket-level trap, and the bound secret across redirects.
 */
import http from "node:http";
import net, { type AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import type { ApprovalPolicy, HttpToolConfig } from "@/lib/schemas/tools";
import { createEgressGuard, type EgressGuard, setEgressGuard } from "@/server/egress";
import { refusedDirect, tableResolver } from "@/test/egress-table";
import { builtinTool, toolCall } from "@/test/tool-call";
import { httpRequest } from "./builtin/http-request";
import { webFetch } from "./builtin/web-fetch";
import { httpToolExecutor } from "./http-tool";
import type { ResolvedTool, ToolCallContext, ToolOutcome } from "./types";

const SECRET = "sk-live-0123456789abcdef";
vi.mock("@/server/vault/service", () => ({ revealSecret: vi.fn(async () => SECRET) }));
const { revealSecret } = await import("@/server/vault/service");

interface Seen {
  host: string;
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

let server: http.Server;
let port = 0;
let seen: Seen[] = [];
let trap: net.Server;
let trapPort = 0;
let trapConnections = 0;

const ARTICLE = `<!doctype html><html><head><title>Tide tables</title></head><body>
<nav><a href="/">Home</a> <a href="/about">About</a></nav>
<article><h1>Tide tables</h1>
${"<p>The tide rises and falls twice a day, pulled by the moon and the sun; harbour masters publish tables of the times. </p>".repeat(8)}
<h2>Spring tides</h2><p>When the sun and moon align the range is <strong>largest</strong>: see <a href="https://example.com/spring">spring tides</a>.</p>
<ul><li>high water</li><li>low water</li></ul>
<script>document.write("never run")</script></article>
<footer>© Harbour</footer></body></html>`;

beforeAll(async () => {
  trap = net.createServer((socket) => {
    trapConnections++;
    socket.destroy();
  });
  await new Promise<void>((resolve) => trap.listen(0, "127.0.0.1", resolve));
  trapPort = (trap.address() as AddressInfo).port;

  server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (chunk) => (body += chunk));
    req.on("end", () => {
      const url = new URL(req.url ?? "/", "http://x");
      seen.push({ host: (req.headers.host ?? "").split(":")[0]!, method: req.method ?? "", path: url.pathname, headers: req.headers, body });
      const q = (name: string) => url.searchParams.get(name);
      switch (url.pathname) {
        case "/echo":
          res.writeHead(Number(q("status") ?? 200), { "content-type": "application/json", etag: '"v1"', "x-internal": "not shown" });
          return res.end(JSON.stringify({ method: req.method, headers: req.headers, body }));
        case "/echo-secret": {
          const value = String(req.headers.authorization ?? req.headers["x-token"] ?? "");
          res.writeHead(200, { "content-type": "text/plain", location: `/next?token=${encodeURIComponent(value)}` });
          return res.end(`you sent ${value} (${JSON.stringify(value)}; ${encodeURIComponent(value)})`);
        }
        case "/redirect":
          res.writeHead(Number(q("status") ?? 302), { location: (q("to") ?? "/").replace("PORT", String(port)).replace("TRAP", String(trapPort)) });
          return res.end();
        case "/big": {
          const size = Number(q("size"));
          res.writeHead(200, { "content-type": "text/plain", "content-length": String(size) });
          return res.end("é".repeat(size / 2));
        }
        case "/slow": {
          res.writeHead(200, { "content-type": "text/plain" });
          res.write("start ");
          const timer = setTimeout(() => res.end("late"), 5_000);
          return res.on("close", () => clearTimeout(timer));
        }
        case "/page":
          res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
          return res.end(ARTICLE);
        case "/bare":
          res.writeHead(200, { "content-type": "text/html" });
          return res.end("<html><head><title>Bare</title></head><body><div>Just   a\n line.</div></body></html>");
        case "/plain":
          res.writeHead(200, { "content-type": "text/plain" });
          return res.end("# not html\n<b>kept as is</b>");
        case "/png":
          res.writeHead(200, { "content-type": "image/png" });
          return res.end(Buffer.from([137, 80, 78, 71]));
        default:
          res.writeHead(404, { "content-type": "text/plain" });
          return res.end("no such page");
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  setEgressGuard(undefined);
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await new Promise((resolve) => trap.close(resolve));
});

let guard: EgressGuard;
beforeEach(async () => {
  seen = [];
  vi.mocked(revealSecret).mockClear();
  await guard?.close();
  guard = createEgressGuard({
    allow: "127.0.0.1",
    resolver: async (host) => (host === "bound.test" || host === "other.test" ? ["127.0.0.1"] : tableResolver(host)),
  });
  setEgressGuard(guard);
});
afterAll(() => guard.close());

const at = (path: string, host = "127.0.0.1") => `http://${host}:${port}${path}`;
const request = (input: Record<string, unknown>, overrides: Partial<ResolvedTool> = {}, call: Partial<ToolCallContext> = {}) =>
  httpRequest(input, toolCall(builtinTool("http_request", overrides), call));
const fetchPage = (url: string, overrides: Partial<ResolvedTool> = {}) => webFetch({ url }, toolCall(builtinTool("web_fetch", overrides)));

function customTool(config: Partial<HttpToolConfig>, secret: { secretId?: string | null; secretHost?: string | null } = {}): ResolvedTool {
  return {
    ...builtinTool("http_request"),
    id: "tool_custom",
    name: "lookup",
    kind: "http",
    approval: { mode: "never" },
    http: {
      config: { method: "GET", urlTemplate: at("/echo"), headers: {}, bodyTemplate: null, ...config },
      secretId: secret.secretId ?? null,
      secretHost: secret.secretHost ?? null,
    },
  };
}
const runCustom = (tool: ResolvedTool, input: unknown) => httpToolExecutor(input, toolCall(tool));

describe("http_request", () => {
  it("sends the method, headers, body and the call's Idempotency-Key; answers status, a few headers and the body", async () => {
    const outcome = await request({ method: "post", url: at("/echo"), headers: { "x-trace": "t1", cookie: "a=b" }, body: '{"a":1}' });
    expect(outcome.isError).toBeUndefined();
    const output = outcome.output as { status: number; headers: Record<string, string>; body: string; truncated: boolean };
    expect(output.status).toBe(200);
    expect(output.headers).toEqual({ "content-type": "application/json", etag: '"v1"' });
    expect(output.truncated).toBe(false);
    const echoed = JSON.parse(output.body);
    expect(echoed).toMatchObject({ method: "POST", body: '{"a":1}', headers: { "x-trace": "t1", cookie: "a=b", "idempotency-key": "run_test:stp_test" } });
    expect(outcome.meta).toEqual({ status: 200, bytes: output.body.length, truncated: false, url: at("/echo") });
  });

  it("a non-2xx answer is an error with the same shape", async () => {
    const outcome = await request({ url: at("/missing") });
    expect(outcome).toMatchObject({ isError: true, output: { status: 404, body: "no such page", truncated: false }, meta: { status: 404 } });
  });

  it.each([
    ["Host", "evil.test"],
    ["content-length", "5"],
    ["Transfer-Encoding", "chunked"],
    ["Connection", "close"],
    ["Idempotency-Key", "mine"],
  ])("refuses the header %s without sending anything", async (name, value) => {
    expect(await request({ url: at("/echo"), headers: { [name]: value } })).toMatchObject({ isError: true, output: expect.stringContaining(name) });
    expect(await request({ url: at("/echo"), headers: { "x-a": "line\r\nx-b: injected" } })).toMatchObject({ isError: true });
    expect(seen).toEqual([]);
  });

  it("cuts the body at maxResponseBytes (even when the declared length is larger) without splitting a character", async () => {
    const outcome = await request({ url: at("/big?size=200000") }, { maxResponseBytes: 1025 });
    const output = outcome.output as { body: string; truncated: boolean };
    expect(output.truncated).toBe(true);
    expect(output.body).toBe("é".repeat(512));
    expect(outcome.meta).toMatchObject({ bytes: 1025, truncated: true });
  });

  it("a slow answer ends at the tool's timeout as an error; an aborted call too", async () => {
    const started = Date.now();
    expect(await request({ url: at("/slow") }, { timeoutMs: 300 })).toMatchObject({
      isError: true,
      output: expect.stringContaining("within 0.3 s"),
      meta: { refused: "timeout" },
    });
    expect(Date.now() - started).toBeLessThan(3_000);
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    expect(await request({ url: at("/slow") }, {}, { abortSignal: controller.signal })).toMatchObject({ isError: true, meta: { aborted: true } });
  });

  it("applies the workspace's egress lists", async () => {
    const outcome = await request({ url: at("/echo") }, {}, { egressLists: { denyHosts: ["127.0.0.1"] } });
    expect(outcome).toMatchObject({ isError: true, output: expect.stringContaining("deny list"), meta: { refused: "workspace_deny" } });
    expect(seen).toEqual([]);
  });

  it("follows a redirect and reports the final URL; a binary body is not shown", async () => {
    const moved = await request({ url: at(`/redirect?to=${encodeURIComponent("/echo?status=201")}`) });
    expect(moved.meta).toMatchObject({ status: 201, url: at("/echo?status=201") });
    expect((await request({ url: at("/png") })).output).toMatchObject({ body: "[4 bytes of image/png not shown]" });
  });
});

describe("web_fetch", () => {
  it("turns an article into Markdown, title first, without navigation or scripts", async () => {
    const outcome = await fetchPage(at("/page"));
    const { content, truncated } = outcome.output as { content: string; truncated: boolean };
    expect(truncated).toBe(false);
    expect(content.startsWith("# Tide tables\n\n")).toBe(true);
    expect(content).toContain("## Spring tides");
    expect(content).toContain("**largest**");
    expect(content).toContain("[spring tides](https://example.com/spring)");
    expect(content).toMatch(/-\s+high water/);
    expect(content).not.toContain("About");
    expect(content).not.toContain("never run");
    expect(seen[0]).toMatchObject({ method: "GET", headers: { "idempotency-key": "run_test:stp_test" } });
  });

  it("falls back to the body's text, returns other text as is, refuses binary and error pages", async () => {
    expect((await fetchPage(at("/bare"))).output).toMatchObject({ content: "# Bare\n\nJust a line." });
    expect((await fetchPage(at("/plain"))).output).toMatchObject({ content: "# not html\n<b>kept as is</b>" });
    expect(await fetchPage(at("/png"))).toMatchObject({ isError: true, output: expect.stringContaining("not text") });
    expect(await fetchPage(at("/missing"))).toMatchObject({ isError: true, output: "the page answered 404" });
  });

  it("cuts the Markdown to the tool's limit", async () => {
    const { content, truncated } = (await fetchPage(at("/page"), { maxResponseBytes: 1024 })).output as { content: string; truncated: boolean };
    expect(truncated).toBe(true);
    expect(content.length).toBeLessThanOrEqual(1024);
  });
});

describe("custom HTTP tools", () => {
  it("renders the URL (encoded), headers and body template (JSON-encoded) and sends the Idempotency-Key", async () => {
    const tool = customTool({
      method: "POST",
      urlTemplate: at("/echo?q={{query}}"),
      headers: { "x-user": "{{user}}" },
      bodyTemplate: '{"query": {{query}}, "n": {{n}}}',
    });
    const outcome = await runCustom(tool, { query: 'a&b=c "d"', user: "ann", n: 3 });
    expect(outcome.isError).toBeUndefined();
    const req = seen[0]!;
    expect(req.path).toBe("/echo");
    expect(new URL(`http://x${(outcome.meta as { url: string }).url.split(String(port))[1]}`).searchParams.get("q")).toBe('a&b=c "d"');
    expect(req.headers).toMatchObject({ "x-user": "ann", "content-type": "application/json", "idempotency-key": "run_test:stp_test" });
    expect(JSON.parse(req.body)).toEqual({ query: 'a&b=c "d"', n: 3 });
  });

  it("without a body template a non-GET request sends the arguments as JSON; GET sends none", async () => {
    await runCustom(customTool({ method: "PUT" }), { a: 1, b: ["x"] });
    expect(seen[0]).toMatchObject({ method: "PUT", body: '{"a":1,"b":["x"]}', headers: { "content-type": "application/json" } });
    await runCustom(customTool({ method: "GET" }), { a: 1 });
    expect(seen[1]).toMatchObject({ method: "GET", body: "" });
  });

  it("a missing argument, a line break in a header and {{secret}} outside headers are errors; nothing is sent", async () => {
    expect(await runCustom(customTool({ urlTemplate: at("/echo?q={{query}}") }), {})).toMatchObject({
      isError: true,
      output: expect.stringContaining('"query"'),
    });
    expect(await runCustom(customTool({ headers: { "x-a": "{{v}}" } }), { v: "a\r\nx-b: c" })).toMatchObject({
      isError: true,
      output: expect.stringContaining("line break"),
    });
    expect(await runCustom(customTool({ urlTemplate: at("/echo?k={{secret}}") }, { secretId: "sec_1", secretHost: "127.0.0.1" }), {})).toMatchObject({
      isError: true,
      output: expect.stringContaining("only in header values"),
    });
    expect(seen).toEqual([]);
  });

  it("the secret reaches the bound host, is revealed for this tool and run, and is scrubbed from what the server echoes", async () => {
    const tool = customTool(
      { urlTemplate: at("/echo-secret", "bound.test"), headers: { authorization: "Bearer {{secret}}" } },
      { secretId: "sec_1", secretHost: "bound.test" },
    );
    const outcome = await runCustom(tool, {});
    expect(seen[0]).toMatchObject({ host: "bound.test", headers: { authorization: `Bearer ${SECRET}` } });
    expect(revealSecret).toHaveBeenCalledWith(expect.objectContaining({ workspaceId: "wsp_test" }), "sec_1", { purpose: "tool:lookup", runId: "run_test" });
    const text = JSON.stringify(outcome);
    expect(text).not.toContain(SECRET);
    expect(text).not.toContain(encodeURIComponent(SECRET));
    expect((outcome.output as { body: string }).body).toContain("Bearer [secret]");
    expect((outcome.output as { headers: Record<string, string> }).headers.location).toBe("/next?token=Bearer%20[secret]");
  });

  it("an argument whose value is {{secret}} stays text: the model cannot place the secret", async () => {
    const tool = customTool({ urlTemplate: at("/echo", "bound.test"), headers: { "x-query": "{{q}}" } }, { secretId: "sec_1", secretHost: "bound.test" });
    await runCustom(tool, { q: "{{secret}}" });
    expect(seen[0]!.headers["x-query"]).toBe("{{secret}}");
    expect(revealSecret).not.toHaveBeenCalled();
  });

  it("a secret bound to host A is neither revealed nor sent when the URL renders host B", async () => {
    const tool = customTool(
      { urlTemplate: `http://{{host}}:${port}/echo`, headers: { "x-token": "{{secret}}", "x-plain": "p" } },
      { secretId: "sec_1", secretHost: "bound.test" },
    );
    const outcome = await runCustom(tool, { host: "other.test" });
    expect(seen[0]).toMatchObject({ host: "other.test", headers: { "x-plain": "p" } });
    expect(seen[0]!.headers["x-token"]).toBeUndefined();
    expect(revealSecret).not.toHaveBeenCalled();
    expect(outcome.meta).toMatchObject({ secretWithheld: true });
  });

  it.each([301, 302, 307, 308])("on a %i redirect to another host the secret header is dropped; it reached the bound host", async (status) => {
    const to = encodeURIComponent(`http://other.test:PORT/echo-secret`);
    const tool = customTool(
      { method: "GET", urlTemplate: at(`/redirect?status=${status}&to=${to}`, "bound.test"), headers: { "x-token": "{{secret}}", "x-plain": "p" } },
      { secretId: "sec_1", secretHost: "bound.test" },
    );
    const outcome = await runCustom(tool, {});
    expect(seen.map((s) => [s.host, s.headers["x-token"] ?? null, s.headers["x-plain"]])).toEqual([
      ["bound.test", SECRET, "p"],
      ["other.test", null, "p"],
    ]);
    expect(outcome.meta).toMatchObject({ url: `http://other.test:${port}/echo-secret` });
    expect(JSON.stringify(outcome)).not.toContain(SECRET);
  });

  it("a redirect that stays on the bound host keeps the secret", async () => {
    const tool = customTool(
      { urlTemplate: at(`/redirect?to=${encodeURIComponent("/echo-secret")}`, "bound.test"), headers: { "x-token": "{{secret}}" } },
      { secretId: "sec_1", secretHost: "bound.test" },
    );
    await runCustom(tool, {});
    expect(seen.map((s) => [s.host, s.headers["x-token"]])).toEqual([
      ["bound.test", SECRET],
      ["bound.test", SECRET],
    ]);
  });
});

describe("redirects and the approval policy (hosts other than bound.test need approval)", () => {
  const policy: ApprovalPolicy = { mode: "rule", hostsExcept: ["bound.test"] };
  type Call = (url: string, call?: Partial<ToolCallContext>) => Promise<ToolOutcome>;
  const kinds: [string, Call][] = [
    ["http_request", (url, call) => httpRequest({ url }, toolCall(builtinTool("http_request", { approval: policy }), call))],
    ["web_fetch", (url, call) => webFetch({ url }, toolCall(builtinTool("web_fetch", { approval: policy }), call))],
    ["custom tool", (url, call) => httpToolExecutor({}, toolCall({ ...customTool({ urlTemplate: url }), approval: policy }, call))],
  ];
  const away = () => at(`/redirect?to=${encodeURIComponent("http://other.test:PORT/page")}`, "bound.test");

  it.each(kinds)("%s: an unapproved call redirected to another host stops there with a clear error", async (_kind, call) => {
    const outcome = await call(away());
    expect(outcome).toMatchObject({ isError: true, meta: { refused: "redirect_needs_approval" } });
    expect(String(outcome.output)).toContain(`redirected from bound.test:${port} to other.test:${port}`);
    expect(String(outcome.output)).toContain("was not followed");
    expect(seen.map((s) => [s.host, s.path])).toEqual([["bound.test", "/redirect"]]);
  });

  it.each(kinds)("%s: an approved call follows it; a redirect within an allowed host needs no approval", async (_kind, call) => {
    expect((await call(away(), { approved: true })).isError).toBeUndefined();
    expect(seen.map((s) => s.host)).toEqual(["bound.test", "other.test"]);
    seen = [];
    expect((await call(at(`/redirect?to=${encodeURIComponent("/page")}`, "bound.test"))).isError).toBeUndefined();
    expect(seen.map((s) => [s.host, s.path])).toEqual([
      ["bound.test", "/redirect"],
      ["bound.test", "/page"],
    ]);
  });

  it("a redirect that changes the method to one the policy asks about is not followed (303 after a POST: GET, not excepted)", async () => {
    const tool = builtinTool("http_request", { approval: { mode: "rule", methodsExcept: ["POST"] } });
    const outcome = await httpRequest({ method: "POST", url: at(`/redirect?status=303&to=${encodeURIComponent("/echo")}`), body: "{}" }, toolCall(tool));
    expect(outcome).toMatchObject({ isError: true, meta: { refused: "redirect_needs_approval" } });
    expect(seen).toHaveLength(1);
  });
});

const HOST = /^http:\/\/([^/:[\]]+)/;

describe("the guard's refusal table through each tool kind (empty operator allowlist)", () => {
  type Run = (url: string) => Promise<ToolOutcome>;
  const bound = (url: string) =>
    customTool({ urlTemplate: url, headers: { "x-token": "{{secret}}" } }, { secretId: "sec_1", secretHost: new URL(url, "http://x").hostname });
  const kinds: [string, Run, ((url: string) => boolean)?][] = [
    ["http_request", (url) => request({ url })],
    ["web_fetch", (url) => fetchPage(url)],
    ["custom tool", (url) => runCustom(customTool({ urlTemplate: url }), {})],
    ["custom tool with a bound secret", (url) => runCustom(bound(url), {})],
    // an argument is URL-encoded: only hosts that survive encoding can come from one (not [v6] literals or %-escapes)
    [
      "custom tool, host from an argument",
      (url) => runCustom(customTool({ urlTemplate: url.replace(HOST, "http://{{host}}") }), { host: HOST.exec(url)![1] }),
      (url) => HOST.test(url) && encodeURIComponent(HOST.exec(url)![1]!) === HOST.exec(url)![1],
    ],
  ];

  it.each(kinds)("%s: every refused URL is an error naming the rule; the trap on 127.0.0.1 receives no connection", async (_kind, run, applies) => {
    await guard.close();
    guard = createEgressGuard({ allow: "", resolver: tableResolver });
    setEgressGuard(guard);
    trapConnections = 0;
    const table = refusedDirect(trapPort).filter((entry) => applies?.(entry.url) ?? true);
    expect(table.length).toBeGreaterThan(40);
    for (const entry of table) {
      const outcome = await run(entry.url);
      expect(outcome.isError, entry.url).toBe(true);
      expect(outcome.meta, entry.url).toMatchObject({ refused: entry.rule });
      expect(String(outcome.output), entry.url).toContain(entry.says);
      expect(JSON.stringify(outcome), entry.url).not.toContain(SECRET);
    }
    expect(trapConnections).toBe(0);
    expect(seen).toEqual([]);
  });

  it("a redirect from an allowed server to a refused address is an error, and the secret never reaches the trap", async () => {
    trapConnections = 0;
    const to = encodeURIComponent("http://[::1]:TRAP/");
    const tool = customTool(
      { urlTemplate: at(`/redirect?to=${to}`, "bound.test"), headers: { "x-token": "{{secret}}" } },
      { secretId: "sec_1", secretHost: "bound.test" },
    );
    const outcome = await runCustom(tool, {});
    expect(outcome).toMatchObject({ isError: true, meta: { refused: "address" }, output: expect.stringContaining("loopback") });
    expect(trapConnections).toBe(0);
    expect((await request({ url: at(`/redirect?to=${encodeURIComponent("http://169.254.169.254/")}`) })).output).toContain("metadata");
  });
});
