import { initTRPC, TRPCError } from "@trpc/server";
import superjson from "superjson";
import { ZodError } from "zod";
import { AppError, ERROR_TABLE, GENERIC_INTERNAL_MESSAGE } from "@/lib/errors";
import { roleCan, type Permission } from "@/lib/permissions";
import type { SessionUser } from "@/server/auth/sessions";
import type { TenantContext } from "@/server/context";
import { resolveUserTenant } from "@/server/workspaces/tenant";
import { logDenial } from "@/server/http/denials";
import { assertInputBounds } from "@/lib/schemas/input-guard";
import { friendlyIssueMessage } from "@/lib/schemas/messages";
import { fromPrismaError } from "@/server/db/errors";
import { resolveOrgContext } from "@/server/orgs/context";
import { requireRecentAuth } from "@/server/auth/step-up";
import { workspaceRequiresMfa } from "@/server/auth/mfa-policy";
import { hasActiveFactor } from "@/server/auth/mfa";
import { needsStepUp } from "./step-up-procedures";

export interface TrpcContext {
  requestId: string;
  user: SessionUser | null;
  /** the workspace the web app is looking at (x-cadre-workspace header); membership is checked per call */
  workspaceSlug: string | null;
  /** the organisation an organisation page is looking at (x-cadre-org header); membership is checked per call */
  orgSlug?: string | null;
  /** base URL for links the server hands out (invitations) */
  origin: string;
  /** the client's address and user agent (server/http/client-info.ts), recorded with audit entries */
  clientIp?: string;
  userAgent?: string;
  /** the client's address, when known (server/http/client-address.ts) */
  clientAddress?: string | null;
}

/** What a procedure needs: a permission of the matrix, or just membership of the workspace. */
export type Requirement = Permission | "membership";

/** What an organisation procedure needs: the caller's role in the organisation, at least. */
export type OrgRequirement = "member" | "admin" | "owner";

export interface ProcedureMeta {
  requires?: Requirement;
  org?: OrgRequirement;
}

const t = initTRPC
  .context<TrpcContext>()
  .meta<ProcedureMeta>()
  .create({
    transformer: superjson,
    errorFormatter({ shape, error, ctx }) {
      const cause = error.cause;
      const appCode =
        cause instanceof AppError
          ? cause.code
          : cause instanceof ZodError
            ? "VALIDATION_FAILED"
            : error.code === "INTERNAL_SERVER_ERROR"
              ? "INTERNAL"
              : error.code;
      const appIssues =
        cause instanceof AppError && Array.isArray(cause.details?.issues) ? (cause.details.issues as { path: string; message: string }[]) : undefined;
      const issues = cause instanceof ZodError ? cause.issues.map((i) => ({ path: i.path.join("."), message: friendlyIssueMessage(i) })) : appIssues;
      return {
        ...shape,
        message:
          cause instanceof AppError
            ? cause.exposeMessage
              ? cause.message
              : GENERIC_INTERNAL_MESSAGE
            : error.code === "INTERNAL_SERVER_ERROR"
              ? GENERIC_INTERNAL_MESSAGE
              : error.message,
        data: { code: shape.data.code, httpStatus: shape.data.httpStatus, appCode, issues, requestId: ctx?.requestId },
      };
    },
  });

export const createCallerFactory = t.createCallerFactory;
export const router = t.router;

/**
 * AppError -> TRPCError through the one code table; anything else stays an internal error. Denials (FORBIDDEN,
 * another workspace's resource) are logged as security events.
 */
const mapErrors = t.middleware(async ({ ctx, path, next, getRawInput }) => {
  // filled by workspaceProcedure once the workspace is known (the narrowed context does not flow back out)
  const denialScope: { workspaceId?: string; membershipMissing?: boolean } = {};
  const result = await next({ ctx: { denialScope } });
  if (result.ok) return result;
  // a Prisma error with a meaning for the client (a taken unique value, a missing record) becomes its AppError here
  const cause = fromPrismaError(result.error.cause);
  const code = cause instanceof AppError ? cause.code : result.error.code;
  if (code === "FORBIDDEN" || code === "NOT_FOUND") {
    await logDenial(
      result.error.cause instanceof AppError ? result.error.cause : result.error,
      {
        actor: ctx.user ? `user:${ctx.user.id}` : `ip:${ctx.clientIp ?? "unknown"}`,
        requestId: ctx.requestId,
        route: path,
        workspaceSlug: ctx.workspaceSlug ?? undefined,
        clientIp: ctx.clientIp,
        workspaceId: denialScope.workspaceId,
        membershipMissing: denialScope.membershipMissing,
      },
      await getRawInput().catch(() => undefined),
    );
  }
  if (cause instanceof AppError) throw new TRPCError({ code: ERROR_TABLE[cause.code].trpc, message: cause.message, cause });
  // an input its schema refuses: 422 naming the fields, as over REST (tRPC's own parser says BAD_REQUEST)
  if (result.error.cause instanceof ZodError)
    throw new TRPCError({ code: ERROR_TABLE.VALIDATION_FAILED.trpc, message: result.error.message, cause: result.error.cause });
  return result;
});

