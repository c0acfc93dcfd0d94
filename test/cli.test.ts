/**
 * The `cadre` CLI (packages/cli) against a running server: the REST API on 127.0.0.1 (test/fixtures/rest-server.ts), a
 * real workspace, API key and executor. Most commands run in-process through `main` (own env, captured output); the
 * bin itself runs under plain `node` for login (the file's mode) and --json output.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Readable } from "node:stream";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startLlmStub, type LlmStub } from "@/scripts/llm-stub/server";
import { configureGateway, settleObservations } from "@/server/models/gateway";
import { startExecutor, type Executor } from "@/server/jobs/executor";
import { configureRunStreams } from "@/server/runs/sse";
import { makeApiKey } from "@/test/helpers";
import { addAgent, makeRunWorkspace, useStubProvider, type RunWorkspace } from "@/test/fixtures/runs";
import { startRestServer, type RestServer } from "@/test/fixtures/rest-server";
import { main } from "@/packages/cli/src/main";
import { EXIT } from "@/packages/cli/src/exit-codes";
import { AGENT_FIELDS } from "@/packages/cli/src/commands/resources";
import { AGENT_VERSION_FIELDS } from "@/lib/schemas/agents";

const BIN = path.join(import.meta.dirname, "../packages/cli/bin/cadre.mjs");

let rw: RunWorkspace;
let failing: RunWorkspace;
let key: string;
let failingKey: string;
let server: RestServer;
let stub: LlmStub;
let executor: Executor;
let home: string;

beforeAll(async () => {
  configureRunStreams({ pollMs: 20 });
  configureGateway({ retryBackoffMs: 10 });
  rw = await makeRunWorkspace("cli");
  key = (await makeApiKey(rw.ws, "owner")).raw;
  // a workspace whose only model is the LLM stub, told to refuse (400, not retried): its runs fail
  stub = await startLlmStub();
  failing = await makeRunWorkspace("cli-fail");
  await useStubProvider(failing.ws.id, stub.url);
  await addAgent(failing.ctx, "doomed", { modelPolicy: { type: "preset", preset: "fast" } });
  failingKey = (await makeApiKey(failing.ws, "owner")).raw;
  server = await startRestServer();
  executor = startExecutor({ workspaceIds: [rw.ws.id, failing.ws.id], pollMs: 30, reclaimOrphans: false });
  home = mkdtempSync(path.join(tmpdir(), "cadre-cli-"));
});
afterAll(async () => {
  await executor?.stop();
  await server?.close();
  await stub?.close();
  configureRunStreams();
  configureGateway();
  await settleObservations();
  rmSync(home, { recursive: true, force: true });
});

/** Runs `cadre <args>` in-process with an environment of its own (no CADRE_* unless given). */
async function cadre(args: string[], env: Record<string, string> = {}, stdin?: string) {
  let stdout = "";
  let stderr = "";
  const code = await main(args, {
    env: { HOME: home, XDG_CONFIG_HOME: path.join(home, "config"), ...env },
    ...(stdin !== undefined ? { stdin: Readable.from([stdin]) } : {}),
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
  });
  return { code, stdout, stderr };
}
const asKey = (k = key) => ({ CADRE_URL: server.url, CADRE_API_KEY: k });

