"use client";

import { useState } from "react";
import { useFormContext, useWatch } from "react-hook-form";
import { Checkbox } from "@/components/ui/checkbox";
import { FormControl, FormDescription, FormField, FormItem, FormLabel, FormMessage } from "@/components/ui/form";
import { Input } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { SELECT_CLASS } from "@/components/ui/native-select";
import { type ApprovalPolicy, HTTP_TOOL_METHODS, TOOL_RESPONSE_BYTES, TOOL_TIMEOUT_MS } from "@/lib/schemas/tools";
import type { ToolSettingsValues } from "./form-schemas";
import { formatBytes } from "./tool-summary";

type NumberKey = "timeoutMs" | "maxResponseBytes" | "rateLimitPerMinute" | "agentRateLimitPerMinute" | "costPerCallUsd";

interface NumberSpec {
  name: NumberKey;
  id: string;
  label: string;
  min: number;
  max: number;
  step: number;
  placeholder?: string;
  hint?: (value: number) => string;
}

const NUMBER_SPECS: NumberSpec[] = [
  {
    name: "timeoutMs",
    id: "tool-timeout",
    label: "Timeout (ms)",
    min: TOOL_TIMEOUT_MS.min,
    max: TOOL_TIMEOUT_MS.max,
    step: 500,
    hint: (ms) => `${ms / 1000} s`,
  },
  {
    name: "maxResponseBytes",
    id: "tool-max-bytes",
    label: "Response limit (bytes)",
    min: TOOL_RESPONSE_BYTES.min,
    max: TOOL_RESPONSE_BYTES.max,
    step: 1024,
    hint: formatBytes,
  },
  { name: "rateLimitPerMinute", id: "tool-rate", label: "Calls / min (workspace)", min: 1, max: 100_000, step: 1, placeholder: "no limit" },
  { name: "agentRateLimitPerMinute", id: "tool-agent-rate", label: "Calls / min (per agent)", min: 1, max: 100_000, step: 1, placeholder: "no limit" },
  { name: "costPerCallUsd", id: "tool-cost", label: "Cost per call (USD)", min: 0, max: 100, step: 0.001 },
];

/** A number of the limits: an emptied field is null ("no limit" where the schema allows it, else "Required"). */
function NumberField({ spec }: { spec: NumberSpec }) {
  return (
    <FormField<ToolSettingsValues, NumberKey>
      name={spec.name}
      render={({ field }) => (
        <FormItem className="min-w-40 flex-1">
          <FormLabel>{spec.label}</FormLabel>
          <FormControl>
            <Input
              {...field}
              data-testid={spec.id}
              type="number"
              min={spec.min}
              max={spec.max}
              step={spec.step}
              placeholder={spec.placeholder}
              value={typeof field.value === "number" ? field.value : ""}
              onChange={(e) => field.onChange(e.target.value.trim() === "" ? null : Number(e.target.value))}
            />
          </FormControl>
          {spec.hint && typeof field.value === "number" ? <FormDescription>{spec.hint(field.value)}</FormDescription> : null}
          <FormMessage />
        </FormItem>
      )}
    />
  );
}

const MODES: [ApprovalPolicy["mode"], string][] = [
  ["never", "Never"],
  ["always", "Every call"],
  ["rule", "When a rule matches"],
];

type RulePolicy = Extract<ApprovalPolicy, { mode: "rule" }>;

const hostsOf = (text: string) =>
  text
    .split(/[\s,]+/)
    .map((h) => h.trim().toLowerCase())
    .filter(Boolean);

