import { spawn, type ChildProcess } from "node:child_process";
import { rmSync } from "node:fs";
import path from "node:path";
import { expect, test, type Page } from "@playwright/test";
import { startLlmStub, type LlmStub } from "../scripts/llm-stub/server";
import { addStubModel, addStubProvider, createWorkspace, openDialog, person, signUp } from "./support";

/**
 * The production launcher itself (`npm start`, not the suite's server): its own embedded database and port.
 * - SIGTERM with a run in progress, watched on its page: the process waits for the step under way to finish (the
 *   model call is not paid twice), releases the run, and only then closes the database, within seconds (the page's
 *   event stream, reconnecting each second, does not keep the server open); the next start finishes the run.
 * - kill -9 and an immediate restart, 10 times: every restart comes up (the embedded database's lock dies with
 *   its holder).
 */
const PORT = Number(process.env.E2E_LAUNCHER_PORT ?? 3219);
const BASE = `http://127.0.0.1:${PORT}`;
const DATA_DIR = ".data/e2e-launcher";
/** the model call in progress when SIGTERM arrives takes this long */
const LATENCY_MS = 5_000;

test.use({ baseURL: BASE });
test.describe.configure({ mode: "serial" });

let stub: LlmStub;
test.beforeAll(async () => {
  stub = await startLlmStub({ latencyMs: LATENCY_MS });
  rmSync(path.resolve(DATA_DIR), { recursive: true, force: true });
});
test.afterAll(async () => {
  await stub?.close();
});