/** Generic bounds (keys, array length, depth, NUL and unpaired surrogates) on the raw input, before its schema. */
const boundInputs = t.middleware(async ({ type, getRawInput, next }) => {
  const raw = await getRawInput();
  assertInputBounds(raw);
  // tRPC's infinite queries add `direction` to the input: the transport's field, not one of the schema's
  if (type === "query" && raw !== null && typeof raw === "object" && "direction" in raw) {
    const { direction: _direction, ...rest } = raw as Record<string, unknown>;
    return next({ getRawInput: async () => rest });
  }
  return next();
});

export const publicProcedure = t.procedure.use(mapErrors).use(boundInputs);

export const authedProcedure = publicProcedure.use(async ({ ctx, meta, path, next }) => {
  if (!ctx.user) throw new TRPCError({ code: "UNAUTHORIZED", message: "Sign in first" });
  // a workspace or organisation procedure checks it after the caller's role (below)
  if (!meta?.requires && !meta?.org && needsStepUp(path)) await requireRecentAuth(ctx.user);
  return next({ ctx: { ...ctx, user: ctx.user } });
});

/** An organisation's "second factor required" (server/auth/mfa-policy.ts): none of its workspaces until the person enrolled one. */
async function assertMfaPolicy(userId: string, workspaceId: string): Promise<void> {
  if ((await workspaceRequiresMfa(workspaceId)) && !(await hasActiveFactor(userId))) {
    throw new AppError("MFA_ENROLMENT_REQUIRED", "Your organisation requires a second factor: enrol one in your account's Security section");
  }
}

/**
 * A procedure inside the current workspace. It resolves the membership from the database, then
 * checks the declared requirement before the input is even parsed.
 */
export function workspaceProcedure(requires: Requirement) {
  return authedProcedure.meta({ requires }).use(async ({ ctx, path, next }) => {
    if (!ctx.workspaceSlug) throw new TRPCError({ code: "BAD_REQUEST", message: "No workspace selected" });
    const resolved = await resolveUserTenant(ctx.user, ctx.workspaceSlug, ctx.requestId).catch((e: unknown) => {
      if (e instanceof AppError && e.code === "NOT_FOUND") ctx.denialScope.membershipMissing = true;
      if (e instanceof AppError) throw new TRPCError({ code: ERROR_TABLE[e.code].trpc, message: e.message, cause: e });
      throw e;
    });
    const tenant: TenantContext = { ...resolved, clientIp: ctx.clientIp, userAgent: ctx.userAgent, channel: "web" };
    ctx.denialScope.workspaceId = tenant.workspaceId;
    if (requires !== "membership" && !roleCan(tenant.role, requires)) {
      throw new TRPCError({ code: "FORBIDDEN", message: `Your role (${tenant.role}) does not allow ${requires}` });
    }
    await assertMfaPolicy(ctx.user.id, tenant.workspaceId);
    if (needsStepUp(path)) await requireRecentAuth(ctx.user);
    return next({ ctx: { ...ctx, tenant } });
  });
}

const ORG_RANK: Record<OrgRequirement, number> = { member: 1, admin: 2, owner: 3 };

/**
 * A procedure inside the organisation the page looks at (x-cadre-org). It resolves the caller's organisation
 * membership from the database (not a member: 404), then checks their role against `requires`.
 */
export function orgProcedure(requires: OrgRequirement) {
  return authedProcedure.meta({ org: requires }).use(async ({ ctx, path, next }) => {
    if (!ctx.orgSlug) throw new TRPCError({ code: "BAD_REQUEST", message: "No organisation selected" });
    const org = await resolveOrgContext(ctx.user, ctx.orgSlug, { requestId: ctx.requestId, clientIp: ctx.clientIp, userAgent: ctx.userAgent }).catch(
      (e: unknown) => {
        if (e instanceof AppError) throw new TRPCError({ code: ERROR_TABLE[e.code].trpc, message: e.message, cause: e });
        throw e;
      },
    );
    if (ORG_RANK[org.role ?? "member"] < ORG_RANK[requires])
      throw new TRPCError({ code: "FORBIDDEN", message: `Your role in the organisation (${org.role}) does not allow this` });
    if (needsStepUp(path)) await requireRecentAuth(ctx.user);
    return next({ ctx: { ...ctx, org } });
  });
}
