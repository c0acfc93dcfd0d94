"use client";

import { useState } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { toast } from "sonner";
import { useTRPC } from "@/lib/trpc/react";
import { errorMessage } from "@/lib/trpc/errors";
import type { z } from "zod";
import { DEFAULT_GROUPS_CLAIM, DEFAULT_SSO_SCOPES, type SsoConnectionForm, ssoConnectionFormSchema, type ssoConnectionSchema } from "@/lib/schemas/sso";
import { Button } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { CopyButton } from "@/components/ui/copy-button";
import {
  applyServerErrors,
  Form,
  FormControl,
  FormDescription,
  FormField,
  FormItem,
  FormLabel,
  FormMessage,
  FormRootError,
  useZodForm,
} from "@/components/ui/form";
import { Input } from "@/components/ui/input";
import { SELECT_CLASS } from "@/components/ui/native-select";
import { SamlConnectionEditor } from "./saml-settings";
import { DeleteSsoButton } from "./sso-delete";
import { SsoProvisioningFields } from "./sso-provisioning-fields";

type Connection = z.infer<typeof ssoConnectionSchema>;
type TestResult = { ok: true; issuer: string; authorizationEndpoint: string; tokenEndpoint: string } | { ok: false; error: string };

function valuesOf(c: Connection | null): SsoConnectionForm {
  return {
    issuer: c?.issuer ?? "",
    clientId: c?.clientId ?? "",
    clientSecret: "",
    scopes: c?.scopes ?? DEFAULT_SSO_SCOPES,
    groupsClaim: c?.groupsClaim ?? DEFAULT_GROUPS_CLAIM,
    enabled: c?.enabled ?? false,
    jitProvisioning: c?.jitProvisioning ?? true,
    defaultWorkspace: c?.defaultWorkspace ?? null,
    defaultRole: c?.defaultRole === "owner" ? "admin" : (c?.defaultRole ?? "member"),
  };
}

/** The organisation's single sign-on: OpenID Connect or SAML 2.0, its form, enable/disable, delete (owners and admins). */
export function SsoSettings({ workspaces }: { workspaces: { slug: string; name: string }[] }) {
  const trpc = useTRPC();
  const connection = useQuery(trpc.orgSso.get.queryOptions());
  if (connection.isPending) return <p className="text-sm text-muted-foreground">Loading…</p>;
  if (connection.isError) return <p role="alert">{errorMessage(connection.error)}</p>;
  return <SsoKindSwitch key={connection.data?.updatedAt.toISOString() ?? "new"} connection={connection.data} workspaces={workspaces} />;
}

function SsoKindSwitch({ connection, workspaces }: { connection: Connection | null; workspaces: { slug: string; name: string }[] }) {
  const [kind, setKind] = useState<"oidc" | "saml">(connection?.kind ?? "oidc");
  // the saved connection's values only for the form of its own kind: switching kinds starts a new connection
  const own = connection && connection.kind === kind ? connection : null;
  return (
    <div className="grid gap-4">
      <label className="grid max-w-xs gap-1 text-sm font-medium">
        Protocol
        <select className={SELECT_CLASS} value={kind} onChange={(e) => setKind(e.target.value === "saml" ? "saml" : "oidc")} data-testid="sso-kind">
          <option value="oidc">OpenID Connect</option>
          <option value="saml">SAML 2.0</option>
        </select>
      </label>
      {connection && connection.kind !== kind ? (
        <p className="text-sm text-muted-foreground" role="status">
          Saving replaces the current {connection.kind === "saml" ? "SAML" : "OpenID Connect"} connection.
        </p>
      ) : null}
      {kind === "saml" ? <SamlConnectionEditor connection={own} workspaces={workspaces} /> : <SsoConnectionEditor connection={own} workspaces={workspaces} />}
    </div>
  );
}

