import { AppError } from "@/lib/errors";
import { randomBytes } from "node:crypto";
import { testDb as db } from "@/test/db";
import { newId } from "@/lib/ids";
import { createCaller } from "@/server/api/root";
import type { SessionClaims } from "@/server/auth/sessions";
import { generateRawApiKey, storeApiKey } from "@/server/auth/api-keys";
import { permissionsOf, ROLES, type Permission, type Role } from "@/lib/permissions";
import { executeRoute, type AnyRestRoute } from "@/server/rest/define";
import { restRoutes } from "@/server/rest/routes";

export const uniq = () => randomBytes(4).toString("hex");

export interface TestUser {
  id: string;
  email: string;
  name: string | null;
}

/** A user row without going through argon2 (fast); use signUp() in tests about passwords. */
export async function makeUser(label = "user"): Promise<TestUser> {
  const email = `${label}-${uniq()}@example.test`;
  const user = await db().user.create({ data: { id: newId("usr"), email, name: label } });
  return { id: user.id, email: user.email, name: user.name };
}

export interface TestWorkspace {
  id: string;
  slug: string;
  users: Record<Role, TestUser>;
  memberIds: Record<Role, string>;
}

/** A workspace with one member of each role. */
export async function makeWorkspace(label = "ws", id: string = newId("ws")): Promise<TestWorkspace> {
  const slug = `${label}-${uniq()}`;
  const workspace = await db().workspace.create({ data: { id, slug, name: `Workspace ${slug}` } });
  const users = {} as Record<Role, TestUser>;
  const memberIds = {} as Record<Role, string>;
  for (const role of ROLES) {
    users[role] = await makeUser(`${role}-${label}`);
    const m = await db().membership.create({ data: { id: newId("mem"), workspaceId: workspace.id, userId: users[role].id, role } });
    memberIds[role] = m.id;
  }
  return { id: workspace.id, slug, users, memberIds };
}

/**
 * A new workspace id whose memories share the hash partition of `workspaceId`'s ("Memory" is partitioned by workspace,
 * migration 20261220_100_memory_partitions): tests of the tenant filter inside one partition's HNSW graph need two
 * workspaces in the same partition, which random ids give only one time in 32.
 */
export async function workspaceIdInMemoryPartitionOf(workspaceId: string): Promise<string> {
  const rows = await db().$queryRaw<{ id: string }[]>`
    WITH p AS (SELECT r FROM generate_series(0, 31) r WHERE satisfies_hash_partition('"Memory"'::regclass, 32, r, ${workspaceId}::text))
    SELECT c.id FROM (SELECT ${newId("ws")} || '_' || g AS id FROM generate_series(1, 5000) g) c, p
    WHERE satisfies_hash_partition('"Memory"'::regclass, 32, p.r, c.id) LIMIT 1`;
  if (!rows[0]) throw new Error(`no id found in the memory partition of ${workspaceId}`);
  return rows[0].id;
}

/**
 * A tRPC caller as a signed-in user looking at a workspace. The user gets a session signed in now (a recent
 * authentication, which step-up accepts) unless `user.session` says otherwise.
 */
export function callerFor(user: (TestUser & { session?: SessionClaims }) | null, workspaceSlug: string | null = null, orgSlug: string | null = null) {
  const withSession = user && {
    ...user,
    session: user.session ?? { userId: user.id, sessionId: `test-${uniq()}`, version: 0, signedInAt: Math.floor(Date.now() / 1000) },
  };
  return createCaller({ requestId: `req_test${uniq()}`, user: withSession, workspaceSlug, orgSlug, origin: "http://localhost:3000" });
}

/** The user with a session signed in just now, as the web app's requests carry (step-up accepts it as recent). */
export function withFreshSession<U extends TestUser>(user: U): U & { session: SessionClaims } {
  return { ...user, session: { userId: user.id, sessionId: `test-${uniq()}`, version: 0, signedInAt: Math.floor(Date.now() / 1000) } };
}

/** A tRPC caller as a signed-in user looking at an organisation (the x-cadre-org header). */
export function orgCallerFor(user: (TestUser & { session?: SessionClaims }) | null, orgSlug: string) {
  return callerFor(user, null, orgSlug);
}

