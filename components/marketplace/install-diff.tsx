"use client";

import { ShieldAlertIcon } from "lucide-react";
import { useMemo } from "react";
import { z } from "zod";
import { Badge, type BadgeTone } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { applyServerErrors, Form, FormRootError, useZodForm } from "@/components/ui/form";
import { cn } from "@/lib/cn";
import type { InstallDiff, ListingInstallOut, PermissionManifest, updateInstallInputSchema } from "@/lib/schemas/marketplace";
import { ManifestView } from "./manifest-view";
import { type Slot, SecretSlotFields, type SlotSecret, slotBindingsSchema } from "./secret-slot-fields";

export type UpdateInstallInput = z.input<typeof updateInstallInputSchema>;
type Change = InstallDiff["tools"][number]["change"];

const CHANGE_TONES: Record<Change, BadgeTone> = { added: "success", removed: "danger", changed: "info", same: "neutral" };

function ChangeBadge({ change }: { change: Change }) {
  return (
    <Badge tone={CHANGE_TONES[change]} testId="diff-change">
      {change}
    </Badge>
  );
}

/** A unified diff's lines, additions and removals coloured. */
function UnifiedDiff({ text }: { text: string }) {
  return (
    <pre className="max-h-64 overflow-auto rounded-md border bg-muted/40 p-2 font-mono text-xs" data-testid="diff-instructions">
      {text.split("\n").map((line, i) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: a diff's lines never reorder
        <div key={i} className={cn(line.startsWith("+") && "bg-success/15", line.startsWith("-") && "bg-destructive/15")}>
          {line || " "}
        </div>
      ))}
    </pre>
  );
}

/** Whether the update adds anything the installer has not consented to yet. */
export function addsPermissions(p: InstallDiff["newPermissions"]): boolean {
  return p.hosts.length + p.secretSlots.length + p.tools.length + p.memoryWrites.length > 0 || p.approvalsDropped;
}

function NewPermissions({ permissions }: { permissions: InstallDiff["newPermissions"] }) {
  if (!addsPermissions(permissions))
    return (
      <p className="text-sm text-muted-foreground" data-testid="diff-no-new-permissions">
        No new permissions.
      </p>
    );
  const rows: [string, string[]][] = [
    ["New hosts", permissions.hosts],
    ["New secrets to bind", permissions.secretSlots],
    ["New tools", permissions.tools],
    ["New memory writes", permissions.memoryWrites],
  ];
  return (
    <div className="grid gap-2 rounded-md border border-warning bg-warning/10 p-3" data-testid="diff-new-permissions" role="alert">
      <p className="flex items-center gap-2 text-sm font-semibold">
        <ShieldAlertIcon className="size-4" aria-hidden />
        This version asks for more
      </p>
      <ul className="grid gap-1 text-sm">
        {rows
          .filter(([, items]) => items.length > 0)
          .map(([label, items]) => (
            <li key={label} data-testid="diff-new-permission">
              <strong>{label}:</strong> {items.join(", ")}
            </li>
          ))}
        {permissions.approvalsDropped ? <li data-testid="diff-new-permission">Some tool calls no longer wait for approval</li> : null}
      </ul>
    </div>
  );
}

/**
 * What updating an install changes (agents with their fields and instructions, teams, tools) with the new
 * permissions highlighted, the new version's manifest marked the same way, new secret slots to bind, then Update.
 */
