import { describe, expect, it } from "vitest";
import { testDb } from "@/test/db";
import { createCaller } from "@/server/api/root";
import { signUp as signUpUser } from "@/server/users/service";
import { verifyCredentials } from "@/server/auth/credentials";
import { recordAuthEvent as recordIdentityEvent } from "@/server/auth/events";
import { recordAuthEvent, scrubMetadata } from "@/server/audit/auth-events";
import { runCadre } from "@/scripts/cadre";
import { appErrorOf, uniq } from "@/test/helpers";

const PASSWORD = "Correct-Horse-9";
const email = (label: string) => `${label}-${uniq()}@example.test`;
const ip = () => `203.0.113.${Number.parseInt(uniq().slice(0, 2), 16)}`;
const publicCaller = (clientIp?: string, userAgent?: string) =>
  createCaller({ requestId: `req_${uniq()}`, user: null, workspaceSlug: null, origin: "http://localhost:3000", clientIp, userAgent });

/** Signs up and returns the new user (sign-up itself answers the same for new and existing emails). */
async function signUp(input: { name: string; email: string; password: string }) {
  await signUpUser(input);
  return testDb().user.findUniqueOrThrow({ where: { email: input.email } });
}
/** Identity events are written without being awaited: wait for the row. */
async function settled(address: string, n: number) {
  await expect.poll(async () => (await eventsOf(address)).length, { timeout: 5_000, interval: 20 }).toBeGreaterThanOrEqual(n);
}

const eventsOf = (address: string) => testDb().authEvent.findMany({ where: { email: address }, orderBy: [{ createdAt: "asc" }, { id: "asc" }] });

