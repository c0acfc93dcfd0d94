"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { toast } from "sonner";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { Checkbox } from "@/components/ui/checkbox";
import { useConfirm } from "@/components/ui/confirm";
import { Dialog, DialogContent, DialogDescription, DialogFooter, DialogHeader, DialogTitle } from "@/components/ui/dialog";
import { applyServerErrors, Form, FormControl, FormField, FormItem, FormLabel, FormMessage, FormRootError, useZodForm } from "@/components/ui/form";
import { formatDate, formatDateTime } from "@/components/ui/format";
import { Input } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { ShownOnce } from "@/components/ui/shown-once";
import { ActionsHeader, QueryTable, RowDangerButton } from "@/components/ui/table";
import { createOrgTokenInputSchema, ORG_TOKEN_SCOPES, type OrgTokenScope } from "@/lib/schemas/org-tokens";
import { errorMessage } from "@/lib/trpc/errors";
import { useTRPC } from "@/lib/trpc/react";

const SCOPE_LABELS: Record<OrgTokenScope, string> = {
  scim: "SCIM provisioning (your identity provider creates, updates and deactivates people and groups)",
  admin: "Organisation API (acts as you, with your role in the organisation)",
};

interface OrgToken {
  id: string;
  name: string;
  scopes: string[];
  createdBy: string | null;
  lastUsedAt: Date | null;
  expiresAt: Date | null;
  revokedAt: Date | null;
}

function tokenStatus(t: OrgToken): "active" | "revoked" | "expired" {
  if (t.revokedAt) return "revoked";
  if (t.expiresAt && t.expiresAt.getTime() <= Date.now()) return "expired";
  return "active";
}

function CreatedToken({ name, token, onDone }: { name: string; token: string; onDone: () => void }) {
  return (
    <ShownOnce
      notice={
        <>
          Token <strong>{name}</strong> created.
        </>
      }
      value={token}
      testId="orgtoken-created"
      onDone={onDone}
    />
  );
}

