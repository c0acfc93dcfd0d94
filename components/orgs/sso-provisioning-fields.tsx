"use client";

import { FormControl, FormField, FormItem, FormLabel, FormMessage } from "@/components/ui/form";
import { SELECT_CLASS } from "@/components/ui/native-select";
import { Switch } from "@/components/ui/switch";

/** The fields every SSO connection kind shares, read from the surrounding form by name. */
interface ProvisioningForm {
  defaultWorkspace: string | null;
  defaultRole: string;
  jitProvisioning: boolean;
  enabled: boolean;
}

/** Who a first sign-in creates, where they land with which role, and whether the connection is on (OIDC and SAML alike). */
export function SsoProvisioningFields({ workspaces, enabledTestId }: { workspaces: { slug: string; name: string }[]; enabledTestId: string }) {
  return (
    <>
      <div className="grid gap-4 sm:grid-cols-2">
        <FormField<ProvisioningForm, "defaultWorkspace">
          name="defaultWorkspace"
          render={({ field }) => (
            <FormItem>
              <FormLabel>Default workspace for new people</FormLabel>
              <FormControl>
                <select className={SELECT_CLASS} value={field.value ?? ""} onChange={(e) => field.onChange(e.target.value || null)} onBlur={field.onBlur}>
                  <option value="">None</option>
                  {workspaces.map((w) => (
                    <option key={w.slug} value={w.slug}>
                      {w.name}
                    </option>
                  ))}
                </select>
              </FormControl>
              <FormMessage />
            </FormItem>
          )}
        />
        <FormField<ProvisioningForm, "defaultRole">
          name="defaultRole"
          render={({ field }) => (
            <FormItem>
              <FormLabel>Their role there</FormLabel>
              <FormControl>
                <select className={SELECT_CLASS} value={field.value} onChange={(e) => field.onChange(e.target.value)} onBlur={field.onBlur}>
                  <option value="admin">Admin</option>
                  <option value="member">Member</option>
                  <option value="viewer">Viewer</option>
                </select>
              </FormControl>
              <FormMessage />
            </FormItem>
          )}
        />
      </div>
      <FormField<ProvisioningForm, "jitProvisioning">
        name="jitProvisioning"
        render={({ field }) => (
          <FormItem className="flex items-center gap-3">
            <FormControl>
              <Switch checked={field.value} onCheckedChange={field.onChange} />
            </FormControl>
            <FormLabel>Create accounts on first sign-in</FormLabel>
          </FormItem>
        )}
      />
      <FormField<ProvisioningForm, "enabled">
        name="enabled"
        render={({ field }) => (
          <FormItem className="flex items-center gap-3">
            <FormControl>
              <Switch checked={field.value} onCheckedChange={field.onChange} data-testid={enabledTestId} />
            </FormControl>
            <FormLabel>Enabled</FormLabel>
          </FormItem>
        )}
      />
    </>
  );
}