describe("login", () => {
  it("checks the key, stores URL and key with mode 0600 under XDG_CONFIG_HOME, and later commands use them", async () => {
    const login = await cadre(["login", "--url", `${server.url}/`, "--api-key", key]);
    expect(login.stderr).toBe("");
    expect(login.code).toBe(EXIT.OK);
    expect(login.stdout).toContain(`Logged in to workspace ${rw.ws.slug}`);
    const file = path.join(home, "config/cadre/config.json");
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(file, "utf8"))).toEqual({ url: server.url, apiKey: key, workspace: rw.ws.slug });
    const mcp = await cadre(["mcp", "url"]);
    expect(mcp).toMatchObject({ code: 0, stdout: `${server.url}/api/mcp/${rw.ws.slug}\n` });
    // the environment wins over the file
    const env = await cadre(["whoami"], asKey("cadre_wrong"));
    expect(env.code).toBe(EXIT.AUTH);
    const logout = await cadre(["logout"]);
    expect(logout.code).toBe(0);
    expect(await cadre(["agents", "list"])).toMatchObject({ code: EXIT.AUTH, stderr: expect.stringContaining("Not logged in") });
  });

  it("prompts for the URL and the key when the options leave them out (answers on stdin)", async () => {
    const login = await cadre(["--json", "login"], {}, `${server.url}\n${key}\n`);
    expect(login.stderr).toBe("Server URL:\nAPI key:\n");
    expect(login.code).toBe(EXIT.OK);
    expect(JSON.parse(login.stdout)).toMatchObject({ url: server.url, workspace: { slug: rw.ws.slug } });
    expect(await cadre(["logout"])).toMatchObject({ code: 0 });
    expect(await cadre(["login", "--url", server.url], {}, "")).toMatchObject({ code: EXIT.USAGE, stderr: expect.stringContaining("API key is required") });
  });

  it("a bad key exits 3 with a clear message and stores nothing", async () => {
    const bad = await cadre(["login", "--url", server.url, "--api-key", "cadre_not_a_real_key"]);
    expect(bad.code).toBe(EXIT.AUTH);
    expect(bad.stderr).toMatch(/^cadre: Authentication failed: .*\(UNAUTHORIZED, HTTP 401\)/);
    expect(bad.stderr).not.toContain("cadre_not_a_real_key");
    expect(() => statSync(path.join(home, "config/cadre/config.json"))).toThrow();
  });

  it("--version prints the package's version (packages/cli/package.json)", async () => {
    const pkg = JSON.parse(readFileSync(path.resolve("packages/cli/package.json"), "utf8")) as { version: string };
    expect(await cadre(["--version"])).toMatchObject({ code: EXIT.OK, stdout: `${pkg.version}\n` });
  });

  // two child processes of node + tsx: slow on a loaded 2-core machine, hence the longer limit
  it("the bin runs under plain node: login writes the file 0600; --json and the exit code of a 404", { timeout: 90_000 }, async () => {
    const xdg = path.join(home, "bin-config");
    const env = { ...process.env, HOME: home, XDG_CONFIG_HOME: xdg, CADRE_URL: "", CADRE_API_KEY: "" };
    const run = (args: string[]) => promisify(execFile)(process.execPath, [BIN, ...args], { env, cwd: home });
    const login = await run(["login", "--url", server.url, "--api-key", key]);
    expect(login.stdout).toContain(`Logged in to workspace ${rw.ws.slug}`);
    expect(statSync(path.join(xdg, "cadre/config.json")).mode & 0o777).toBe(0o600);
    const missing = await run(["--json", "agents", "get", "nobody"]).catch((e: { code: number; stdout: string; stderr: string }) => e);
    expect(missing).toMatchObject({ code: EXIT.NOT_FOUND, stderr: expect.stringContaining("Not found") });
    expect(JSON.parse((missing as { stdout: string }).stdout)).toMatchObject({ error: { exitCode: EXIT.NOT_FOUND, code: "NOT_FOUND", status: 404 } });
  });
});

