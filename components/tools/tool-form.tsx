"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { PlusIcon, XIcon } from "lucide-react";
import { useState } from "react";
import { type FieldError, type FieldValues, type UseFormReturn, useFieldArray, useFormContext, useWatch } from "react-hook-form";
import { Button } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
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
import { textareaClasses } from "@/components/ui/textarea";
import { useWorkspace } from "@/components/workspace/workspace-context";
import { cn } from "@/lib/cn";
import { HTTP_TOOL_METHODS, type ToolOut } from "@/lib/schemas/tools";
import { useTRPC } from "@/lib/trpc/react";
import {
  type CustomToolValues,
  createToolFormSchema,
  customValuesOf,
  fieldOfIssue,
  settingsValuesOf,
  toolSettingsFormSchema,
  updateToolFormSchema,
} from "./form-schemas";
import { SettingsFields } from "./tool-fields";

const MONO_AREA = cn(textareaClasses, "field-sizing-fixed font-mono leading-relaxed md:text-sm");

/** The header rows of a custom tool (name, value), with their own problems under each row. */
function HeaderRows() {
  const { control, formState, register } = useFormContext<CustomToolValues>();
  const rows = useFieldArray({ control, name: "config.headers" });
  const rowErrors = (formState.errors.config?.headers ?? []) as ({ name?: FieldError } | undefined)[];
  return (
    <FormField<CustomToolValues, "config.headers">
      name="config.headers"
      render={() => (
        <FormItem>
          <FormLabel>Headers</FormLabel>
          <FormDescription>
            Values may use {"{{argument}}"} placeholders, and {"{{secret}}"} for the bound secret (e.g. Authorization: Bearer {"{{secret}}"}).
          </FormDescription>
          <div className="grid gap-2" data-testid="tool-headers">
            {rows.fields.map((row, i) => (
              <div key={row.id} className="grid gap-1" data-testid="tool-header-row">
                <div className="flex items-center gap-2">
                  <Input
                    aria-label={`Header ${i + 1} name`}
                    data-testid="tool-header-name"
                    placeholder="Authorization"
                    {...register(`config.headers.${i}.name`)}
                  />
                  <Input
                    aria-label={`Header ${i + 1} value`}
                    data-testid="tool-header-value"
                    placeholder="Bearer {{secret}}"
                    {...register(`config.headers.${i}.value`)}
                  />
                  <Button type="button" size="icon" variant="ghost" aria-label={`Remove header ${i + 1}`} onClick={() => rows.remove(i)}>
                    <XIcon aria-hidden="true" />
                  </Button>
                </div>
                {rowErrors[i]?.name?.message ? <p className="text-sm text-destructive">{rowErrors[i]?.name?.message}</p> : null}
              </div>
            ))}
            <div>
              <Button type="button" size="sm" variant="outline" data-testid="tool-header-add" onClick={() => rows.append({ name: "", value: "" })}>
                <PlusIcon aria-hidden="true" /> Add header
              </Button>
            </div>
          </div>
          <FormMessage />
        </FormItem>
      )}
    />
  );
}

/** The vault secret bound to the tool, and the one host it is sent to. */
function SecretFields({ tool }: { tool?: ToolOut }) {
  const trpc = useTRPC();
  const { can } = useWorkspace();
  const { control } = useFormContext<CustomToolValues>();
  const secretId = useWatch({ control, name: "secretId" });
  const secrets = useQuery({ ...trpc.secrets.list.queryOptions({ limit: 100 }), enabled: can("secrets:read") });
  const options = secrets.data?.items ?? [];
  return (
    <div className="flex flex-wrap items-start gap-3">
      <FormField<CustomToolValues, "secretId">
        name="secretId"
        render={({ field }) => (
          <FormItem className="min-w-48 flex-1">
            <FormLabel>Secret</FormLabel>
            <FormControl>
              <select
                className={SELECT_CLASS}
                data-testid="tool-secret"
                name={field.name}
                ref={field.ref}
                onBlur={field.onBlur}
                value={field.value ?? ""}
                onChange={(e) => field.onChange(e.target.value || null)}
              >
                <option value="">— none —</option>
                {field.value && !options.some((s) => s.id === field.value) ? <option value={field.value}>{tool?.secretName ?? field.value}</option> : null}
                {options.map((s) => (
                  <option key={s.id} value={s.id}>
                    {s.name}
                  </option>
                ))}
              </select>
            </FormControl>
            <FormDescription>From the vault; its value is never shown, logged or given to a model.</FormDescription>
            <FormMessage />
          </FormItem>
        )}
      />
      {secretId ? (
        <FormField<CustomToolValues, "secretHost">
          name="secretHost"
          render={({ field }) => (
            <FormItem className="min-w-48 flex-1">
              <FormLabel>Secret host</FormLabel>
              <FormControl>
                <Input
                  {...field}
                  data-testid="tool-secret-host"
                  placeholder="api.example.com"
                  value={field.value ?? ""}
                  onChange={(e) => field.onChange(e.target.value.trim() === "" ? null : e.target.value)}
                />
              </FormControl>
              <FormDescription>The secret is sent only in requests to this exact host (after redirects too).</FormDescription>
              <FormMessage />
            </FormItem>
          )}
        />
      ) : null}
    </div>
  );
}

