import type { Metadata } from "next";
import { headers } from "next/headers";
import { redirect } from "next/navigation";
import { AuthCard } from "@/components/auth/auth-card";
import { ConsentForm } from "@/components/mcp-oauth/consent-form";
import { FormError } from "@/components/ui/form-error";
import { requireUser } from "@/app/_lib/session";
import { authorizeParamsSchema } from "@/lib/schemas/mcp-oauth";
import { publicOriginOfHeaders } from "@/server/http/origin";
import { checkAuthorizeRequest, consentWorkspaces, grantableScopes } from "@/server/mcp-auth/authorize";

export const metadata: Metadata = { title: "Connect an MCP client" };

/**
 * The authorization endpoint of the MCP authorization server (server/mcp-auth): sign in (back here afterwards), check
 * the client's request, then the person picks the workspace (the resource fixes it when sent) and approves or denies.
 */
export default async function AuthorizePage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const user = await requireUser("/");
  const raw = Object.fromEntries(Object.entries(await searchParams).map(([k, v]) => [k, Array.isArray(v) ? v[0] : v]));
  const parsed = authorizeParamsSchema.safeParse(raw);
  const base = publicOriginOfHeaders(await headers());
  const check = parsed.success
    ? await checkAuthorizeRequest(parsed.data, base)
    : ({ kind: "fatal", message: "The request's parameters are malformed." } as const);
  if (check.kind === "redirect") redirect(check.redirectTo);
  if (check.kind === "fatal") {
    return (
      <AuthCard title="This connection request is not valid">
        <FormError message={check.message} />
        <p className="text-muted-foreground">Start the connection again from the application.</p>
      </AuthCard>
    );
  }
  const { request } = check;
  const all = await consentWorkspaces(user.id);
  const workspaces = all
    .filter((w) => request.workspaceSlug === null || w.slug === request.workspaceSlug)
    .map((w) => ({ slug: w.slug, name: w.name, role: w.role, grantable: grantableScopes(request.scopes, w.role) }));
  return (
    <AuthCard title="Connect an MCP client" subtitle={`Signed in as ${user.email}`}>
      <ConsentForm
        params={parsed.data!}
        clientName={request.clientName}
        redirectHost={request.redirectHost}
        scopes={request.scopes}
        workspaces={workspaces}
        requestedWorkspace={request.workspaceSlug}
      />
    </AuthCard>
  );
}