describe("agents and teams", () => {
  it("apply creates, then reports unchanged, then saves a new version after an edit", async () => {
    const file = path.join(home, "writer.yaml");
    const manifest = (instructions: string) =>
      `slug: cli-writer\nname: CLI writer\ninstructions: ${instructions}\nmodelPolicy:\n  type: preset\n  preset: fast\nmaxOutputTokens: 256\n`;
    writeFileSync(file, manifest("Write briefly."));
    expect(await cadre(["agents", "apply", "-f", file], asKey())).toMatchObject({ code: 0, stdout: "agent/cli-writer created (version 1)\n" });
    expect(await cadre(["agents", "apply", "-f", file], asKey())).toMatchObject({ code: 0, stdout: "agent/cli-writer unchanged\n" });
    writeFileSync(file, manifest("Write very briefly."));
    expect(await cadre(["agents", "apply", "-f", file], asKey())).toMatchObject({ code: 0, stdout: "agent/cli-writer updated (version 2: instructions)\n" });
    const json = await cadre(["--json", "agents", "apply", "-f", file], asKey());
    expect(JSON.parse(json.stdout)).toEqual([{ kind: "agent", slug: "cli-writer", action: "unchanged", version: 2 }]);

    // what `get` prints applies back unchanged
    const got = await cadre(["agents", "get", "cli-writer"], asKey());
    expect(got.stdout).toContain("instructions: Write very briefly.");
    writeFileSync(file, got.stdout);
    expect((await cadre(["agents", "apply", "-f", file], asKey())).stdout).toBe("agent/cli-writer unchanged\n");

    const team = path.join(home, "team.yaml");
    writeFileSync(team, "kind: Team\nslug: cli-pair\nname: CLI pair\nspec:\n  topology: sequential\n  agents: [cli-writer, cli-writer]\n");
    expect((await cadre(["teams", "apply", "-f", team], asKey())).stdout).toBe("team/cli-pair created (version 1)\n");
    expect((await cadre(["teams", "apply", "-f", team], asKey())).stdout).toBe("team/cli-pair unchanged\n");
    const list = await cadre(["--json", "teams", "list"], asKey());
    expect(JSON.parse(list.stdout).map((t: { slug: string }) => t.slug)).toEqual(["cli-pair"]);
    expect((await cadre(["agents", "list"], asKey())).stdout).toMatch(/^SLUG +NAME +CURRENTVERSION +UPDATEDAT\ncli-writer +CLI writer +2 /);
  });

  it("get and apply carry every field of an agent version: toolApprovals (per-grant approval policy) round-trips", async () => {
    expect(AGENT_FIELDS).toEqual(["slug", ...AGENT_VERSION_FIELDS]);
    const file = path.join(home, "guarded.yaml");
    const manifest = (mode: string) =>
      `slug: cli-guarded\nname: Guarded\nallowedTools: [http_request, calculator]\ntoolApprovals:\n  http_request: { mode: ${mode} }\n`;
    writeFileSync(file, manifest("always"));
    expect(await cadre(["agents", "apply", "-f", file], asKey())).toMatchObject({ code: 0, stdout: "agent/cli-guarded created (version 1)\n" });
    expect(await cadre(["agents", "apply", "-f", file], asKey())).toMatchObject({ code: 0, stdout: "agent/cli-guarded unchanged\n" });
    writeFileSync(file, manifest("never"));
    expect(await cadre(["agents", "apply", "-f", file], asKey())).toMatchObject({ code: 0, stdout: "agent/cli-guarded updated (version 2: toolApprovals)\n" });
    const saved = JSON.parse((await cadre(["--json", "agents", "get", "cli-guarded"], asKey())).stdout);
    expect(saved.toolApprovals).toEqual({ http_request: { mode: "never" } });

    // exported: the YAML of `get` names the policy (and qualityGate), and applies back unchanged
    const got = await cadre(["agents", "get", "cli-guarded"], asKey());
    expect(got.stdout).toContain("toolApprovals:\n  http_request:\n    mode: never\n");
    expect(got.stdout).toContain("qualityGate: null\n");
    writeFileSync(file, got.stdout);
    expect((await cadre(["agents", "apply", "-f", file], asKey())).stdout).toBe("agent/cli-guarded unchanged\n");
    // a policy of a tool the agent is not granted: the server's 422, at toolApprovals.<name>
    writeFileSync(file, `${got.stdout}\n`.replace("http_request:\n    mode: never", "http_request:\n    mode: never\n  web_fetch:\n    mode: always"));
    const refused = await cadre(["agents", "apply", "-f", file], asKey());
    expect(refused).toMatchObject({ code: EXIT.API, stderr: expect.stringContaining("toolApprovals.web_fetch") });
  });

  it("refuses a bad file (exit 1) and an invalid agent (exit 2, the issues listed); not found exits 4", async () => {
    const file = path.join(home, "bad.yaml");
    writeFileSync(file, "name: no slug\n");
    expect(await cadre(["agents", "apply", "-f", file], asKey())).toMatchObject({ code: EXIT.USAGE, stderr: expect.stringContaining("needs a slug") });
    writeFileSync(file, "slug: cli-bad\nname: Bad\ntemperature: 9\n");
    const invalid = await cadre(["agents", "apply", "-f", file], asKey());
    expect(invalid.code).toBe(EXIT.API);
    expect(invalid.stderr).toContain("VALIDATION_FAILED");
    expect(invalid.stderr).toContain("temperature:");
    expect(await cadre(["teams", "get", "nobody"], asKey())).toMatchObject({ code: EXIT.NOT_FOUND });
    expect(await cadre(["runs", "get", "run_nosuchrun1"], asKey())).toMatchObject({ code: EXIT.NOT_FOUND });
    const json = await cadre(["--json", "agents", "get", "nobody"], asKey());
    expect(JSON.parse(json.stdout)).toMatchObject({ error: { exitCode: EXIT.NOT_FOUND, code: "NOT_FOUND", status: 404 } });
    expect(await cadre(["agents", "frobnicate"], asKey())).toMatchObject({ code: EXIT.USAGE });
  });
});