/** A custom HTTP tool's definition: name, description, arguments' schema, the request and its secret. */
function DefinitionFields({ tool }: { tool?: ToolOut }) {
  return (
    <>
      <div className="flex flex-wrap items-start gap-3">
        <FormField<CustomToolValues, "name">
          name="name"
          render={({ field }) => (
            <FormItem className="min-w-48 flex-1">
              <FormLabel>Name</FormLabel>
              <FormControl>
                <Input
                  {...field}
                  data-testid="tool-name"
                  maxLength={64}
                  placeholder="lookup_order"
                  onChange={(e) => field.onChange(e.target.value.toLowerCase())}
                />
              </FormControl>
              <FormMessage />
            </FormItem>
          )}
        />
      </div>
      <FormField<CustomToolValues, "description">
        name="description"
        render={({ field }) => (
          <FormItem>
            <FormLabel>Description</FormLabel>
            <FormControl>
              <textarea {...field} data-testid="tool-description" className={textareaClasses} rows={2} maxLength={2000} />
            </FormControl>
            <FormDescription>The model reads it to decide when to call the tool.</FormDescription>
            <FormMessage />
          </FormItem>
        )}
      />
      <FormField<CustomToolValues, "inputSchema">
        name="inputSchema"
        render={({ field }) => (
          <FormItem>
            <FormLabel>Arguments (JSON Schema)</FormLabel>
            <FormControl>
              <textarea {...field} value={field.value ?? ""} data-testid="tool-input-schema" className={MONO_AREA} rows={8} spellCheck={false} />
            </FormControl>
            <FormMessage />
          </FormItem>
        )}
      />
      <div className="flex flex-wrap items-start gap-3">
        <FormField<CustomToolValues, "config.method">
          name="config.method"
          render={({ field }) => (
            <FormItem>
              <FormLabel>Method</FormLabel>
              <FormControl>
                <select {...field} className={SELECT_CLASS} data-testid="tool-method">
                  {HTTP_TOOL_METHODS.map((m) => (
                    <option key={m} value={m}>
                      {m}
                    </option>
                  ))}
                </select>
              </FormControl>
              <FormMessage />
            </FormItem>
          )}
        />
        <FormField<CustomToolValues, "config.urlTemplate">
          name="config.urlTemplate"
          render={({ field }) => (
            <FormItem className="min-w-64 flex-1">
              <FormLabel>URL template</FormLabel>
              <FormControl>
                <Input {...field} data-testid="tool-url" placeholder="https://api.example.com/orders/{{orderId}}" spellCheck={false} />
              </FormControl>
              <FormMessage />
            </FormItem>
          )}
        />
      </div>
      <HeaderRows />
      <FormField<CustomToolValues, "config.bodyTemplate">
        name="config.bodyTemplate"
        render={({ field }) => (
          <FormItem>
            <FormLabel>Body template</FormLabel>
            <FormControl>
              <textarea
                {...field}
                data-testid="tool-body"
                className={MONO_AREA}
                rows={4}
                spellCheck={false}
                placeholder={'{"query": {{query}}}'}
                value={field.value ?? ""}
                onChange={(e) => field.onChange(e.target.value === "" ? null : e.target.value)}
              />
            </FormControl>
            <FormDescription>JSON with {"{{argument}}"} placeholders (JSON-encoded). Empty: a non-GET request sends the arguments as JSON.</FormDescription>
            <FormMessage />
          </FormItem>
        )}
      />
      <SecretFields tool={tool} />
    </>
  );
}

/** Saves through tools.create or tools.update; the server's issues land on their fields. */
function useToolMutations<V extends FieldValues>(form: Pick<UseFormReturn<V, unknown, unknown>, "setError" | "getValues">, onSaved: (tool: ToolOut) => void) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const options = {
    onSuccess: async (tool: ToolOut) => {
      await queryClient.invalidateQueries({ queryKey: trpc.tools.pathKey() });
      onSaved(tool);
    },
    onError: (error: unknown) => applyServerErrors(form, error, fieldOfIssue),
  };
  return { create: useMutation(trpc.tools.create.mutationOptions(options)), update: useMutation(trpc.tools.update.mutationOptions(options)) };
}

