/**
 * The organisation administration API (docs/api.md, "Organisations"): `/api/v1/orgs/{org}/...`, authenticated by an
 * organisation token with the `admin` scope (server/scim/tokens.ts; its creator acts, with their current org role).
 * The same services as the tRPC `orgs` router; the organisation's IP allowlist applies to these tokens too.
 */
import { AppError } from "@/lib/errors";
import { addressAllowed } from "@/lib/ip-allowlist";
import { addDomainInputSchema, setGroupRolesInputSchema, updateOrgPolicyInputSchema } from "@/lib/schemas/organizations";
import { errorResponse } from "@/server/http/errors";
import { readBodyText } from "@/server/http/body";
import { clientAddress } from "@/server/http/client-address";
import { clientInfoOf } from "@/server/http/client-info";
import { requestIdOf } from "@/server/http/request-id";
import type { OrgContext } from "@/server/orgs/context";
import { getOrganization, listOrgAudit, listOrgWorkspaces, updateOrgPolicy } from "@/server/orgs/service";
import { addDomain, listDomains, removeDomain, verifyDomain } from "@/server/orgs/domains";
import { listOrgPeople, removeFromOrganization } from "@/server/orgs/people";
import { listGroupRoles, setGroupRoles } from "@/server/orgs/group-roles";
import { verifyOrgToken } from "@/server/scim/tokens";

type Handler = (ctx: OrgContext, args: { params: string[]; body: unknown; creator: { id: string; email: string } }) => Promise<unknown>;

interface OrgRoute {
  method: "GET" | "POST" | "PATCH" | "PUT" | "DELETE";
  /** the path after /api/v1/orgs/{org}, with ([^/]+) for its parameters */
  path: RegExp;
  status?: number;
  handler: Handler;
}

/** The routes, in the order they are matched (docs/api.md lists them). */
export const ORG_API_ROUTES: readonly OrgRoute[] = [
  { method: "GET", path: /^$/, handler: (ctx) => getOrganization(ctx) },
  { method: "PATCH", path: /^\/policy$/, handler: (ctx, { body }) => updateOrgPolicy(ctx, updateOrgPolicyInputSchema.parse(body)) },
  { method: "GET", path: /^\/workspaces$/, handler: (ctx) => listOrgWorkspaces(ctx) },
  { method: "GET", path: /^\/people$/, handler: (ctx) => listOrgPeople(ctx) },
  { method: "DELETE", path: /^\/people\/([^/]+)$/, handler: (ctx, { params, creator }) => removeFromOrganization(ctx, params[0]!, creator) },
  { method: "GET", path: /^\/domains$/, handler: (ctx) => listDomains(ctx) },
  { method: "POST", path: /^\/domains$/, status: 201, handler: (ctx, { body }) => addDomain(ctx, addDomainInputSchema.parse(body)) },
  { method: "POST", path: /^\/domains\/([^/]+)\/verify$/, handler: (ctx, { params }) => verifyDomain(ctx, params[0]!) },
  {
    method: "DELETE",
    path: /^\/domains\/([^/]+)$/,
    handler: async (ctx, { params }) => {
      await removeDomain(ctx, params[0]!);
      return { ok: true };
    },
  },
  { method: "GET", path: /^\/group-roles$/, handler: (ctx) => listGroupRoles(ctx) },
  { method: "PUT", path: /^\/group-roles$/, handler: (ctx, { body }) => setGroupRoles(ctx, setGroupRolesInputSchema.parse(body)) },
  { method: "GET", path: /^\/audit$/, handler: (ctx) => listOrgAudit(ctx, 200) },
];

const bearer = (request: Request) => /^Bearer\s+(\S+)$/i.exec(request.headers.get("authorization") ?? "")?.[1] ?? "";

/** The route handler of app/api/v1/orgs/[org]/[[...path]]/route.ts. */
export async function orgApiHandler(request: Request, { params }: { params: Promise<{ org: string; path?: string[] }> }): Promise<Response> {
  const requestId = requestIdOf(request.headers);
  try {
    // the body limit first, as every API route: an oversized body is refused before anything else is looked at
    const text = request.body ? await readBodyText(request) : "";
    const { org, path = [] } = await params;
    if (!org) throw new AppError("NOT_FOUND", "No such route");
    const rest = path.length ? `/${path.map(encodeURIComponent).join("/")}` : "";
    const candidates = ORG_API_ROUTES.filter((r) => r.path.test(rest));
    if (candidates.length === 0) throw new AppError("NOT_FOUND", "No such route");
    const route = candidates.find((r) => r.method === request.method);
    if (!route) throw new AppError("BAD_REQUEST", `${request.method} is not a method of this route`);
    const client = clientInfoOf(request);
    const token = await verifyOrgToken(bearer(request), "admin", { organizationSlug: org, requestId, ...client });
    const { creator, tokenId: _tokenId, ...ctx } = token;
    const policy = (await getOrganization(ctx)).policy;
    if (!addressAllowed(clientAddress(request.headers), policy.apiIpAllowlist))
      throw new AppError("FORBIDDEN", "This organisation accepts its tokens only from its allowed addresses");
    let body: unknown = {};
    if (text.trim()) {
      try {
        body = JSON.parse(text);
      } catch {
        throw new AppError("BAD_REQUEST", "The body is not valid JSON");
      }
    }
    const result = await route.handler(ctx, {
      params: route.path.exec(rest)!.slice(1).map(decodeURIComponent),
      body,
      creator: { id: creator.userId, email: creator.email },
    });
    return Response.json(result, { status: route.status ?? 200, headers: { "x-request-id": requestId } });
  } catch (error) {
    return errorResponse(error, requestId);
  }
}