describe("runs", () => {
  it("run --follow shows progress, prints the output and exits 0; runs list/get see it", async () => {
    await addAgent(rw.ctx, "cli-solo");
    const followed = await cadre(["run", "cli-solo", "--input", "Say hello", "--follow"], asKey());
    expect(followed.code).toBe(EXIT.OK);
    expect(followed.stderr).toContain("[1/1 steps] cost $");
    expect(followed.stderr).toMatch(/Run run_\w+ succeeded/);
    expect(followed.stdout.trim().length).toBeGreaterThan(0);
    const runId = /Run (run_\w+) succeeded/.exec(followed.stderr)![1]!;

    const started = await cadre(["run", "cli-solo", "--input", "Again"], asKey());
    expect(started.stdout).toMatch(/^run_\w+\n$/);
    const list = JSON.parse((await cadre(["--json", "runs", "list", "--agent", "cli-solo"], asKey())).stdout);
    expect(list.data.map((r: { id: string }) => r.id)).toEqual(expect.arrayContaining([runId, started.stdout.trim()]));
    const got = JSON.parse((await cadre(["--json", "runs", "get", runId], asKey())).stdout);
    expect(got).toMatchObject({ id: runId, status: "succeeded", output: followed.stdout.trim(), channel: "cli" });
    // the CLI's runs, listed by their channel
    const ofCli = JSON.parse((await cadre(["--json", "runs", "list", "--channel", "cli"], asKey())).stdout);
    expect(ofCli.data.map((r: { id: string }) => r.id)).toEqual(expect.arrayContaining([runId, started.stdout.trim()]));
    expect(ofCli.data.every((r: { channel: string }) => r.channel === "cli")).toBe(true);
    // and by what started them: nothing here came from this (unknown) trigger
    expect(JSON.parse((await cadre(["--json", "runs", "list", "--channel-ref", "whtr_none000000"], asKey())).stdout).data).toEqual([]);
    const json = await cadre(["--json", "run", "cli-solo", "--input", "JSON please", "--follow"], asKey());
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({ status: "succeeded" });
    expect(json.stderr).toBe("");
  });

  it("a failing run exits 5 with its error; cancelling a finished run is an API error (2)", async () => {
    stub.fail({ status: 400 });
    const failed = await cadre(["run", "doomed", "--input", "Fail please", "--follow"], asKey(failingKey));
    expect(failed.code).toBe(EXIT.RUN_FAILED);
    expect(failed.stderr).toMatch(/cadre: Run run_\w+ failed: .*400/);
    const runId = /Run (run_\w+) failed/.exec(failed.stderr)![1]!;
    expect(await cadre(["runs", "cancel", runId], asKey(failingKey))).toMatchObject({ code: EXIT.API, stderr: expect.stringContaining("CONFLICT") });
    expect(await cadre(["run", "nothing-here", "--input", "x"], asKey())).toMatchObject({ code: EXIT.NOT_FOUND });
    expect(await cadre(["run", "cli-solo"], asKey())).toMatchObject({ code: EXIT.USAGE, stderr: expect.stringContaining("needs an input") });
  });
});

describe("keys", () => {
  it("creates a key (shown once) that works, lists it without its secret, revokes it", async () => {
    const created = JSON.parse((await cadre(["--json", "keys", "create", "--name", "ci", "--scopes", "agents:read"], asKey())).stdout);
    expect(created.key).toEqual(expect.any(String));
    expect(await cadre(["agents", "list"], asKey(created.key))).toMatchObject({ code: 0 });
    expect(await cadre(["run", "cli-solo", "--agent", "--input", "x"], asKey(created.key))).toMatchObject({ code: EXIT.AUTH });
    const list = await cadre(["keys", "list"], asKey());
    expect(list.stdout).toContain(created.id);
    expect(list.stdout).not.toContain(created.key);
    expect(await cadre(["keys", "revoke", created.id], asKey())).toMatchObject({ code: 0 });
    expect(await cadre(["agents", "list"], asKey(created.key))).toMatchObject({ code: EXIT.AUTH });
  });
});