function SsoConnectionEditor({ connection, workspaces }: { connection: Connection | null; workspaces: { slug: string; name: string }[] }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const form = useZodForm(ssoConnectionFormSchema, { defaultValues: valuesOf(connection) });
  const [tested, setTested] = useState<TestResult | null>(null);
  const refresh = () => queryClient.invalidateQueries({ queryKey: trpc.orgSso.get.queryKey() });
  const save = useMutation(trpc.orgSso.upsert.mutationOptions());
  const test = useMutation(trpc.orgSso.test.mutationOptions());

  async function onSubmit(values: SsoConnectionForm) {
    try {
      await save.mutateAsync({ ...values, clientSecret: values.clientSecret ? values.clientSecret : undefined });
      toast.success("Single sign-on saved");
      await refresh();
    } catch (error) {
      applyServerErrors(form, error);
    }
  }

  async function onTest() {
    const issuer = form.getValues("issuer").trim();
    try {
      setTested(await test.mutateAsync(issuer ? { issuer } : {}));
    } catch (error) {
      setTested({ ok: false, error: errorMessage(error) });
    }
  }

  return (
    <Card className="grid gap-4 p-6">
      <div>
        <h2 className="text-lg font-semibold">OpenID Connect</h2>
        <p className="text-sm text-muted-foreground">People whose email is on a verified domain of the organisation sign in through your identity provider.</p>
      </div>
      {connection ? (
        <div className="grid gap-1 rounded-md border bg-muted/40 px-3 py-2 text-sm" data-testid="sso-redirect-uri">
          <span>Redirect URI to register at the identity provider:</span>
          <span className="flex items-center gap-2 font-mono break-all">
            {connection.redirectUri} <CopyButton text={connection.redirectUri} label="Copy the redirect URI" />
          </span>
        </div>
      ) : null}
      <Form {...form}>
        <form className="grid gap-4" onSubmit={form.handleSubmit(onSubmit)} noValidate aria-label="Single sign-on connection">
          <FormField<SsoConnectionForm, "issuer">
            name="issuer"
            render={({ field }) => (
              <FormItem>
                <FormLabel>Issuer URL</FormLabel>
                <FormControl>
                  <Input {...field} placeholder="https://idp.example.com" data-testid="sso-issuer" />
                </FormControl>
                <FormDescription>Its metadata is read from /.well-known/openid-configuration.</FormDescription>
                <FormMessage />
              </FormItem>
            )}
          />
          <FormField<SsoConnectionForm, "clientId">
            name="clientId"
            render={({ field }) => (
              <FormItem>
                <FormLabel>Client ID</FormLabel>
                <FormControl>
                  <Input {...field} data-testid="sso-client-id" />
                </FormControl>
                <FormMessage />
              </FormItem>
            )}
          />
          <FormField<SsoConnectionForm, "clientSecret">
            name="clientSecret"
            render={({ field }) => (
              <FormItem>
                <FormLabel>{connection?.hasClientSecret ? "Replace the client secret" : "Client secret"}</FormLabel>
                <FormControl>
                  <Input {...field} value={field.value ?? ""} type="password" autoComplete="off" data-testid="sso-client-secret" />
                </FormControl>
                <FormDescription>
                  {connection?.hasClientSecret ? "A secret is set. Leave empty to keep it; it is never shown." : "Stored encrypted; it is never shown again."}
                </FormDescription>
                <FormMessage />
              </FormItem>
            )}
          />
          <div className="grid gap-4 sm:grid-cols-2">
            <FormField<SsoConnectionForm, "scopes">
              name="scopes"
              render={({ field }) => (
                <FormItem>
                  <FormLabel>Scopes</FormLabel>
                  <FormControl>
                    <Input {...field} data-testid="sso-scopes" />
                  </FormControl>
                  <FormMessage />
                </FormItem>
              )}
            />
            <FormField<SsoConnectionForm, "groupsClaim">
              name="groupsClaim"
              render={({ field }) => (
                <FormItem>
                  <FormLabel>Groups claim</FormLabel>
                  <FormControl>
                    <Input {...field} data-testid="sso-groups-claim" />
                  </FormControl>
                  <FormMessage />
                </FormItem>
              )}
            />
          </div>
          <SsoProvisioningFields workspaces={workspaces} enabledTestId="sso-enabled" />
          <FormRootError />
          {tested ? (
            <div role="status" className="rounded-md border px-3 py-2 text-sm" data-testid="sso-test-result">
              {tested.ok ? (
                <>
                  Discovery found <strong>{tested.issuer}</strong>: authorization at {tested.authorizationEndpoint}, tokens at {tested.tokenEndpoint}.
                </>
              ) : (
                <span className="text-destructive">{tested.error}</span>
              )}
            </div>
          ) : null}
          <div className="flex flex-wrap gap-2">
            <Button type="submit" disabled={save.isPending} data-testid="sso-save">
              {save.isPending ? "Saving…" : "Save"}
            </Button>
            <Button type="button" variant="outline" onClick={() => void onTest()} disabled={test.isPending} data-testid="sso-test">
              {test.isPending ? "Testing…" : "Test connection"}
            </Button>
            {connection ? <DeleteSsoButton /> : null}
          </div>
        </form>
      </Form>
    </Card>
  );
}
