// @vitest-environment happy-dom
/** Forms: field errors only once a field is left or the form submitted, in people's words, and server issues on their fields. */
import { afterEach, describe, expect, it } from "vitest";
import { createElement as h } from "react";
import { act, cleanup, render, screen, waitFor } from "@testing-library/react";
import { userEvent } from "@testing-library/user-event";
import { TRPCClientError } from "@trpc/client";
import { z } from "zod";
import { friendlyError, friendlyIssueMessage } from "@/lib/schemas/messages";
import { applyServerErrors, Form, FormControl, FormField, FormItem, FormLabel, FormMessage, FormRootError, useZodForm } from "./form";
import { Input } from "./input";

afterEach(cleanup);

const schema = z.object({ name: z.string().min(1).max(5), email: z.email() });
type Values = z.input<typeof schema>;

// data-* props on components pass through, but TypeScript only knows them in JSX
const testId = (id: string): object => ({ "data-testid": id });

let api: ReturnType<typeof useZodForm<typeof schema>> | null = null;
const submitted: z.output<typeof schema>[] = [];

function TheForm() {
  const form = useZodForm(schema, { defaultValues: { name: "", email: "" } });
  api = form;
  const field = (name: keyof Values, label: string) =>
    h(FormField<Values, keyof Values>, {
      control: form.control,
      name,
      render: ({ field: f }) =>
        h(FormItem, null, h(FormLabel, null, label), h(FormControl, null, h(Input, { ...f, ...testId(name) })), h(FormMessage, testId(`${name}-error`))),
    });
  const body = h(
    "form",
    { onSubmit: form.handleSubmit((v) => void submitted.push(v)) },
    field("name", "Name"),
    field("email", "Email"),
    h(FormRootError),
    h("button", { type: "submit" }, "Save"),
  );
  return h(Form<Values, unknown, z.output<typeof schema>>, { ...form, children: body });
}

describe("useZodForm with FormField", () => {
  it("shows no error while typing, the field's error once it is left, and wires aria-invalid and aria-describedby", async () => {
    const user = userEvent.setup();
    render(h(TheForm));
    const name = screen.getByTestId("name");
    await user.type(name, "x");
    await user.clear(name);
    expect(screen.queryByTestId("name-error")).toBeNull();
    expect(name.getAttribute("aria-invalid")).toBe("false");
    await user.tab();
    const error = await screen.findByTestId("name-error");
    expect(error.textContent).toBe("Required");
    expect(name.getAttribute("aria-invalid")).toBe("true");
    expect(name.getAttribute("aria-describedby")?.split(" ")).toContain(error.id);
    expect(screen.getByText("Name").getAttribute("for")).toBe(name.id);
    // the untouched field stays quiet
    expect(screen.queryByTestId("email-error")).toBeNull();
  });

  it("shows every field's error on submit, in people's words, and submits once valid", async () => {
    const user = userEvent.setup();
    render(h(TheForm));
    await user.type(screen.getByTestId("name"), "toolong");
    await user.click(screen.getByText("Save"));
    expect((await screen.findByTestId("name-error")).textContent).toBe("At most 5 characters");
    expect(screen.getByTestId("email-error").textContent).toBe("Enter an email address");
    await user.clear(screen.getByTestId("name"));
    await user.type(screen.getByTestId("name"), "Ada");
    await user.type(screen.getByTestId("email"), "ada@example.com");
    await user.click(screen.getByText("Save"));
    await waitFor(() => expect(submitted.at(-1)).toEqual({ name: "Ada", email: "ada@example.com" }));
  });

  it("puts the server's issues on their fields and the rest in the form-level message", async () => {
    render(h(TheForm));
    const error = TRPCClientError.from({
      error: {
        message: "invalid",
        code: -32600,
        data: {
          code: "BAD_REQUEST",
          httpStatus: 400,
          issues: [
            { path: "email", message: "Already a member" },
            { path: "workspace.slug", message: "Taken" },
          ],
        },
      },
    });
    let marked: string[] = [];
    act(() => {
      marked = applyServerErrors(api!, error);
    });
    expect(marked).toEqual(["email"]);
    expect((await screen.findByTestId("email-error")).textContent).toBe("Already a member");
    expect(screen.getByTestId("email").getAttribute("aria-invalid")).toBe("true");
    expect(screen.getByTestId("form-error").textContent).toBe("workspace.slug: Taken");
    expect(screen.queryByTestId("name-error")).toBeNull();
  });

  it("falls back to the error's message when it names no field", async () => {
    render(h(TheForm));
    const error = TRPCClientError.from({ error: { message: "A model with this name exists", code: -32000, data: { code: "CONFLICT", httpStatus: 409 } } });
    act(() => void applyServerErrors(api!, error));
    expect((await screen.findByTestId("form-error")).textContent).toBe("A model with this name exists");
  });
});

describe("friendlyError", () => {
  const message = (schema: z.ZodType, value: unknown) => schema.safeParse(value, { error: friendlyError }).error?.issues[0]?.message;

  it("words zod's issues for people and keeps a schema's own message", () => {
    expect(message(z.string(), undefined)).toBe("Required");
    expect(message(z.string().min(3), "a")).toBe("At least 3 characters");
    expect(message(z.enum(["a", "b"]), "c")).toBe("Choose one of: a, b");
    const union = z.discriminatedUnion("type", [z.object({ type: z.literal("x") }), z.object({ type: z.literal("y") })]);
    expect(message(union, { type: "z" })).not.toMatch(/discriminator/i);
    expect(message(z.string().min(1, "Name the agent"), "")).toBe("Name the agent");
  });
});

describe("friendlyIssueMessage", () => {
  const issue = (schema: z.ZodType, value: unknown) => schema.safeParse(value).error!.issues[0]!;

  it("rewords the server's issues that carry zod's own message and keeps the schema's", () => {
    expect(friendlyIssueMessage(issue(z.object({ name: z.string() }), {}))).toBe("Required");
    expect(friendlyIssueMessage(issue(z.string().max(3), "abcd"))).toBe("At most 3 characters");
    const union = z.discriminatedUnion("type", [z.object({ type: z.literal("x") }), z.object({ type: z.literal("y") })]);
    expect(friendlyIssueMessage(issue(union, { type: "z" }))).toBe("Choose one of the options");
    expect(friendlyIssueMessage(issue(z.string().min(1, "Name the agent"), ""))).toBe("Name the agent");
    // a wrong type (not a missing value) keeps zod's precise message
    expect(friendlyIssueMessage(issue(z.string(), 5))).toBe(issue(z.string(), 5).message);
  });
});