/** An API key created by `creator` in the workspace with the given scopes (default: all of the creator's role). */
export async function makeApiKey(ws: TestWorkspace, role: Role, scopes?: Permission[], extra: { expiresAt?: Date } = {}) {
  const raw = generateRawApiKey();
  const key = await storeApiKey(
    { workspaceId: ws.id, createdById: ws.users[role].id, name: `${role} key`, scopes: scopes ?? [...permissionsOf(role)], expiresAt: extra.expiresAt },
    raw,
  );
  return { raw, id: key.id };
}

export function findRoute(method: string, path: string): AnyRestRoute {
  const route = restRoutes.find((r) => r.method === method && r.path === path);
  if (!route) throw new Error(`no REST route ${method} ${path}`);
  return route;
}

/** Calls a REST route the way Next would, with a bearer key. */
export async function rest(
  method: string,
  path: string,
  opts: {
    key?: string;
    params?: Record<string, string>;
    body?: unknown;
    query?: Record<string, string>;
    accept?: string;
    headers?: Record<string, string>;
  } = {},
) {
  const route = findRoute(method, path);
  let url = `http://localhost:3000${path}`;
  for (const [k, v] of Object.entries(opts.params ?? {})) url = url.replace(`{${k}}`, v);
  if (opts.query) url += `?${new URLSearchParams(opts.query)}`;
  const headers: Record<string, string> = { "content-type": "application/json", accept: opts.accept ?? "application/json" };
  if (opts.key) headers.authorization = `Bearer ${opts.key}`;
  Object.assign(headers, opts.headers);
  const res = await executeRoute(
    route,
    new Request(url, { method, headers, body: opts.body === undefined ? undefined : JSON.stringify(opts.body) }),
    opts.params ?? {},
  );
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null, headers: res.headers };
}

// ---------------------------------------------------------------------------------------------------
// Added for the integration suite (append-only).

/** What a call ended with: its value, or the tRPC code plus the AppError code underneath (if any). */
export type Outcome = { ok: true; value: unknown } | { ok: false; code: string; appCode: string | undefined; message: string };

export async function outcome(promise: Promise<unknown>): Promise<Outcome> {
  try {
    return { ok: true, value: await promise };
  } catch (error) {
    const e = error as { code?: unknown; message?: unknown; cause?: { code?: unknown } };
    return {
      ok: false,
      code: String(e.code ?? "UNKNOWN"),
      appCode: typeof e.cause?.code === "string" ? e.cause.code : undefined,
      message: String(e.message ?? ""),
    };
  }
}

type AnyCaller = ReturnType<typeof callerFor>;

/** The procedure at a dotted path of a caller ("members.list"), as a plain function. */
export function procedureAt(caller: AnyCaller, path: string): (input?: unknown) => Promise<unknown> {
  let node: unknown = caller;
  for (const part of path.split(".")) node = (node as Record<string, unknown>)[part];
  if (typeof node !== "function") throw new Error(`no procedure at ${path}`);
  return node as (input?: unknown) => Promise<unknown>;
}

/** The audit rows of a workspace, newest first (optionally only one action). */
export function auditRows(workspaceId: string, action?: string) {
  return db().auditLog.findMany({
    where: { workspaceId, ...(action ? { action } : {}) },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
  });
}

/** The role of a user in a workspace, or null when not a member. */
export async function roleIn(workspaceId: string, userId: string): Promise<Role | null> {
  const m = await db().membership.findUnique({ where: { workspaceId_userId: { workspaceId, userId } } });
  return (m?.role as Role | undefined) ?? null;
}

/** Adds a member of the given role to an existing test workspace; returns the user and membership id. */
export async function addMember(ws: TestWorkspace, role: Role, label: string = role) {
  const user = await makeUser(`${label}-extra`);
  const m = await db().membership.create({ data: { id: newId("mem"), workspaceId: ws.id, userId: user.id, role } });
  return { user, memberId: m.id };
}

/** Lets the clock move on, so that rows created next get a later (millisecond) timestamp. */
export const tick = (ms = 3) => new Promise((resolve) => setTimeout(resolve, ms));

/** The AppError a promise rejects with (fails the test when it resolves or rejects with something else). */
export async function appErrorOf(promise: Promise<unknown>): Promise<AppError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof AppError) return error;
    throw new Error(`expected an AppError, got: ${String(error)}`);
  }
  throw new Error("expected the call to fail");
}