function SaveButton({ pending, label }: { pending: boolean; label: string }) {
  return (
    <div>
      <Button type="submit" data-testid="tool-submit" disabled={pending}>
        {pending ? "Saving…" : label}
      </Button>
    </div>
  );
}

function Saved({ notice }: { notice: string | null }) {
  return notice ? (
    <p className="text-sm text-success" data-testid="tool-saved">
      {notice}
    </p>
  ) : null;
}

/** A custom HTTP tool: a new one (`tool` absent), or an edit of every field. */
function CustomToolForm({
  tool,
  editable,
  onCreated,
  onSaved,
}: {
  tool?: ToolOut;
  editable: boolean;
  onCreated?: (tool: ToolOut) => void;
  onSaved?: (tool: ToolOut) => void;
}) {
  const schema = (tool ? updateToolFormSchema : createToolFormSchema) as typeof createToolFormSchema;
  const form = useZodForm(schema, { defaultValues: customValuesOf(tool) });
  const [notice, setNotice] = useState<string | null>(null);
  const { create, update } = useToolMutations(form, (saved) => {
    if (tool) {
      setNotice("Saved.");
      form.reset(customValuesOf(saved));
      onSaved?.(saved);
    } else onCreated?.(saved);
  });
  const save = form.handleSubmit((values) => {
    setNotice(null);
    if (tool) {
      const { kind: _kind, ...patch } = values;
      update.mutate({ tool: tool.id ?? tool.name, ...patch });
    } else create.mutate(values);
  });
  return (
    <Form {...form}>
      <form className="flex flex-col gap-4" onSubmit={save} noValidate data-testid="tool-form">
        <fieldset disabled={!editable} className="m-0 flex min-w-0 flex-col gap-4 border-0 p-0">
          <DefinitionFields tool={tool} />
          <SettingsFields />
        </fieldset>
        <FormRootError />
        <Saved notice={notice} />
        {editable ? <SaveButton pending={create.isPending || update.isPending} label={tool ? "Save" : "Create tool"} /> : null}
      </form>
    </Form>
  );
}

/** A built-in or MCP tool: only enabled, the limits and the approval policy are the workspace's. */
function ToolSettingsForm({ tool, editable }: { tool: ToolOut; editable: boolean }) {
  const form = useZodForm(toolSettingsFormSchema, { defaultValues: settingsValuesOf(tool) });
  const [notice, setNotice] = useState<string | null>(null);
  const { update } = useToolMutations(form, (saved) => {
    setNotice("Saved.");
    form.reset(settingsValuesOf(saved));
  });
  const save = form.handleSubmit((values) => {
    setNotice(null);
    update.mutate({ tool: tool.id ?? tool.name, ...values });
  });
  return (
    <Form {...form}>
      <form className="flex flex-col gap-4" onSubmit={save} noValidate data-testid="tool-form">
        <fieldset disabled={!editable} className="m-0 flex min-w-0 flex-col gap-4 border-0 p-0">
          <SettingsFields />
        </fieldset>
        <FormRootError />
        <Saved notice={notice} />
        {editable ? <SaveButton pending={update.isPending} label="Save" /> : null}
      </form>
    </Form>
  );
}

/**
 * Create a custom HTTP tool (`bare`, in the New dialog), or edit a tool: every field of a custom one; enabled, the
 * limits and the approval policy of a built-in or MCP tool. Validated with the server's schemas (./form-schemas.ts).
 */
export function ToolForm({
  tool,
  onCreated,
  onSaved,
  bare,
}: {
  tool?: ToolOut;
  onCreated?: (tool: ToolOut) => void;
  /** an edit of a custom tool was saved (it may have a new name) */
  onSaved?: (tool: ToolOut) => void;
  bare?: boolean;
}) {
  const { can } = useWorkspace();
  const editable = tool ? can("tools:update") : can("tools:create");
  const body =
    !tool || tool.kind === "http" ? (
      <CustomToolForm tool={tool} editable={editable} onCreated={onCreated} onSaved={onSaved} />
    ) : (
      <ToolSettingsForm tool={tool} editable={editable} />
    );
  if (bare) return body;
  return (
    <Card
      title={tool?.kind === "http" || !tool ? "Definition" : "Settings"}
      description={
        tool && tool.kind !== "http"
          ? `The definition of a ${tool.kind === "builtin" ? "built-in" : "MCP"} tool is not the workspace's: only whether it is enabled, its limits and its approval policy are.`
          : undefined
      }
      testId="tool-form-card"
    >
      {body}
    </Card>
  );
}
