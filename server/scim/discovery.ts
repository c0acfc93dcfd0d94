/** The discovery resources of RFC 7644 §4: what this SCIM server supports, for the identity provider to read. */
import { SCIM_GROUP_SCHEMA, SCIM_LIST_SCHEMA, SCIM_USER_SCHEMA, MAX_PAGE, type ScimContext } from "./context";

const attr = (name: string, extra: Record<string, unknown> = {}) => ({
  name,
  type: "string",
  multiValued: false,
  required: false,
  caseExact: false,
  mutability: "readWrite",
  returned: "default",
  uniqueness: "none",
  ...extra,
});

export function serviceProviderConfig(ctx: ScimContext) {
  return {
    schemas: ["urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"],
    documentationUri: "https://github.com/cadre/cadre/blob/main/docs/scim.md",
    patch: { supported: true },
    bulk: { supported: false, maxOperations: 0, maxPayloadSize: 0 },
    filter: { supported: true, maxResults: MAX_PAGE },
    changePassword: { supported: false },
    sort: { supported: false },
    etag: { supported: true },
    authenticationSchemes: [
      {
        type: "oauthbearertoken",
        name: "Organisation token",
        description: "A bearer organisation token (cadre_org_...) with the scim scope, created in the organisation's SCIM settings",
        primary: true,
      },
    ],
    meta: { resourceType: "ServiceProviderConfig", location: `${ctx.baseUrl}/ServiceProviderConfig` },
  };
}

function resourceType(ctx: ScimContext, id: "User" | "Group") {
  return {
    schemas: ["urn:ietf:params:scim:schemas:core:2.0:ResourceType"],
    id,
    name: id,
    endpoint: id === "User" ? "/Users" : "/Groups",
    schema: id === "User" ? SCIM_USER_SCHEMA : SCIM_GROUP_SCHEMA,
    meta: { resourceType: "ResourceType", location: `${ctx.baseUrl}/ResourceTypes/${id}` },
  };
}

function schema(ctx: ScimContext, id: string) {
  const user = id === SCIM_USER_SCHEMA;
  return {
    schemas: ["urn:ietf:params:scim:schemas:core:2.0:Schema"],
    id,
    name: user ? "User" : "Group",
    attributes: user
      ? [
          attr("userName", { required: true, uniqueness: "server" }),
          attr("externalId", { caseExact: true }),
          attr("displayName"),
          {
            ...attr("name", { type: "complex" }),
            subAttributes: ["formatted", "familyName", "givenName", "middleName", "honorificPrefix", "honorificSuffix"].map((n) => attr(n)),
          },
          attr("active", { type: "boolean" }),
          {
            ...attr("emails", { type: "complex", multiValued: true, mutability: "immutable" }),
            subAttributes: [attr("value"), attr("type"), attr("primary", { type: "boolean" })],
          },
          { ...attr("groups", { type: "complex", multiValued: true, mutability: "readOnly" }), subAttributes: [attr("value"), attr("display")] },
        ]
      : [
          attr("displayName", { required: true, uniqueness: "server" }),
          attr("externalId", { caseExact: true }),
          { ...attr("members", { type: "complex", multiValued: true }), subAttributes: [attr("value", { mutability: "immutable" }), attr("display")] },
        ],
    meta: { resourceType: "Schema", location: `${ctx.baseUrl}/Schemas/${id}` },
  };
}

const list = (resources: unknown[]) => ({
  schemas: [SCIM_LIST_SCHEMA],
  totalResults: resources.length,
  startIndex: 1,
  itemsPerPage: resources.length,
  Resources: resources,
});

export const resourceTypes = (ctx: ScimContext) => list([resourceType(ctx, "User"), resourceType(ctx, "Group")]);
export const resourceTypeById = (ctx: ScimContext, id: string) => (id === "User" || id === "Group" ? resourceType(ctx, id) : null);
export const schemas = (ctx: ScimContext) => list([schema(ctx, SCIM_USER_SCHEMA), schema(ctx, SCIM_GROUP_SCHEMA)]);
export const schemaById = (ctx: ScimContext, id: string) => (id === SCIM_USER_SCHEMA || id === SCIM_GROUP_SCHEMA ? schema(ctx, id) : null);
