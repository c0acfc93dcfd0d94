"use client";

import { useQuery } from "@tanstack/react-query";
import { useFormContext, useWatch } from "react-hook-form";
import { Checkbox } from "@/components/ui/checkbox";
import { FormField, FormItem, FormMessage } from "@/components/ui/form";
import { Label } from "@/components/ui/label";
import { useWorkspace } from "@/components/workspace/workspace-context";
import type { createAgentInputSchema } from "@/lib/schemas/agents";
import type { ApprovalPolicy } from "@/lib/schemas/tools";
import { errorMessage } from "@/lib/trpc/errors";
import { useTRPC } from "@/lib/trpc/react";
import { cn } from "@/lib/cn";
import type { z } from "zod";

type AgentValues = z.input<typeof createAgentInputSchema>;

/** The grant policies the picker offers (a grant only adds approval to the tool's own policy). */
const GRANT_CHOICES: Record<string, { label: string; policy: ApprovalPolicy | null }> = {
  tool: { label: "as the tool says", policy: null },
  always: { label: "always ask a person", policy: { mode: "always" } },
  not_get: { label: "ask unless GET", policy: { mode: "rule", methodsExcept: ["GET"] } },
};

/** The choice a stored policy reads as: "custom" for a rule set over the API (kept as it is unless changed). */
export function grantChoiceOf(policy: ApprovalPolicy | undefined): string {
  if (!policy) return "tool";
  for (const [choice, c] of Object.entries(GRANT_CHOICES)) if (c.policy && JSON.stringify(c.policy) === JSON.stringify(policy)) return choice;
  return policy.mode === "never" ? "tool" : "custom";
}

/** A granted tool's own approval policy for this agent: it can add approval to the tool's, never take it away. */
function GrantApproval({ name, disabled }: { name: string; disabled?: boolean }) {
  const form = useFormContext<AgentValues>();
  const approvals = (useWatch<AgentValues, "toolApprovals">({ name: "toolApprovals" }) ?? {}) as Record<string, ApprovalPolicy>;
  const choice = grantChoiceOf(approvals[name]);
  const set = (next: string) => {
    const rest = Object.fromEntries(Object.entries(approvals).filter(([n]) => n !== name));
    const policy = GRANT_CHOICES[next]?.policy ?? null;
    form.setValue("toolApprovals", policy ? { ...rest, [name]: policy } : rest, { shouldDirty: true });
  };
  return (
    <label className="flex items-center gap-1 text-xs text-muted-foreground">
      approval
      <select
        className="rounded border bg-background px-1 py-0.5 text-xs"
        data-testid={`agent-tool-approval-${name}`}
        value={choice}
        disabled={disabled}
        onChange={(e) => set(e.target.value)}
      >
        {Object.entries(GRANT_CHOICES).map(([value, c]) => (
          <option key={value} value={value}>
            {c.label}
          </option>
        ))}
        {choice === "custom" ? <option value="custom">custom rule (set over the API)</option> : null}
      </select>
    </label>
  );
}

/**
 * The agent's tools (allowedTools): the workspace's tools as checkboxes, disabled ones greyed. Adding a tool needs
 * tools:grant (the server checks it again); without it, the tools the agent has can still be removed. `had`: the
 * tools of the version this edit started from (a new agent: none). Each granted tool may ask for approval more
 * often than the tool itself does (toolApprovals: the stricter of the two applies); taking a tool away drops it.
 */
export function ToolPicker({ had, disabled }: { had: readonly string[]; disabled?: boolean }) {
  const trpc = useTRPC();
  const { can } = useWorkspace();
  const canGrant = can("tools:grant");
  const tools = useQuery({ ...trpc.tools.list.queryOptions(), enabled: can("tools:read") });
  const form = useFormContext<AgentValues>();
  return (
    <FormField<AgentValues, "allowedTools">
      name="allowedTools"
      render={({ field }) => {
        const chosen: string[] = field.value ?? [];
        const known = tools.data ?? [];
        // granted names the registry no longer lists (or the list is not loaded) stay visible, to be removed
        const rows = [
          ...known.map((t) => ({ name: t.name, description: t.description, enabled: t.enabled, kind: t.kind })),
          ...chosen.filter((n) => !known.some((t) => t.name === n)).map((name) => ({ name, description: "", enabled: tools.isPending, kind: null })),
        ];
        const toggle = (name: string, on: boolean) => {
          field.onChange(on ? [...chosen, name] : chosen.filter((n) => n !== name));
          const approvals = (form.getValues("toolApprovals") ?? {}) as Record<string, ApprovalPolicy>;
          if (!on && name in approvals)
            form.setValue("toolApprovals", Object.fromEntries(Object.entries(approvals).filter(([n]) => n !== name)), { shouldDirty: true });
        };
        return (
          <FormItem>
            <p className="text-sm leading-none font-medium">Tools</p>
            {canGrant ? null : (
              <p className="text-sm text-muted-foreground" data-testid="agent-tools-no-grant">
                Your role cannot grant tools (that needs tools:grant): you can remove this agent's tools, not add new ones.
              </p>
            )}
            {rows.length === 0 ? (
              <p className="text-sm text-muted-foreground">
                {tools.isError
                  ? `The tools could not be loaded: ${errorMessage(tools.error)}`
                  : tools.isPending
                    ? "Loading the tools…"
                    : "The workspace has no tools."}
              </p>
            ) : (
              <ul className="m-0 grid max-h-64 list-none gap-1 overflow-y-auto rounded-md border p-2" data-testid="agent-tools">
                {rows.map((t) => {
                  const checked = chosen.includes(t.name);
                  // adding needs the permission and an enabled tool (putting back one the version had needs neither); removing is always possible
                  const locked = disabled || (!checked && !had.includes(t.name) && (!canGrant || !t.enabled));
                  return (
                    <li key={t.name} className={cn("flex items-start gap-2 py-1", !t.enabled && "opacity-60")} data-testid="agent-tool" data-name={t.name}>
                      <Checkbox
                        id={`agent-tool-${t.name}`}
                        data-testid={`agent-tool-${t.name}`}
                        checked={checked}
                        disabled={locked}
                        onCheckedChange={(on) => toggle(t.name, on === true)}
                        onBlur={field.onBlur}
                      />
                      <Label htmlFor={`agent-tool-${t.name}`} className="grid gap-0.5 font-normal">
                        <span className="font-mono text-sm">
                          {t.name}
                          {t.enabled ? null : <span className="ml-2 text-xs text-muted-foreground">disabled</span>}
                          {t.kind === null && !tools.isPending ? <span className="ml-2 text-xs text-destructive">not in the registry</span> : null}
                        </span>
                        {t.description ? <span className="line-clamp-1 text-xs text-muted-foreground">{t.description}</span> : null}
                      </Label>
                      {checked ? (
                        <span className="ml-auto shrink-0">
                          <GrantApproval name={t.name} disabled={disabled} />
                        </span>
                      ) : null}
                    </li>
                  );
                })}
              </ul>
            )}
            <FormMessage />
          </FormItem>
        );
      }}
    />
  );
}
