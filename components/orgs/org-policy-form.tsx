"use client";

import { useState } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useTRPC } from "@/lib/trpc/react";
import { orgPolicySchema, SIGN_IN_METHODS, type OrgPolicy, type SignInMethod } from "@/lib/schemas/organizations";
import { Card } from "@/components/ui/card";
import { applyServerErrors, Form, FormControl, FormField, FormItem, FormLabel, FormMessage, FormRootError, useZodForm } from "@/components/ui/form";
import { Button } from "@/components/ui/button";
import { Input } from "@/components/ui/input";
import { Textarea } from "@/components/ui/textarea";
import { Checkbox } from "@/components/ui/checkbox";
import { Switch } from "@/components/ui/switch";
import { SELECT_CLASS } from "@/components/ui/native-select";
import { Loading } from "@/components/ui/loading";
import { FormError } from "@/components/ui/form-error";
import { Label } from "@/components/ui/label";

const METHOD_LABELS: Record<SignInMethod, string> = { password: "Email and password", github: "GitHub", google: "Google", sso: "Single sign-on" };

/** One entry per line (or comma): what a person types into a list field. */
const lines = (value: string) =>
  value
    .split(/[\n,]/)
    .map((v) => v.trim())
    .filter(Boolean);

/** The organisation's policy: sign-in methods, forced SSO, second factor, session lifetime, invitations, workspaces, API addresses. */
export function OrgPolicyForm() {
  const trpc = useTRPC();
  const org = useQuery(trpc.orgs.get.queryOptions());
  if (org.isPending) return <Loading />;
  if (!org.data) return <FormError message={org.error?.message ?? "Cannot load the organisation"} />;
  return <PolicyForm policy={org.data.policy} editable={org.data.role !== "member"} />;
}

