"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useId } from "react";
import { Card } from "@/components/ui/card";
import { CopyButton } from "@/components/ui/copy-button";
import { FormError } from "@/components/ui/form-error";
import { Label } from "@/components/ui/label";
import { Switch } from "@/components/ui/switch";
import { useWorkspace } from "@/components/workspace/workspace-context";
import { errorMessage } from "@/lib/trpc/errors";
import { useTRPC } from "@/lib/trpc/react";
import { mcpEndpointUrl } from "./mcp-endpoint-url";

type Target =
  | { kind: "agent"; id: string; slug: string; mcpExposed: boolean; mcpSharePrompt: boolean }
  | { kind: "team"; id: string; slug: string; mcpExposed: boolean };

function Toggle({
  label,
  hint,
  checked,
  disabled,
  onChange,
  testId,
}: {
  label: string;
  hint: string;
  checked: boolean;
  disabled: boolean;
  onChange: (v: boolean) => void;
  testId: string;
}) {
  const id = useId();
  return (
    <div className="flex items-start gap-3">
      <Switch id={id} checked={checked} disabled={disabled} onCheckedChange={onChange} data-testid={testId} aria-describedby={`${id}-hint`} />
      <div className="flex flex-col gap-0.5">
        <Label htmlFor={id}>{label}</Label>
        <p id={`${id}-hint`} className="text-sm text-muted-foreground">
          {hint}
        </p>
      </div>
    </div>
  );
}

/**
 * Whether an agent or a team is offered at the workspace's hosted MCP endpoint (as the tool `agent_<slug>` or
 * `team_<slug>`), and for an agent whether its instructions are offered as a prompt. A setting, not a version.
 */
export function McpExposureCard({ target }: { target: Target }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { can, slug } = useWorkspace();
  const editable = can(target.kind === "agent" ? "agents:update" : "teams:update");
  const invalidate = () => queryClient.invalidateQueries({ queryKey: (target.kind === "agent" ? trpc.agents : trpc.teams).pathKey() });
  const agent = useMutation(trpc.agents.setMcp.mutationOptions({ onSettled: invalidate }));
  const team = useMutation(trpc.teams.setMcp.mutationOptions({ onSettled: invalidate }));
  const pending = agent.isPending || team.isPending;
  const error = agent.error ?? team.error;
  const tool = `${target.kind}_${target.slug}`;
  return (
    <Card
      title="Hosted MCP endpoint"
      description="MCP clients (Claude, Cursor, any MCP client) connected to this workspace's endpoint with an API key or OAuth can call what is offered here."
      testId="mcp-exposure"
    >
      <div className="flex flex-col gap-4">
        <Toggle
          label={`Available over MCP as the tool ${tool}`}
          hint="A call starts a run (budgets and permissions apply as for the API), reports progress and answers the output."
          checked={target.mcpExposed}
          disabled={!editable || pending}
          testId="mcp-exposed"
          onChange={(exposed) => (target.kind === "agent" ? agent.mutate({ agent: target.id, exposed }) : team.mutate({ team: target.id, exposed }))}
        />
        {target.kind === "agent" ? (
          <Toggle
            label="Share the instructions as an MCP prompt"
            hint="MCP clients can read this agent's instructions (as the prompt of the same name). Leave off for instructions that must stay private."
            checked={target.mcpSharePrompt}
            disabled={!editable || pending}
            testId="mcp-share-prompt"
            onChange={(sharePrompt) => agent.mutate({ agent: target.id, sharePrompt })}
          />
        ) : null}
        <div className="flex items-center gap-2 text-sm">
          <span className="text-muted-foreground">Endpoint</span>
          <code className="truncate" data-testid="mcp-endpoint-url">
            {mcpEndpointUrl(slug)}
          </code>
          <CopyButton text={mcpEndpointUrl(slug)} label="Copy URL" />
        </div>
        {!editable ? <p className="text-sm text-muted-foreground">Your role cannot change what is offered.</p> : null}
        <FormError message={error ? errorMessage(error) : null} />
      </div>
    </Card>
  );
}
