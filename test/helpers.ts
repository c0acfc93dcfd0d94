import { randomBytes } from "node:crypto";
import { db } from "@/server/db/client";
import { newId } from "@/lib/ids";
import { createCaller } from "@/server/api/root";
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
export async function makeWorkspace(label = "ws"): Promise<TestWorkspace> {
  const slug = `${label}-${uniq()}`;
  const workspace = await db().workspace.create({ data: { id: newId("ws"), slug, name: `Workspace ${slug}` } });
  const users = {} as Record<Role, TestUser>;
  const memberIds = {} as Record<Role, string>;
  for (const role of ROLES) {
    users[role] = await makeUser(`${role}-${label}`);
    const m = await db().membership.create({ data: { id: newId("mem"), workspaceId: workspace.id, userId: users[role].id, role } });
    memberIds[role] = m.id;
  }
  return { id: workspace.id, slug, users, memberIds };
}

/** A tRPC caller as a signed-in user looking at a workspace. */
export function callerFor(user: TestUser | null, workspaceSlug: string | null = null) {
  return createCaller({ requestId: `req_test${uniq()}`, user, workspaceSlug, origin: "http://localhost:3000" });
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
  opts: { key?: string; params?: Record<string, string>; body?: unknown; query?: Record<string, string> } = {},
) {
  const route = findRoute(method, path);
  let url = `http://localhost:3000${path}`;
  for (const [k, v] of Object.entries(opts.params ?? {})) url = url.replace(`{${k}}`, v);
  if (opts.query) url += `?${new URLSearchParams(opts.query)}`;
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (opts.key) headers.authorization = `Bearer ${opts.key}`;
  const res = await executeRoute(route, new Request(url, { method, headers, body: opts.body === undefined ? undefined : JSON.stringify(opts.body) }), opts.params ?? {});
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null, headers: res.headers };
}
