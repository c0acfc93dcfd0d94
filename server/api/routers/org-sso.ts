import { z } from "zod";
import {
  samlConnectionInputSchema,
  samlServiceProviderSchema,
  ssoConnectionInputSchema,
  ssoConnectionSchema,
  ssoTestInputSchema,
  ssoTestResultSchema,
} from "@/lib/schemas/sso";
import {
  deleteSsoConnection,
  getSamlServiceProvider,
  getSsoConnection,
  testSsoConnection,
  upsertSamlConnection,
  upsertSsoConnection,
} from "@/server/sso/connection";
import { orgProcedure, router } from "../trpc";

/** The organisation's single sign-on connection (owners and admins). */
export const orgSsoRouter = router({
  get: orgProcedure("admin")
    .output(ssoConnectionSchema.nullable())
    .query(({ ctx }) => getSsoConnection(ctx.org, ctx.origin)),
  upsert: orgProcedure("admin")
    .input(ssoConnectionInputSchema)
    .output(ssoConnectionSchema)
    .mutation(({ ctx, input }) => upsertSsoConnection(ctx.org, input, ctx.origin)),
  /** the connection as SAML 2.0 (replaces an OIDC one): the IdP's entity id, SSO URL, certificates, attribute names */
  upsertSaml: orgProcedure("admin")
    .input(samlConnectionInputSchema)
    .output(ssoConnectionSchema)
    .mutation(({ ctx, input }) => upsertSamlConnection(ctx.org, input, ctx.origin)),
  /** Cadre's SP entity id, ACS URL and metadata URL, to copy into the identity provider */
  samlServiceProvider: orgProcedure("admin")
    .output(samlServiceProviderSchema)
    .query(({ ctx }) => getSamlServiceProvider(ctx.org, ctx.origin)),
  /** discovery against the given issuer (the form's) or the stored one: what was found, or why it failed */
  test: orgProcedure("admin")
    .input(ssoTestInputSchema)
    .output(ssoTestResultSchema)
    .mutation(({ ctx, input }) => testSsoConnection(ctx.org, input)),
  delete: orgProcedure("admin")
    .output(z.object({ deleted: z.literal(true) }))
    .mutation(({ ctx }) => deleteSsoConnection(ctx.org)),
});