function OrgTokenForm({ onCreated }: { onCreated: (t: { name: string; token: string }) => void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const form = useZodForm(createOrgTokenInputSchema, { defaultValues: { name: "", scopes: ["scim"], expiresInDays: null } });
  const create = useMutation(
    trpc.orgTokens.create.mutationOptions({
      onSuccess: async (t) => {
        onCreated({ name: t.name, token: t.token });
        await queryClient.invalidateQueries({ queryKey: trpc.orgTokens.list.queryKey() });
      },
      onError: (error) => applyServerErrors(form, error),
    }),
  );
  return (
    <Form {...form}>
      <form className="grid gap-4" onSubmit={form.handleSubmit((v) => create.mutate(v))} noValidate data-testid="orgtoken-form">
        <FormField
          control={form.control}
          name="name"
          render={({ field }) => (
            <FormItem>
              <FormLabel>Name</FormLabel>
              <FormControl>
                <Input {...field} placeholder="e.g. Okta" maxLength={80} data-testid="orgtoken-name" />
              </FormControl>
              <FormMessage />
            </FormItem>
          )}
        />
        <FormField
          control={form.control}
          name="scopes"
          render={({ field }) => (
            <FormItem>
              <fieldset className="grid gap-2">
                <legend className="mb-1 text-sm font-medium">Scopes</legend>
                {ORG_TOKEN_SCOPES.map((scope) => (
                  <div key={scope} className="flex items-start gap-2">
                    <Checkbox
                      id={`orgtoken-scope-${scope}`}
                      data-testid={`orgtoken-scope-${scope}`}
                      checked={field.value.includes(scope)}
                      onCheckedChange={(on) => field.onChange(ORG_TOKEN_SCOPES.filter((s) => (s === scope ? on === true : field.value.includes(s))))}
                    />
                    <Label htmlFor={`orgtoken-scope-${scope}`} className="font-normal">
                      <span className="font-mono">{scope}</span>: {SCOPE_LABELS[scope]}
                    </Label>
                  </div>
                ))}
              </fieldset>
              <FormMessage />
            </FormItem>
          )}
        />
        <FormField
          control={form.control}
          name="expiresInDays"
          render={({ field }) => (
            <FormItem>
              <FormLabel>Expires after (days, optional)</FormLabel>
              <FormControl>
                <Input
                  type="number"
                  min={1}
                  max={730}
                  name={field.name}
                  ref={field.ref}
                  onBlur={field.onBlur}
                  value={field.value ?? ""}
                  onChange={(e) => field.onChange(e.target.value === "" ? null : Number(e.target.value))}
                  data-testid="orgtoken-expiry"
                />
              </FormControl>
              <FormMessage />
            </FormItem>
          )}
        />
        <FormRootError />
        <DialogFooter>
          <Button type="submit" disabled={create.isPending} data-testid="orgtoken-submit">
            {create.isPending ? "Creating…" : "Create token"}
          </Button>
        </DialogFooter>
      </form>
    </Form>
  );
}

function OrgTokenDialog({ open, onOpenChange }: { open: boolean; onOpenChange: (open: boolean) => void }) {
  const [created, setCreated] = useState<{ name: string; token: string } | null>(null);
  const close = (next: boolean) => {
    if (!next) setCreated(null);
    onOpenChange(next);
  };
  return (
    <Dialog open={open} onOpenChange={close}>
      <DialogContent
        className="sm:max-w-xl"
        data-testid="orgtoken-dialog"
        onInteractOutside={(e) => {
          if (created) e.preventDefault();
        }}
      >
        <DialogHeader>
          <DialogTitle>{created ? "Your new organisation token" : "Create an organisation token"}</DialogTitle>
          <DialogDescription>
            {created
              ? "Paste it into your identity provider's provisioning settings."
              : "A bearer token of the organisation, for its identity provider or its API."}
          </DialogDescription>
        </DialogHeader>
        {created ? <CreatedToken name={created.name} token={created.token} onDone={() => close(false)} /> : <OrgTokenForm onCreated={setCreated} />}
      </DialogContent>
    </Dialog>
  );
}

/** The organisation's tokens: create (shown once, with copy), the last use of each, revoke. Owners and admins. */
export function OrgTokensCard() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const confirm = useConfirm();
  const [open, setOpen] = useState(false);
  const tokens = useQuery(trpc.orgTokens.list.queryOptions());
  const revoke = useMutation(
    trpc.orgTokens.revoke.mutationOptions({
      onError: (e) => toast.error(errorMessage(e)),
      onSettled: () => queryClient.invalidateQueries({ queryKey: trpc.orgTokens.list.queryKey() }),
    }),
  );
  return (
    <Card
      title="Organisation tokens"
      description="Bearer tokens for your identity provider's SCIM client and the organisation's API. Only a hash is kept: a token is shown once."
      testId="orgtokens-card"
      actions={
        <Button onClick={() => setOpen(true)} data-testid="orgtoken-create">
          Create token
        </Button>
      }
    >
      {tokens.isError ? <p className="text-sm text-destructive">{errorMessage(tokens.error)}</p> : null}
      <QueryTable query={tokens} empty={<p className="text-sm text-muted-foreground">No tokens yet.</p>}>
        <table className="w-full text-sm" data-testid="orgtokens-table">
          <thead>
            <tr className="text-left text-muted-foreground">
              <th className="py-2 pr-3 font-medium">Name</th>
              <th className="py-2 pr-3 font-medium">Scopes</th>
              <th className="py-2 pr-3 font-medium">Created by</th>
              <th className="py-2 pr-3 font-medium">Last used</th>
              <th className="py-2 pr-3 font-medium">Expires</th>
              <th className="py-2 pr-3 font-medium">Status</th>
              <ActionsHeader />
            </tr>
          </thead>
          <tbody>
            {(tokens.data ?? []).map((t) => {
              const status = tokenStatus(t);
              return (
                <tr key={t.id} className="border-t" data-testid="orgtoken-row">
                  <td className="py-2 pr-3">{t.name}</td>
                  <td className="py-2 pr-3 font-mono text-xs">{t.scopes.join(", ")}</td>
                  <td className="py-2 pr-3">{t.createdBy ?? "—"}</td>
                  <td className="py-2 pr-3">{t.lastUsedAt ? formatDateTime(t.lastUsedAt) : "Never"}</td>
                  <td className="py-2 pr-3">{t.expiresAt ? formatDate(t.expiresAt) : "Never"}</td>
                  <td className="py-2 pr-3">
                    <Badge tone={status === "active" ? "success" : "neutral"}>{status}</Badge>
                  </td>
                  <td className="py-2 text-right">
                    {status === "active" ? (
                      <RowDangerButton
                        testId="orgtoken-revoke"
                        disabled={revoke.isPending}
                        onClick={async () => {
                          const ok = await confirm({
                            title: `Revoke the token "${t.name}"?`,
                            description: "Provisioning or scripts using it stop working at once. A revoked token cannot be used again.",
                            confirmLabel: "Revoke token",
                            destructive: true,
                          });
                          if (ok) revoke.mutate({ id: t.id });
                        }}
                      >
                        Revoke
                      </RowDangerButton>
                    ) : null}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </QueryTable>
      <OrgTokenDialog open={open} onOpenChange={setOpen} />
    </Card>
  );
}