interface Server {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

function start(command: "npm" | "node"): Server {
  const [bin, args] = command === "npm" ? ["npm", ["start"]] : [process.execPath, ["scripts/start.mjs"]];
  const child = spawn(bin, args as string[], {
    env: {
      ...process.env,
      PORT: String(PORT),
      HOSTNAME: "127.0.0.1",
      CADRE_DATA_DIR: DATA_DIR,
      DATABASE_URL: "",
      AUTH_SECRET: "e2e-secret-not-for-production-0123456789",
      NEXT_TELEMETRY_DISABLED: "1",
      CADRE_EGRESS_ALLOW: "127.0.0.1,::1",
      CADRE_SHUTDOWN_GRACE_SECONDS: "30",
      CADRE_BUILD: "never",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout!.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return { child, output: () => out, exited };
}

/** Until `path` answers 200: /api/health (the server is up) or /api/ready (migrated, executor running, not draining). */
async function healthy(server: Server, timeout = 120_000, path = "/api/health") {
  await expect
    .poll(
      async () => {
        if (server.child.exitCode !== null) throw new Error(`the server exited (${server.child.exitCode}):\n${server.output()}`);
        try {
          return (await fetch(`${BASE}${path}`, { signal: AbortSignal.timeout(2_000) })).status;
        } catch {
          return 0;
        }
      },
      { timeout, intervals: [100] },
    )
    .toBe(200);
}

async function createAgent(page: Page, slug: string) {
  await page.getByTestId("nav-agents").click();
  await openDialog(page, "agent-new", "agent-slug");
  await page.getByTestId("agent-slug").fill(slug);
  await page.getByTestId("agent-name").fill(slug);
  await page.getByTestId("agent-role").fill("Writes.");
  await page.getByTestId("agent-instructions").fill(`You are the ${slug}.`);
  await page.getByTestId("agent-policy-kind").selectOption("pinned");
  await page.getByTestId("agent-policy-model").selectOption({ label: "Local stub · Stub Large" });
  await page.getByTestId("agent-submit").click();
  // the dialog closes once the agent is saved; the list shows it
  await expect(page.getByTestId("agent-form")).toBeHidden();
  await expect(page.locator(`[data-testid="agent-row"][data-slug="${slug}"]`)).toBeVisible();
}

test("SIGTERM through npm start: the step under way finishes, then the database closes; the next start finishes the run", async ({ page }) => {
  test.setTimeout(300_000);
  let server = start("npm");
  try {
    // ready, not only up: the executor that will run (and drain) the step is running
    await healthy(server, 120_000, "/api/ready");
    const ready = await fetch(`${BASE}/api/ready`);
    expect(ready.status).toBe(200);
    expect((await ready.json()) as { status: string }).toMatchObject({
      status: "ready",
      checks: { migrations: { ok: true, pending: [] }, executor: { state: "running" } },
    });

    const slug = `drain-${Date.now().toString(36)}`;
    await signUp(page, person("Dana"));
    await page.waitForURL(/\/new$/);
    await createWorkspace(page, "Drain", slug);
    await addStubProvider(page, stub.url);
    await addStubModel(page);
    await createAgent(page, "writer");
    await page.getByTestId("nav-teams").click();
    await openDialog(page, "team-new", "team-slug");
    await page.getByTestId("team-slug").fill("solo");
    await page.getByTestId("team-name").fill("Solo");
    await page.getByTestId("team-topology").selectOption("sequential");
    await page.getByTestId("team-json").fill(JSON.stringify({ topology: "sequential", agents: ["writer"], context: "last" }, null, 2));
    await page.getByTestId("team-submit").click();
    await page.waitForURL(new RegExp(`/w/${slug}/teams/solo$`));
    stub.reset();
    await page.getByTestId("run-input").fill("Say something.");
    await page.getByTestId("run-submit").click();
    await page.waitForURL(new RegExp(`/w/${slug}/runs/run_[^/]+$`));
    const runUrl = page.url();

    // the model call is under way: SIGTERM to npm, which passes it to the launcher
    await expect.poll(() => stub.calls.filter((c) => c.model === "stub-large").length, { timeout: 30_000 }).toBe(1);
    const signalled = Date.now();
    server.child.kill("SIGTERM");
    const code = await server.exited;
    const tookMs = Date.now() - signalled;
    const out = server.output();
    expect(code, out).toBe(0);
    // it waited for the call (LATENCY_MS) and not for the whole grace period
    expect(tookMs, out).toBeGreaterThan(1_000);
    expect(tookMs, out).toBeLessThan(30_000);
    expect(stub.calls.filter((c) => c.model === "stub-large")[0]!.reply, "the call under way was answered").toMatch(/^\[stub stub-large\]/);
    const drained = out.indexOf("SIGTERM: draining");
    const executorStopped = out.indexOf("executor: stopped");
    const closed = out.indexOf("database closed");
    expect(drained, out).toBeGreaterThanOrEqual(0);
    expect(executorStopped, out).toBeGreaterThan(drained);
    expect(closed, out).toBeGreaterThan(executorStopped);
    expect(out).toContain("drained, database closed");

    // the next start (at once: the lock is free) finishes the run without calling the model again for that step
    server = start("npm");
    await healthy(server, 120_000, "/api/ready");
    await page.goto(runUrl);
    await expect(page.getByTestId("run-status")).toHaveText("succeeded", { timeout: 60_000 });
    expect(stub.calls.filter((c) => c.model === "stub-large")).toHaveLength(1);
  } finally {
    if (server.child.exitCode === null) {
      server.child.kill("SIGTERM");
      await server.exited;
    }
  }
});

test("kill -9 and restart at once, 10 times: every restart comes up", async () => {
  test.setTimeout(600_000);
  let previous: Promise<unknown> = Promise.resolve();
  for (let i = 0; i < 10; i++) {
    // started while the killed one may not even have been reaped yet
    const server = start("node");
    await healthy(server);
    await previous;
    server.child.kill("SIGKILL");
    previous = server.exited;
  }
  const last = start("node");
  try {
    await healthy(last);
    expect(last.output()).not.toContain("in use by another process");
  } finally {
    last.child.kill("SIGTERM");
    await last.exited;
  }
});
