/**
 * The generated SDKs against a running server: the REST API served on 127.0.0.1 (test/fixtures/rest-server.ts), a real
 * workspace, API key and in-process executor. TypeScript: list agents, create one (Idempotency-Key replayed), start a
 * run and follow its events to the end, errors as CadreApiError. Python: the same through `python3` and the package in
 * packages/sdk-python (skipped, saying so, only when python3 is absent).
 */
import { execFile, spawnSync } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { settleObservations } from "@/server/models/gateway";
import { startExecutor, type Executor } from "@/server/jobs/executor";
import { configureRunStreams } from "@/server/runs/sse";
import { makeApiKey } from "@/test/helpers";
import { makeRunWorkspace, type RunWorkspace } from "@/test/fixtures/runs";
import { startRestServer, type RestServer } from "@/test/fixtures/rest-server";
import { CadreApiError, createCadreClient, unwrap } from "@/packages/sdk-ts/src";

let rw: RunWorkspace;
let key: string;
let server: RestServer;
let executor: Executor;

beforeAll(async () => {
  configureRunStreams({ pollMs: 20 });
  rw = await makeRunWorkspace("sdk");
  key = (await makeApiKey(rw.ws, "owner")).raw;
  server = await startRestServer();
  executor = startExecutor({ workspaceIds: [rw.ws.id], pollMs: 30, reclaimOrphans: false });
});
afterAll(async () => {
  await executor?.stop();
  await server?.close();
  configureRunStreams();
  await settleObservations();
});

describe("TypeScript SDK", () => {
  it("lists and creates agents, starts a run and follows it to its output", async () => {
    const cadre = createCadreClient({ baseUrl: `${server.url}/`, apiKey: key });
    const me = await unwrap(cadre.api.GET("/api/v1/me"));
    expect(me.workspace.slug).toBe(rw.ws.slug);
    expect((await unwrap(cadre.api.GET("/api/v1/agents", { params: { query: { limit: 10 } } }))).data).toEqual([]);

    const body = { slug: "ts-writer", name: "TS writer", instructions: "Write briefly." };
    const created = await cadre.api.POST("/api/v1/agents", { body, params: { header: { "Idempotency-Key": "sdk-create-1" } } });
    expect(created.response.status).toBe(201);
    const again = await cadre.api.POST("/api/v1/agents", { body, params: { header: { "Idempotency-Key": "sdk-create-1" } } });
    expect(again.response.headers.get("idempotent-replayed")).toBe("true");
    expect(again.data?.id).toBe(created.data?.id);
    // without a key of its own, the SDK sends one: a second create of the slug is a new request (409 CONFLICT)
    const conflict = await cadre.api.POST("/api/v1/agents", { body });
    expect(conflict.response.status).toBe(409);
    const listed = await unwrap(cadre.api.GET("/api/v1/agents"));
    expect(listed.data.map((a) => a.slug)).toEqual(["ts-writer"]);

    const run = await unwrap(cadre.api.POST("/api/v1/runs", { body: { agent: "ts-writer", input: "Hello from TypeScript" } }));
    expect(run.status).toBe("queued");
    const seen: string[] = [];
    for await (const event of cadre.followRun(run.id)) seen.push(event.type);
    expect(seen[0]).toBe("run.queued");
    expect(seen.at(-1)).toBe("run.succeeded");
    const done = await unwrap(cadre.api.GET("/api/v1/runs/{runId}", { params: { path: { runId: run.id } } }));
    expect(done.status).toBe("succeeded");
    expect(done.output).toEqual(expect.any(String));
    expect(done.output!.length).toBeGreaterThan(0);
  });

  it("throws CadreApiError with the API's code: NOT_FOUND, VALIDATION_FAILED, UNAUTHORIZED", async () => {
    const cadre = createCadreClient({ baseUrl: server.url, apiKey: key });
    const missing = await unwrap(cadre.api.GET("/api/v1/agents/{agentId}", { params: { path: { agentId: "no-such-agent" } } })).catch((e) => e);
    expect(missing).toBeInstanceOf(CadreApiError);
    expect(missing).toMatchObject({ status: 404, code: "NOT_FOUND" });
    // biome-ignore lint/suspicious/noExplicitAny: a body the types refuse, to see the server's validation error
    const invalid = await unwrap(cadre.api.POST("/api/v1/runs", { body: { agent: "ts-writer" } as any })).catch((e) => e);
    expect(invalid).toMatchObject({ status: 422, code: "VALIDATION_FAILED" });
    expect(invalid.issues.map((i: { path: string }) => i.path)).toContain("input");
    const stranger = createCadreClient({ baseUrl: server.url, apiKey: "cadre_not_a_key" });
    expect(await unwrap(stranger.api.GET("/api/v1/me")).catch((e) => e)).toMatchObject({ status: 401, code: "UNAUTHORIZED" });
    const events = cadre.followRun("run_doesnotexist1");
    expect(await events.next().catch((e) => e)).toMatchObject({ status: 404, code: "NOT_FOUND" });
  });
});

const python = spawnSync("python3", ["--version"]).status === 0;

describe("Python SDK", () => {
  it.skipIf(!python)("creates an agent, runs it and follows its events (python3 on packages/sdk-python)", async () => {
    const { stdout } = await promisify(execFile)("python3", [path.join(import.meta.dirname, "fixtures/sdk/smoke.py")], {
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
