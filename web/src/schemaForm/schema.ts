/** Questions the form renderer asks of a JSON schema (the subset the server's catalogues use). */
import type { JsonSchema } from "../api/messaging";
import type { Label } from "../api/types";

/** The schema's one non-null type: `["string", "null"]` and `anyOf: [{…}, {type: "null"}]` are that type. */
export function effectiveSchema(schema: JsonSchema): JsonSchema {
  const alternatives = schema.anyOf ?? schema.oneOf;
  if (alternatives?.length) {
    const concrete = alternatives.filter((candidate) => candidate.type !== "null");
    if (concrete.length === 1) return { ...schema, ...effectiveSchema(concrete[0]), anyOf: undefined, oneOf: undefined };
  }
  if (Array.isArray(schema.type)) {
    const types = schema.type.filter((type) => type !== "null");
    return { ...schema, type: types.length === 1 ? types[0] : types };
  }
  return schema;
}

export type SchemaKind =
  | "enum"
  | "string"
  | "number"
  | "integer"
  | "boolean"
  | "stringList"
  | "object"
  | "map"
  | "json"
  | "any";

/** Which input draws a value of this schema. */
export function schemaKind(schema: JsonSchema): SchemaKind {
  const plain = effectiveSchema(schema);
  if (plain.enum?.length) return "enum";
  switch (plain.type) {
    case "string":
      return "string";
    case "number":
      return "number";
    case "integer":
      return "integer";
    case "boolean":
      return "boolean";
    case "array": {
      const items = plain.items ? effectiveSchema(plain.items) : undefined;
      return items?.type === "string" || items?.enum ? "stringList" : "json";
    }
    case "object":
      return plain.properties ? "object" : "map";
    case undefined:
      // Untyped (a template, a filter…): text with string constraints is text; else text or JSON.
      if (plain.minLength !== undefined || plain.maxLength !== undefined || plain.pattern !== undefined) return "string";
      return "any";
    default:
      return "json";
  }
}

/** The title to show for a property: a localised `x-label`, the schema's title, else the key. */
export function schemaTitle(schema: JsonSchema, name: string, pick: (text: Label | undefined, fallback: string) => string) {
  return pick(schema["x-label"] ?? schema.title, name);
}

/** Property names in the schema's order, leaving out the ones the caller draws itself. */
export function propertyNames(schema: JsonSchema | null | undefined, omit: readonly string[] = []): string[] {
  const properties = schema ? effectiveSchema(schema).properties : undefined;
  return Object.keys(properties ?? {}).filter((name) => !omit.includes(name));
}

/** A value without the keys a user emptied, so the definition does not fill with nulls and empty lists. */
export function withoutEmpty(value: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(value).filter(
      ([, item]) => item !== undefined && item !== null && item !== "" && !(Array.isArray(item) && item.length === 0),
    ),
  );
}

/** How deep references are followed: a recursive model (a tree of conditions) stops there as a JSON box. */
const REF_DEPTH = 6;

/**
 * The schema with its local references (`{"$ref": "#/$defs/Recipients"}`, as
 * Pydantic writes nested models) replaced by what they point at, so the form
 * never needs the root to read a property.
 */
export function inlineRefs(schema: JsonSchema, defs: Record<string, JsonSchema> = {}, depth = 0): JsonSchema {
  const known = { ...defs, ...((schema.$defs as Record<string, JsonSchema> | undefined) ?? {}) };
  const ref = typeof schema.$ref === "string" ? schema.$ref.match(/^#\/\$defs\/(.+)$/)?.[1] : undefined;
  if (ref !== undefined) {
    const target = known[ref];
    if (!target || depth >= REF_DEPTH) return { ...schema, $ref: undefined };
    const { $ref: _ref, ...siblings } = schema;
    return inlineRefs({ ...target, ...siblings }, known, depth + 1);
  }
  const walk = (part: JsonSchema) => inlineRefs(part, known, depth);
  return {
    ...schema,
    $defs: undefined,
    properties: schema.properties
      ? Object.fromEntries(Object.entries(schema.properties).map(([name, part]) => [name, walk(part)]))
      : undefined,
    items: schema.items ? walk(schema.items) : undefined,
    anyOf: schema.anyOf?.map(walk),
    oneOf: schema.oneOf?.map(walk),
  };
}
