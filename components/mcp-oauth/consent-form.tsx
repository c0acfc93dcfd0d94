"use client";

import { useMutation } from "@tanstack/react-query";
import { TriangleAlertIcon } from "lucide-react";
import { useState } from "react";
import { Button } from "@/components/ui/button";
import { FormError } from "@/components/ui/form-error";
import { Label } from "@/components/ui/label";
import { RadioGroup, RadioGroupItem } from "@/components/ui/radio-group";
import { type AuthorizeParams, MCP_SCOPE_LABELS, type McpScope } from "@/lib/schemas/mcp-oauth";
import { errorMessage } from "@/lib/trpc/errors";
import { useTRPC } from "@/lib/trpc/react";

export interface ConsentWorkspace {
  slug: string;
  name: string;
  role: string;
  /** the asked scopes this person's role in the workspace grants */
  grantable: string[];
}

/** Leaves the page for the client's redirect URI (a seam for tests). */
export const navigate = { to: (url: string) => window.location.assign(url) };

/**
 * The consent of the MCP authorization server: who asks (the client's self-declared name: unverified, and where it
 * receives the code), for which workspace, with which scopes (those the person's role grants); Approve or Deny.
 */
export function ConsentForm({
  params,
  clientName,
  redirectHost,
  scopes,
  workspaces,
  requestedWorkspace,
}: {
  params: AuthorizeParams;
  clientName: string;
  redirectHost: string;
  scopes: McpScope[];
  workspaces: ConsentWorkspace[];
  requestedWorkspace: string | null;
}) {
  const trpc = useTRPC();
  const [slug, setSlug] = useState(workspaces.length === 1 ? workspaces[0]!.slug : "");
  const done = { onSuccess: (r: { redirectTo: string }) => navigate.to(r.redirectTo) };
  const approve = useMutation(trpc.mcpOAuth.approve.mutationOptions(done));
  const deny = useMutation(trpc.mcpOAuth.deny.mutationOptions(done));
  const picked = workspaces.find((w) => w.slug === slug);
  const busy = approve.isPending || deny.isPending || approve.isSuccess || deny.isSuccess;

  return (
    <div className="grid gap-4" data-testid="mcp-consent">
      <p className="text-base">
        <strong data-testid="mcp-consent-client">{clientName}</strong> wants to use Cadre's MCP endpoint as you.
      </p>
      <p className="flex gap-2 rounded-lg border border-warning/40 bg-warning/10 px-3 py-2 text-sm" role="note">
        <TriangleAlertIcon aria-hidden className="mt-0.5 size-4 shrink-0" />
        <span>
          Unverified client: the name is the client's own claim. It will receive access at <strong data-testid="mcp-consent-host">{redirectHost}</strong>.
          Approve only if you started this connection.
        </span>
      </p>

      {workspaces.length === 0 ? (
        <FormError
          message={
            requestedWorkspace
              ? `You are not a member of the workspace "${requestedWorkspace}" this client asks for.`
              : "You are not a member of any workspace."
          }
        />
      ) : (
        <fieldset className="grid gap-2">
          <legend className="mb-1 text-sm font-medium">Workspace</legend>
          <RadioGroup value={slug} onValueChange={setSlug} aria-label="Workspace">
            {workspaces.map((w) => (
              <div key={w.slug} className="flex items-center gap-2">
                <RadioGroupItem value={w.slug} id={`ws-${w.slug}`} data-testid={`mcp-consent-ws-${w.slug}`} />
                <Label htmlFor={`ws-${w.slug}`}>
                  {w.name} <span className="text-muted-foreground">({w.role})</span>
                </Label>
              </div>
            ))}
          </RadioGroup>
        </fieldset>
      )}

      <div className="grid gap-1.5">
        <p className="text-sm font-medium">It asks to</p>
        <ul className="grid gap-1 text-sm" aria-label="Requested scopes">
          {scopes.map((s) => {
            const refused = picked !== undefined && !picked.grantable.includes(s);
            return (
              <li key={s} className={refused ? "text-muted-foreground line-through" : undefined}>
                {MCP_SCOPE_LABELS[s]} <code className="font-mono text-xs">{s}</code>
                {refused ? <span className="sr-only"> (your role does not allow it: not granted)</span> : null}
              </li>
            );
          })}
        </ul>
      </div>

      <FormError message={approve.error ? errorMessage(approve.error) : deny.error ? errorMessage(deny.error) : null} />
      <div className="flex justify-end gap-2">
        <Button variant="outline" disabled={busy} onClick={() => deny.mutate({ params, workspaceSlug: slug })} data-testid="mcp-consent-deny">
          Deny
        </Button>
        <Button
          disabled={busy || !picked || picked.grantable.length === 0}
          onClick={() => approve.mutate({ params, workspaceSlug: slug })}
          data-testid="mcp-consent-approve"
        >
          Approve
        </Button>
      </div>
    </div>
  );
}