export function InstallDiffView({
  install,
  diff,
  manifest,
  slots,
  secrets,
  canUpdate,
  onCreateSecret,
  onUpdate,
}: {
  install: ListingInstallOut;
  diff: InstallDiff;
  /** the new version's manifest (from its consent), when loaded */
  manifest?: PermissionManifest;
  /** the new version's secret slots, when known; else the diff's new ones */
  slots?: Slot[];
  secrets: SlotSecret[] | undefined;
  canUpdate: boolean;
  onCreateSecret?: () => void;
  onUpdate: (input: UpdateInstallInput) => Promise<unknown>;
}) {
  const toBind: Slot[] = (slots ?? diff.newPermissions.secretSlots.map((name) => ({ name, host: null, usedBy: [] }))).filter(
    (s) => diff.newPermissions.secretSlots.includes(s.name) || !(s.name in install.secretBindings),
  );
  const names = toBind.map((s) => s.name);
  const key = names.join(",");
  const schema = useMemo(() => z.strictObject({ secretBindings: slotBindingsSchema(key ? key.split(",") : []) }), [key]);
  const form = useZodForm(schema, { defaultValues: { secretBindings: Object.fromEntries(names.map((n) => [n, ""])) } });
  const changed = <T extends { change: Change }>(items: T[]) => items.filter((i) => i.change !== "same");
  return (
    <div className="grid gap-5" data-testid="install-diff">
      <p className="text-sm">
        From v{diff.from} to v{diff.to}
      </p>
      <NewPermissions permissions={diff.newPermissions} />
      <section className="grid gap-2" data-testid="diff-agents">
        <h3 className="text-sm font-semibold">Agents</h3>
        {changed(diff.agents).length === 0 ? <p className="text-sm text-muted-foreground">No agent changes.</p> : null}
        {changed(diff.agents).map((a) => (
          <div key={a.slug} className="grid gap-1" data-testid="diff-agent" data-slug={a.slug}>
            <div className="flex flex-wrap items-center gap-2 text-sm">
              <code className="font-mono text-xs font-semibold">{a.slug}</code>
              <ChangeBadge change={a.change} />
              {a.fields.length > 0 ? <span className="text-muted-foreground">{a.fields.join(", ")}</span> : null}
            </div>
            {a.instructionsDiff ? <UnifiedDiff text={a.instructionsDiff} /> : null}
          </div>
        ))}
      </section>
      {changed(diff.teams).length > 0 ? (
        <section className="grid gap-1" data-testid="diff-teams">
          <h3 className="text-sm font-semibold">Teams</h3>
          {changed(diff.teams).map((t) => (
            <div key={t.slug} className="flex flex-wrap items-center gap-2 text-sm" data-testid="diff-team">
              <code className="font-mono text-xs font-semibold">{t.slug}</code>
              <ChangeBadge change={t.change} />
              {t.fields.length > 0 ? <span className="text-muted-foreground">{t.fields.join(", ")}</span> : null}
            </div>
          ))}
        </section>
      ) : null}
      {changed(diff.tools).length > 0 ? (
        <section className="grid gap-1" data-testid="diff-tools">
          <h3 className="text-sm font-semibold">Tools</h3>
          {changed(diff.tools).map((t) => (
            <div
              key={t.name}
              className="flex flex-wrap items-center gap-2 text-sm"
              data-testid="diff-tool"
              data-new={diff.newPermissions.tools.includes(t.name) ? "true" : undefined}
            >
              <code className="font-mono text-xs font-semibold">{t.name}</code>
              <ChangeBadge change={t.change} />
            </div>
          ))}
        </section>
      ) : null}
      {changed(diff.judges).length > 0 ? (
        <section className="grid gap-1" data-testid="diff-judges">
          <h3 className="text-sm font-semibold">Judges</h3>
          {changed(diff.judges).map((j) => (
            <div key={j.slug} className="flex flex-wrap items-center gap-2 text-sm" data-testid="diff-judge">
              <code className="font-mono text-xs font-semibold">{j.slug}</code>
              <ChangeBadge change={j.change} />
              {j.fields.length > 0 ? <span className="text-muted-foreground">{j.fields.join(", ")}</span> : null}
            </div>
          ))}
        </section>
      ) : null}
      {manifest ? (
        <section className="grid gap-2">
          <h3 className="text-sm font-semibold">What v{diff.to} may do</h3>
          <ManifestView manifest={manifest} newPermissions={diff.newPermissions} className="rounded-md border p-3" />
        </section>
      ) : null}
      {canUpdate ? (
        <Form {...form}>
          <form
            className="grid gap-4"
            noValidate
            data-testid="update-form"
            onSubmit={form.handleSubmit(async (v) => {
              try {
                await onUpdate({
                  install: install.id,
                  version: diff.to,
                  secretBindings: { ...install.secretBindings, ...(v.secretBindings as Record<string, string>) },
                  consentDigest: diff.consentDigest,
                });
              } catch (error) {
                applyServerErrors(form, error);
              }
            })}
          >
            <SecretSlotFields control={form.control} slots={toBind} secrets={secrets} onCreateSecret={onCreateSecret} />
            <FormRootError />
            <div>
              <Button type="submit" disabled={form.formState.isSubmitting} data-testid="update-submit">
                {form.formState.isSubmitting ? "Updating…" : addsPermissions(diff.newPermissions) ? `Allow and update to v${diff.to}` : `Update to v${diff.to}`}
              </Button>
            </div>
          </form>
        </Form>
      ) : null}
    </div>
  );
}