function PolicyForm({ policy, editable }: { policy: OrgPolicy; editable: boolean }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [saved, setSaved] = useState(false);
  const form = useZodForm(orgPolicySchema, { defaultValues: policy });
  const [domainsText, setDomainsText] = useState(policy.invitationDomains.join("\n"));
  const [ipsText, setIpsText] = useState(policy.apiIpAllowlist.join("\n"));
  const update = useMutation(
    trpc.orgs.updatePolicy.mutationOptions({
      onMutate: () => setSaved(false),
      onSuccess: async (org) => {
        form.reset(org.policy);
        setDomainsText(org.policy.invitationDomains.join("\n"));
        setIpsText(org.policy.apiIpAllowlist.join("\n"));
        setSaved(true);
        await queryClient.invalidateQueries(trpc.orgs.get.queryFilter());
      },
      onError: (error) => applyServerErrors(form, error),
    }),
  );

  return (
    <Card
      title="Policy"
      description={editable ? "Applies to every workspace of the organisation and to its members." : "Only owners and admins can change the policy."}
    >
      <Form {...form}>
        <form
          className="grid max-w-2xl gap-5"
          noValidate
          onChange={() => setSaved(false)}
          onSubmit={(e) => {
            form.setValue("invitationDomains", lines(domainsText));
            form.setValue("apiIpAllowlist", lines(ipsText));
            return form.handleSubmit((next) => update.mutate(next))(e);
          }}
        >
          <FormField
            control={form.control}
            name="allowedSignInMethods"
            render={({ field }) => (
              <FormItem className="gap-2">
                <FormLabel>Allowed sign-in methods</FormLabel>
                <div className="flex flex-wrap gap-4">
                  {SIGN_IN_METHODS.map((m) => (
                    <div key={m} className="flex items-center gap-2 text-sm">
                      <Checkbox
                        id={`policy-method-${m}`}
                        data-testid={`policy-method-${m}`}
                        disabled={!editable}
                        checked={field.value.includes(m)}
                        onCheckedChange={(on) => field.onChange(on ? [...field.value, m] : field.value.filter((v: string) => v !== m))}
                      />
                      <Label htmlFor={`policy-method-${m}`}>{METHOD_LABELS[m]}</Label>
                    </div>
                  ))}
                </div>
                <FormMessage />
              </FormItem>
            )}
          />
          <FormField
            control={form.control}
            name="ssoEnforced"
            render={({ field }) => (
              <FormItem className="flex flex-row items-center gap-3">
                <FormControl>
                  <Switch data-testid="policy-sso-enforced" disabled={!editable} checked={field.value} onCheckedChange={field.onChange} />
                </FormControl>
                <FormLabel>Force single sign-on for people on the organisation's verified domains</FormLabel>
              </FormItem>
            )}
          />
          <FormField
            control={form.control}
            name="mfaRequired"
            render={({ field }) => (
              <FormItem className="flex flex-row items-center gap-3">
                <FormControl>
                  <Switch data-testid="policy-mfa-required" disabled={!editable} checked={field.value} onCheckedChange={field.onChange} />
                </FormControl>
                <FormLabel>Require a second factor to use the organisation's workspaces</FormLabel>
              </FormItem>
            )}
          />
          <FormField
            control={form.control}
            name="sessionMaxAgeMinutes"
            render={({ field }) => (
              <FormItem className="max-w-xs gap-1.5">
                <FormLabel>Session lifetime (minutes, empty: the server's)</FormLabel>
                <FormControl>
                  <Input
                    data-testid="policy-session-minutes"
                    inputMode="numeric"
                    readOnly={!editable}
                    value={field.value ?? ""}
                    onChange={(e) => field.onChange(e.target.value.trim() === "" ? null : Number(e.target.value))}
                  />
                </FormControl>
                <FormMessage />
              </FormItem>
            )}
          />
          <FormField
            control={form.control}
            name="workspaceCreation"
            render={({ field }) => (
              <FormItem className="max-w-xs gap-1.5">
                <FormLabel>Who may create workspaces in the organisation</FormLabel>
                <FormControl>
                  <select className={SELECT_CLASS} data-testid="policy-workspace-creation" disabled={!editable} value={field.value} onChange={field.onChange}>
                    <option value="admins">Owners and admins</option>
                    <option value="members">Every member</option>
                  </select>
                </FormControl>
              </FormItem>
            )}
          />
          <div className="grid gap-1.5">
            <Label htmlFor="policy-invitation-domains">Invitations only to these email domains (one per line; empty: any)</Label>
            <Textarea
              id="policy-invitation-domains"
              data-testid="policy-invitation-domains"
              rows={3}
              readOnly={!editable}
              value={domainsText}
              onChange={(e) => setDomainsText(e.target.value)}
            />
            <FieldErrors form={form} name="invitationDomains" />
          </div>
          <div className="grid gap-1.5">
            <Label htmlFor="policy-ip-allowlist">API keys only from these addresses or CIDR ranges (one per line; empty: any)</Label>
            <Textarea
              id="policy-ip-allowlist"
              data-testid="policy-ip-allowlist"
              rows={3}
              readOnly={!editable}
              value={ipsText}
              onChange={(e) => setIpsText(e.target.value)}
            />
            <FieldErrors form={form} name="apiIpAllowlist" />
          </div>
          <FormRootError />
          {editable ? (
            <div className="flex items-center gap-2">
              <Button type="submit" data-testid="policy-save" disabled={update.isPending}>
                {update.isPending ? "Saving…" : "Save policy"}
              </Button>
              {saved ? (
                <span className="font-medium text-success" data-testid="policy-saved">
                  Saved
                </span>
              ) : null}
            </div>
          ) : null}
        </form>
      </Form>
    </Card>
  );
}

/** The errors of a list field and of its entries (apiIpAllowlist.1: ...), from the client's schema or the server. */
function FieldErrors({ form, name }: { form: ReturnType<typeof useZodForm<typeof orgPolicySchema>>; name: "invitationDomains" | "apiIpAllowlist" }) {
  const error = form.formState.errors[name] as unknown as ({ message?: string } & Record<number, { message?: string }>) | undefined;
  if (!error) return null;
  const messages = [
    error.message,
    ...Object.entries(error)
      .filter(([k]) => /^\d+$/.test(k))
      .map(([k, v]) => `Line ${Number(k) + 1}: ${(v as { message?: string }).message}`),
  ].filter(Boolean);
  return (
    <p className="text-sm text-destructive" data-testid={`policy-${name}-error`}>
      {messages.join(" · ")}
    </p>
  );
}
