/**
 * The generated SDKs against a running server: the REST API served on 127.0.0.1 (test/fixtures/rest-server.ts), a real
 * workspace, API key and in-process executor. TypeScript: the package as a user installs it (test/fixtures/sdk/pack.ts:
 * `npm pack`, whose prepack builds dist/ with tsc, unpacked into a temporary node_modules), used from plain JavaScript
 * under `node` (test/fixtures/sdk/smoke.mjs): list agents, create one (Idempotency-Key replayed), start a run and follow
 * its events to the end, errors as CadreApiError; its .d.ts type-check a TypeScript user (consumer.ts). The `cadre` CLI
 * (packages/cli) packed the same way and installed with the SDK's tarball, its bin run under `node`. Python: the same
 * through `python3` and the package in packages/sdk-python (skipped, saying so, only when python3 is absent).
 */
import { execFile, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { settleObservations } from "@/server/models/gateway";
import { startExecutor, type Executor } from "@/server/jobs/executor";
import { configureRunStreams } from "@/server/runs/sse";
import { makeApiKey } from "@/test/helpers";
import { addAgent, makeRunWorkspace, type RunWorkspace } from "@/test/fixtures/runs";
import { startRestServer, type RestServer } from "@/test/fixtures/rest-server";
import { type PackedCli, type PackedSdk, packCli, packSdk } from "@/test/fixtures/sdk/pack";

const run = promisify(execFile);
const TSC = path.join(import.meta.dirname, "../node_modules/typescript/bin/tsc");

let rw: RunWorkspace;
let key: string;
let server: RestServer;
let executor: Executor;
let sdk: PackedSdk;
let cli: PackedCli;
/** the CLI lists a workspace of its own: the SDK's smoke test expects its workspace to start without agents */
let cliWs: RunWorkspace;
let cliKey: string;

beforeAll(async () => {
  configureRunStreams({ pollMs: 20 });
  rw = await makeRunWorkspace("sdk");
  key = (await makeApiKey(rw.ws, "owner")).raw;
  server = await startRestServer();
  executor = startExecutor({ workspaceIds: [rw.ws.id], pollMs: 30, reclaimOrphans: false });
  cliWs = await makeRunWorkspace("sdk-cli");
  await addAgent(cliWs.ctx, "cli-listed");
  cliKey = (await makeApiKey(cliWs.ws, "owner")).raw;
  sdk = await packSdk();
  cli = await packCli(sdk);
}, 120_000);
afterAll(async () => {
  await executor?.stop();
  await server?.close();
  configureRunStreams();
  await settleObservations();
  sdk?.cleanup();
});

/** test/fixtures/sdk/smoke.mjs under plain node, once, on the packed SDK */
// biome-ignore lint/suspicious/noExplicitAny: the JSON printed by smoke.mjs
let smoked: Promise<Record<string, any>> | undefined;
const smoke = () =>
  (smoked ??= run(process.execPath, ["smoke.mjs"], { cwd: sdk.app, env: { ...process.env, CADRE_URL: server.url, CADRE_API_KEY: key }, timeout: 60_000 }).then(
    (r) => JSON.parse(r.stdout),
  ));

describe("TypeScript SDK, as packed (npm pack) and installed", () => {
  it("lists and creates agents, starts a run and follows it to its output, from plain JavaScript", async () => {
    const out = await smoke();
    expect(out).toMatchObject({ me: rw.ws.slug, before: [], conflict: 409, listed: ["ts-writer"], queued: "queued", status: "succeeded" });
    expect(out.created.status).toBe(201);
    expect(out.replayed).toEqual({ header: "true", id: out.created.id });
    expect(out.events[0]).toBe("run.queued");
    expect(out.events.at(-1)).toBe("run.succeeded");
    expect(out.output.length).toBeGreaterThan(0);
  });

  it("throws CadreApiError with the API's code: NOT_FOUND, VALIDATION_FAILED, UNAUTHORIZED", async () => {
    const out = await smoke();
    expect(out.missing).toMatchObject({ instance: true, status: 404, code: "NOT_FOUND" });
    expect(out.invalid).toMatchObject({ instance: true, status: 422, code: "VALIDATION_FAILED" });
    expect(out.invalid.issues).toContain("input");
    expect(out.badKey).toMatchObject({ instance: true, status: 401, code: "UNAUTHORIZED" });
    expect(out.noRun).toMatchObject({ instance: true, status: 404, code: "NOT_FOUND" });
  });

  it("ships dist/ (ESM JavaScript and .d.ts) and not the sources; its declarations type a TypeScript user", async () => {
    expect(sdk.files).toContain("package/dist/index.js");
    expect(sdk.files).toContain("package/dist/index.d.ts");
    expect(sdk.files).toContain("package/dist/generated/openapi.d.ts");
    expect(sdk.files.filter((f) => f.startsWith("package/src/") || f.endsWith(".test.js"))).toEqual([]);
    const tsc = await run(process.execPath, [TSC, "--noEmit", "-p", "."], { cwd: sdk.app, timeout: 60_000 }).catch((e) => e);
    expect(tsc.stdout + tsc.stderr).toBe("");
  });
});

describe("cadre CLI, as packed (npm pack) and installed with the packed SDK", () => {
  const cadre = (args: string[], apiKey = cliKey) =>
    run(process.execPath, [cli.bin, ...args], {
      cwd: sdk.tmp,
      env: { ...process.env, CADRE_URL: server.url, CADRE_API_KEY: apiKey },
      timeout: 30_000,
    }).catch((error: { code: number; stdout: string; stderr: string }) => ({ ...error, failed: true }));

  it("ships dist/ and its bin, not the sources; depends on the SDK's exact version", async () => {
    expect(cli.files).toContain("package/bin/cadre.mjs");
    expect(cli.files).toContain("package/dist/main.js");
    expect(cli.files.filter((f) => f.startsWith("package/src/") || f.endsWith(".ts"))).toEqual([]);
    const sdkVersion = JSON.parse(readFileSync(path.join(import.meta.dirname, "../packages/sdk-ts/package.json"), "utf8")).version;
    expect(cli.manifest.dependencies["@cadre/sdk"]).toBe(sdkVersion);
  });

  it("`cadre --help` and `cadre --json agents list` with an API key, against the running server", async () => {
    const help = await cadre(["--help"]);
    expect(help).not.toHaveProperty("failed");
    expect(help.stdout).toContain("Usage: cadre");
    expect(help.stdout).toContain("agents");
    const list = await cadre(["--json", "agents", "list"]);
    expect(list.stderr).toBe("");
    expect(JSON.parse(list.stdout).map((a: { slug: string }) => a.slug)).toEqual(["cli-listed"]);
    const refused = await cadre(["--json", "agents", "list"], "cadre_not_a_key");
    expect(refused).toMatchObject({ failed: true, code: 3 });
    expect(JSON.parse(refused.stdout).error).toMatchObject({ status: 401, code: "UNAUTHORIZED" });
  });
});

const python = spawnSync("python3", ["--version"]).status === 0;

describe("Python SDK", () => {
  it.skipIf(!python)("creates an agent, runs it and follows its events (python3 on packages/sdk-python)", async () => {
    const { stdout } = await run("python3", [path.join(import.meta.dirname, "fixtures/sdk/smoke.py")], {
      env: {
        ...process.env,
        PYTHONDONTWRITEBYTECODE: "1",
        PYTHONPATH: path.join(import.meta.dirname, "../packages/sdk-python"),
        CADRE_URL: server.url,
        CADRE_API_KEY: key,
      },
      timeout: 60_000,
    });
    const out = JSON.parse(stdout);
    expect(out).toMatchObject({
      me: rw.ws.slug,
      created: "py-writer",
      status: "succeeded",
      error: { status: 404, code: "NOT_FOUND" },
      badKey: { status: 401, code: "UNAUTHORIZED" },
    });
    expect(out.listed).toContain("py-writer");
    expect(out.events[0]).toBe("run.queued");
    expect(out.events.at(-1)).toBe("run.succeeded");
    expect(out.output.length).toBeGreaterThan(0);
  });
  if (!python) it("python3 is not installed: the Python SDK smoke test is skipped", () => {});
});