/** The approval policy: never, always, or a rule (any method but the checked ones; any host but the listed ones). */
function ApprovalField() {
  const { control } = useFormContext<ToolSettingsValues>();
  const approval = useWatch({ control, name: "approval" }) ?? { mode: "never" };
  const [hostsText, setHostsText] = useState(() => (approval.mode === "rule" ? (approval.hostsExcept ?? []).join(", ") : ""));
  return (
    <FormField<ToolSettingsValues, "approval">
      name="approval"
      render={({ field }) => {
        const value = (field.value ?? { mode: "never" }) as ApprovalPolicy;
        const rule = value.mode === "rule" ? value : null;
        const setRule = (next: Partial<Omit<RulePolicy, "mode">>) => {
          const merged = { methodsExcept: rule?.methodsExcept, hostsExcept: rule?.hostsExcept, ...next };
          field.onChange({
            mode: "rule",
            ...(merged.methodsExcept?.length ? { methodsExcept: merged.methodsExcept } : {}),
            ...(merged.hostsExcept?.length ? { hostsExcept: merged.hostsExcept } : {}),
          } satisfies RulePolicy);
        };
        return (
          <FormItem>
            <FormLabel>Approval</FormLabel>
            <FormControl>
              <select
                className={SELECT_CLASS}
                data-testid="tool-approval-mode"
                name={field.name}
                ref={field.ref}
                onBlur={field.onBlur}
                value={value.mode}
                onChange={(e) => {
                  const mode = e.target.value as ApprovalPolicy["mode"];
                  if (mode === "rule")
                    field.onChange({ mode, methodsExcept: ["GET"], ...(hostsOf(hostsText).length ? { hostsExcept: hostsOf(hostsText) } : {}) });
                  else field.onChange({ mode });
                }}
              >
                {MODES.map(([mode, label]) => (
                  <option key={mode} value={mode}>
                    {label}
                  </option>
                ))}
              </select>
            </FormControl>
            {rule ? (
              <div className="grid gap-3 rounded-md border p-3" data-testid="tool-approval-rule">
                <fieldset className="m-0 flex flex-wrap items-center gap-3 border-0 p-0">
                  <legend className="mb-2 text-sm">A call needs approval unless its method is one of:</legend>
                  {HTTP_TOOL_METHODS.map((method) => {
                    const checked = rule.methodsExcept?.includes(method) ?? false;
                    return (
                      <Label key={method} className="font-normal">
                        <Checkbox
                          data-testid={`tool-approval-method-${method}`}
                          checked={checked}
                          onCheckedChange={(on) =>
                            setRule({
                              methodsExcept: HTTP_TOOL_METHODS.filter((m) => (m === method ? on === true : (rule.methodsExcept?.includes(m) ?? false))),
                            })
                          }
                        />
                        {method}
                      </Label>
                    );
                  })}
                </fieldset>
                <div className="grid gap-2">
                  <Label htmlFor="tool-approval-hosts" className="font-normal">
                    …or unless its host is one of (comma or space separated; empty: any host):
                  </Label>
                  <Input
                    id="tool-approval-hosts"
                    data-testid="tool-approval-hosts"
                    placeholder="api.example.com"
                    value={hostsText}
                    onChange={(e) => {
                      setHostsText(e.target.value);
                      setRule({ hostsExcept: hostsOf(e.target.value) });
                    }}
                  />
                </div>
              </div>
            ) : null}
            <FormMessage />
          </FormItem>
        );
      }}
    />
  );
}

/** What every tool has: enabled, the limits and the approval policy (the whole form of a built-in or MCP tool). */
export function SettingsFields() {
  return (
    <>
      <FormField<ToolSettingsValues, "enabled">
        name="enabled"
        render={({ field }) => (
          <FormItem className="flex flex-row items-center gap-2">
            <FormControl>
              <Checkbox data-testid="tool-enabled" checked={field.value ?? true} onCheckedChange={(on) => field.onChange(on === true)} onBlur={field.onBlur} />
            </FormControl>
            <FormLabel className="font-normal">Enabled (agents granted it may call it)</FormLabel>
            <FormMessage />
          </FormItem>
        )}
      />
      <div className="flex flex-wrap items-start gap-3">
        {NUMBER_SPECS.map((spec) => (
          <NumberField key={spec.name} spec={spec} />
        ))}
      </div>
      <ApprovalField />
    </>
  );
}