describe("authentication events", () => {
  it("sign-up over tRPC records auth.sign_up with the address, user agent and request id, and no password", async () => {
    const address = email("signup");
    await publicCaller("198.51.100.20", "Firefox/140").auth.signUp({ name: "Sam", email: address, password: PASSWORD });
    const user = await testDb().user.findUniqueOrThrow({ where: { email: address } });
    await testDb().authEvent.updateMany({ where: { userId: user.id }, data: { email: address } });
    await settled(address, 1);
    const [event] = await testDb().authEvent.findMany({ where: { userId: user.id } });
    expect(event).toMatchObject({
      action: "auth.sign_up",
      userId: user.id,
      clientIp: "198.51.100.20",
      userAgent: "Firefox/140",
      requestId: expect.stringMatching(/^req_/),
    });
    expect(JSON.stringify(event)).not.toContain(PASSWORD);
  });

  it("sign-in success, failure (known and unknown email) and the limit are recorded; never the password", async () => {
    const address = email("signin");
    const user = await signUp({ name: "Ann", email: address, password: PASSWORD });
    const from = ip();
    await verifyCredentials(address, PASSWORD, from, { userAgent: "curl/8", requestId: "req_ok" });
    expect((await appErrorOf(verifyCredentials(address, "Wrong-Password-1", from))).code).toBe("UNAUTHORIZED");
    const ghost = email("ghost");
    await appErrorOf(verifyCredentials(ghost, "Wrong-Password-2", from));
    await settled(address, 2);
    await settled(ghost, 1);

    const events = (await eventsOf(address)).filter((e) => e.action !== "auth.sign_up");
    expect(events.map((e) => [e.action, e.userId, e.clientIp])).toEqual([
      ["auth.sign_in", user.id, from],
      ["auth.sign_in_failed", user.id, from],
    ]);
    expect(events[0]).toMatchObject({ userAgent: "curl/8", requestId: "req_ok", metadata: { method: "password" } });
    expect((await eventsOf(ghost)).map((e) => [e.action, e.userId])).toEqual([["auth.sign_in_failed", null]]);

    // past the free attempts: a progressive delay starts, and is recorded
    for (let i = 0; i < 12; i++) await verifyCredentials(address, "Wrong-Password-1", ip()).catch(() => undefined);
    expect((await appErrorOf(verifyCredentials(address, PASSWORD, ip()))).code).toBe("RATE_LIMITED");
    await expect.poll(async () => (await eventsOf(address)).some((e) => e.action === "auth.sign_in_delayed"), { timeout: 5_000, interval: 20 }).toBe(true);
    const delayed = (await eventsOf(address)).filter((e) => e.action === "auth.sign_in_delayed");
    expect(delayed.length).toBeGreaterThanOrEqual(1);
    expect(delayed.at(-1)!.metadata).toMatchObject({ scope: "email" });

    const all = JSON.stringify(await testDb().authEvent.findMany({ where: { email: { in: [address, ghost] } } }));
    expect(all).not.toMatch(/Correct-Horse-9|Wrong-Password/);
  });

  it("linking an OAuth identity is recorded once (not on later sign-ins with it)", async () => {
    const address = email("oauth");
    const providerAccountId = uniq();
    void providerAccountId;
    const user = await signUp({ name: "O", email: address, password: PASSWORD });
    await settled(address, 1); // the sign-up's own event is written without being awaited
    await testDb().authEvent.deleteMany({ where: { userId: user.id } });
    // the identity module's events (server/auth/events.ts) land in the same table, with their details as metadata
    recordIdentityEvent({ action: "auth.oauth_link", userId: user.id, provider: "github", mode: "settings", clientAddress: "192.0.2.44", userAgent: "Chrome" });
    await expect.poll(() => testDb().authEvent.count({ where: { userId: user.id } }), { timeout: 5_000, interval: 20 }).toBeGreaterThanOrEqual(1);
    const rows = await testDb().authEvent.findMany({ where: { userId: user.id } });
    expect(rows.map((e) => [e.action, e.clientIp, e.userAgent, e.metadata])).toEqual([
      ["auth.oauth_link", "192.0.2.44", "Chrome", { provider: "github", mode: "settings" }],
    ]);
  });

  it("metadata keys that could hold a secret are dropped at any depth", async () => {
    expect(
      scrubMetadata({ provider: "google", accessToken: "t", nested: { password: "p", ok: 1, list: [{ apiKey: "k", n: 2 }] }, client_secret: "s" }),
    ).toEqual({
      provider: "google",
      nested: { ok: 1, list: [{ n: 2 }] },
    });
    const address = email("scrub");
    await recordAuthEvent({ action: "auth.session_revoke", email: address, metadata: { reason: "sign out everywhere", refreshToken: "rt-secret" } });
    const [event] = await eventsOf(address);
    expect(event!.metadata).toEqual({ reason: "sign out everywhere" });
  });

  it("a person sees only their own events (auth.events), newest first, with paging", async () => {
    const address = email("mine");
    const me = await signUp({ name: "Me", email: address, password: PASSWORD });
    for (let i = 0; i < 3; i++) await verifyCredentials(address, PASSWORD, ip());
    await settled(address, 4);
    const other = await signUp({ name: "Other", email: email("other"), password: PASSWORD });
    const caller = createCaller({ requestId: "req_x", user: me, workspaceSlug: null, origin: "" });
    const first = await caller.auth.events({ limit: 3 });
    expect(first.items.map((e) => e.action)).toEqual(["auth.sign_in", "auth.sign_in", "auth.sign_in"]);
    const second = await caller.auth.events({ limit: 3, cursor: first.nextCursor! });
    expect(second.items.map((e) => e.action)).toEqual(["auth.sign_up"]);
    expect(second.nextCursor).toBeNull();
    expect([...first.items, ...second.items].every((e) => e.email === address)).toBe(true);
    expect(JSON.stringify(first)).not.toContain(other.id);
    await expect(createCaller({ requestId: "r", user: null, workspaceSlug: null, origin: "" }).auth.events({})).rejects.toMatchObject({ code: "UNAUTHORIZED" });
  });

  it("operators list an account's events with the CLI (by email, including failures for unknown accounts)", async () => {
    const ghost = email("cli-ghost");
    await appErrorOf(verifyCredentials(ghost, "Wrong-Password-3", ip()));
    await settled(ghost, 1);
    const io = {
      lines: [] as string[],
      out(l: string) {
        this.lines.push(l);
      },
      err() {},
    };
    expect(await runCadre(["audit", "auth-events", "--email", ghost.toUpperCase()], io)).toBe(0);
    expect(io.lines.map((l) => JSON.parse(l).action)).toEqual(["auth.sign_in_failed"]);
    const bad = {
      lines: [] as string[],
      out() {},
      err(l: string) {
        this.lines.push(l);
      },
    };
    expect(await runCadre(["audit", "auth-events"], bad)).toBe(2);
  });
});
