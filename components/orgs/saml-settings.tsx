"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { toast } from "sonner";
import type { z } from "zod";
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
import { Textarea } from "@/components/ui/textarea";
import {
  DEFAULT_GROUPS_CLAIM,
  DEFAULT_SAML_EMAIL_ATTRIBUTE,
  DEFAULT_SAML_NAME_ATTRIBUTE,
  type SamlConnectionForm,
  samlConnectionFormSchema,
  type ssoConnectionSchema,
} from "@/lib/schemas/sso";
import { useTRPC } from "@/lib/trpc/react";
import { DeleteSsoButton } from "./sso-delete";
import { SsoProvisioningFields } from "./sso-provisioning-fields";

type Connection = z.infer<typeof ssoConnectionSchema>;

function valuesOf(c: Connection | null): SamlConnectionForm {
  return {
    idpEntityId: c?.issuer ?? "",
    ssoUrl: c?.saml?.ssoUrl ?? "",
    // the stored certificates are not sent back as text: paste them again to replace them
    certificates: "",
    emailAttribute: c?.saml?.emailAttribute ?? DEFAULT_SAML_EMAIL_ATTRIBUTE,
    nameAttribute: c?.saml?.nameAttribute ?? DEFAULT_SAML_NAME_ATTRIBUTE,
    groupsAttribute: c?.groupsClaim ?? DEFAULT_GROUPS_CLAIM,
    enabled: c?.enabled ?? false,
    jitProvisioning: c?.jitProvisioning ?? true,
    defaultWorkspace: c?.defaultWorkspace ?? null,
    defaultRole: c?.defaultRole === "owner" ? "admin" : (c?.defaultRole ?? "member"),
  };
}

function Copyable({ label, value, testId }: { label: string; value: string; testId: string }) {
  return (
    <div className="grid gap-0.5" data-testid={testId}>
      <span>{label}</span>
      <span className="flex items-center gap-2 font-mono break-all">
        {value} <CopyButton text={value} label={`Copy the ${label.toLowerCase()}`} />
      </span>
    </div>
  );
}

function Text({
  name,
  label,
  description,
}: {
  name: "idpEntityId" | "ssoUrl" | "emailAttribute" | "nameAttribute" | "groupsAttribute";
  label: string;
  description?: string;
}) {
  return (
    <FormField<SamlConnectionForm, typeof name>
      name={name}
      render={({ field }) => (
        <FormItem>
          <FormLabel>{label}</FormLabel>
          <FormControl>
            <Input {...field} data-testid={`saml-${name}`} />
          </FormControl>
          {description ? <FormDescription>{description}</FormDescription> : null}
          <FormMessage />
        </FormItem>
      )}
    />
  );
}

/** The SAML 2.0 connection: what to copy into the identity provider, and the identity provider's settings. */
export function SamlConnectionEditor({ connection, workspaces }: { connection: Connection | null; workspaces: { slug: string; name: string }[] }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const sp = useQuery(trpc.orgSso.samlServiceProvider.queryOptions());
  const form = useZodForm(samlConnectionFormSchema, { defaultValues: valuesOf(connection) });
  const save = useMutation(trpc.orgSso.upsertSaml.mutationOptions());

  async function onSubmit(values: SamlConnectionForm) {
    try {
      await save.mutateAsync(values);
      toast.success("Single sign-on saved");
      await queryClient.invalidateQueries({ queryKey: trpc.orgSso.get.queryKey() });
    } catch (error) {
      applyServerErrors(form, error);
    }
  }

  return (
    <Card className="grid gap-4 p-6">
      <div>
        <h2 className="text-lg font-semibold">SAML 2.0</h2>
        <p className="text-sm text-muted-foreground">
          People whose email is on a verified domain of the organisation sign in through your identity provider. Assertions must be signed.
        </p>
      </div>
      {sp.data ? (
        <div className="grid gap-2 rounded-md border bg-muted/40 px-3 py-2 text-sm" data-testid="saml-service-provider">
          <span className="font-medium">To enter at the identity provider:</span>
          <Copyable label="Entity ID (audience)" value={sp.data.entityId} testId="saml-sp-entity-id" />
          <Copyable label="ACS URL (HTTP-POST)" value={sp.data.acsUrl} testId="saml-sp-acs-url" />
          <Copyable label="Metadata URL" value={sp.data.metadataUrl} testId="saml-sp-metadata-url" />
        </div>
      ) : null}
      {connection?.saml?.certificates.length ? (
        <ul className="grid gap-1 text-sm" data-testid="saml-certificates" aria-label="Signing certificates">
          {connection.saml.certificates.map((c) => (
            <li key={c.fingerprint} className={c.expired ? "text-destructive" : undefined}>
              <span className="font-mono break-all">{c.fingerprint}</span> · {c.subject} · {c.expired ? "expired" : "valid until"}{" "}
              {new Date(c.notAfter).toISOString().slice(0, 10)}
            </li>
          ))}
        </ul>
      ) : null}
      <Form {...form}>
        <form className="grid gap-4" onSubmit={form.handleSubmit(onSubmit)} noValidate aria-label="SAML connection">
          <Text name="idpEntityId" label="Identity provider entity ID" description="The Issuer of its assertions." />
          <Text name="ssoUrl" label="Single sign-on URL" description="Where Cadre sends the AuthnRequest (HTTP-Redirect binding)." />
          <FormField<SamlConnectionForm, "certificates">
            name="certificates"
            render={({ field }) => (
              <FormItem>
                <FormLabel>{connection?.saml ? "Replace the signing certificates" : "Signing certificate"}</FormLabel>
                <FormControl>
                  <Textarea {...field} rows={6} className="font-mono text-xs" placeholder="-----BEGIN CERTIFICATE-----" data-testid="saml-certificates-input" />
                </FormControl>
                <FormDescription>
                  {connection?.saml ? "Leave empty to keep the certificates above. " : ""}PEM; paste two during a rollover. Checked when saved.
                </FormDescription>
                <FormMessage />
              </FormItem>
            )}
          />
          <div className="grid gap-4 sm:grid-cols-3">
            <Text name="emailAttribute" label="Email attribute" />
            <Text name="nameAttribute" label="Name attribute" />
            <Text name="groupsAttribute" label="Groups attribute" />
          </div>
          <SsoProvisioningFields workspaces={workspaces} enabledTestId="saml-enabled" />
          <FormRootError />
          <div className="flex flex-wrap gap-2">
            <Button type="submit" disabled={save.isPending}>
              {save.isPending ? "Saving…" : "Save"}
            </Button>
            {connection ? <DeleteSsoButton /> : null}
          </div>
        </form>
      </Form>
    </Card>
  );
}
