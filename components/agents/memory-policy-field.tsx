"use client";

import type { z } from "zod";
import { Checkbox } from "@/components/ui/checkbox";
import { FormField, FormItem, FormMessage } from "@/components/ui/form";
import { Input } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { SELECT_CLASS } from "@/components/ui/native-select";
import type { createAgentInputSchema } from "@/lib/schemas/agents";
import { MEMORY_POLICY_SCOPES, type MemoryPolicy, type MemoryPolicyScope } from "@/lib/schemas/memory-policy";

type AgentValues = z.input<typeof createAgentInputSchema>;
type PolicyValue = AgentValues["memoryPolicy"];

const SCOPE_LABELS: Record<MemoryPolicyScope, string> = {
  workspace: "Workspace",
  team: "The run's team",
  agent: "This agent",
  subject: "The run's subject (e.g. customer:42)",
  session: "The run's session",
};

const DEFAULTS: MemoryPolicy = { read: [], k: 5, tokenBudget: 1000, write: "none", extractFacts: false, writeScope: "agent" };

/** The policy with `patch` applied; null when it neither reads nor writes (the agent has no memory). */
function next(current: PolicyValue, patch: Partial<MemoryPolicy>): PolicyValue {
  const merged = { ...DEFAULTS, ...(current ?? {}), ...patch } as MemoryPolicy;
  return merged.read.length === 0 && merged.write === "none" && !merged.extractFacts ? null : merged;
}

/**
 * The agent's memory policy (lib/schemas/memory-policy.ts): the scopes recalled before each step, how many memories
 * and tokens enter the prompt, and whether a run's end writes an episodic memory (and where).
 */
export function MemoryPolicyField({ disabled }: { disabled?: boolean }) {
  return (
    <FormField<AgentValues, "memoryPolicy">
      name="memoryPolicy"
      render={({ field }) => {
        const value = { ...DEFAULTS, ...(field.value ?? {}) } as MemoryPolicy;
        const set = (patch: Partial<MemoryPolicy>) => field.onChange(next(field.value, patch));
        const reads = value.read.length > 0;
        return (
          <FormItem>
            <fieldset className="grid gap-3 rounded-md border p-3" data-testid="agent-memory-policy" disabled={disabled}>
              <legend className="px-1 text-sm font-medium">Memory</legend>
              <p className="text-sm text-muted-foreground">
                Before each step, memories of these scopes that match the task enter the prompt, cited and marked as untrusted data.
              </p>
              <ul className="m-0 grid list-none gap-1 p-0 sm:grid-cols-2">
                {MEMORY_POLICY_SCOPES.map((scope) => (
                  <li key={scope} className="flex items-center gap-2">
                    <Checkbox
                      id={`agent-memory-read-${scope}`}
                      data-testid={`agent-memory-read-${scope}`}
                      checked={value.read.includes(scope)}
                      disabled={disabled}
                      onCheckedChange={(on) => set({ read: on === true ? [...value.read, scope] : value.read.filter((s) => s !== scope) })}
                    />
                    <Label htmlFor={`agent-memory-read-${scope}`} className="font-normal">
                      {SCOPE_LABELS[scope]}
                    </Label>
                  </li>
                ))}
              </ul>
              {reads ? (
                <div className="grid gap-3 sm:grid-cols-2">
                  <div className="grid gap-1">
                    <Label htmlFor="agent-memory-k">Memories per step (at most)</Label>
                    <Input id="agent-memory-k" type="number" min={1} max={20} value={value.k} onChange={(e) => set({ k: Number(e.target.value) })} />
                  </div>
                  <div className="grid gap-1">
                    <Label htmlFor="agent-memory-tokens">Token budget of memories</Label>
                    <Input
                      id="agent-memory-tokens"
                      type="number"
                      min={50}
                      max={8000}
                      value={value.tokenBudget}
                      onChange={(e) => set({ tokenBudget: Number(e.target.value) })}
                    />
                  </div>
                </div>
              ) : null}
              <div className="grid gap-3 sm:grid-cols-2">
                <div className="grid gap-1">
                  <Label htmlFor="agent-memory-write">When a run ends</Label>
                  <select
                    id="agent-memory-write"
                    data-testid="agent-memory-write"
                    className={SELECT_CLASS}
                    value={value.write}
                    onChange={(e) => set({ write: e.target.value as MemoryPolicy["write"] })}
                  >
                    <option value="none">remember nothing</option>
                    <option value="episodic">remember what it was asked and answered (episodic)</option>
                  </select>
                </div>
                <div className="flex items-center gap-2 sm:col-span-2">
                  <Checkbox
                    id="agent-memory-facts"
                    data-testid="agent-memory-facts"
                    checked={value.extractFacts}
                    disabled={disabled}
                    onCheckedChange={(on) => set({ extractFacts: on === true })}
                  />
                  <Label htmlFor="agent-memory-facts" className="font-normal">
                    and extract up to 5 lasting facts from it (a model call of the agent's policy)
                  </Label>
                </div>
                <div className="grid gap-1">
                  <Label htmlFor="agent-memory-write-scope">Writes to</Label>
                  <select
                    id="agent-memory-write-scope"
                    className={SELECT_CLASS}
                    value={value.writeScope}
                    onChange={(e) => set({ writeScope: e.target.value as MemoryPolicyScope })}
                  >
                    {MEMORY_POLICY_SCOPES.map((scope) => (
                      <option key={scope} value={scope}>
                        {SCOPE_LABELS[scope]}
                      </option>
                    ))}
                  </select>
                </div>
              </div>
            </fieldset>
            <FormMessage />
          </FormItem>
        );
      }}
    />
  );
}
