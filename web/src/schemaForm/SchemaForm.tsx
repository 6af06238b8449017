import { Card, Form, Input, InputNumber, Select, Switch } from "antd";
import { useMemo, useState, type ReactNode } from "react";
import type { JsonSchema } from "../api/messaging";
import { useI18n } from "../hooks/useI18n";
import { MapEditor } from "./MapEditor";
import { effectiveSchema, inlineRefs, propertyNames, schemaKind, schemaTitle, withoutEmpty } from "./schema";

type Values = Record<string, unknown>;

/** What a special widget is given: the property, its value and the object it sits in. */
export interface WidgetProps {
  name: string;
  schema: JsonSchema;
  value: unknown;
  onChange: (next: unknown) => void;
  /** The object holding the property (e.g. an effect's `entity` decides what its `fields` are). */
  owner: Values;
  /** The JSON path of the property, as the server names it in errors. */
  path: string;
  id: string;
}

/** Draws a property specially (a field select, the recipients editor…), or answers undefined for the default input. */
export type WidgetResolver = (props: WidgetProps) => ReactNode | undefined;

/** Errors by JSON path (`$.rules[0].effects[1].title`). */
export type PathErrors = ReadonlyMap<string, string[]>;

export interface SchemaFormProps {
  schema: JsonSchema | null | undefined;
  value: Values;
  onChange: (next: Values) => void;
  /** The JSON path of `value`. */
  path: string;
  /** Properties drawn elsewhere (a trigger's `on`, an effect's `type`). */
  omit?: readonly string[];
  widget?: WidgetResolver;
  errors?: PathErrors;
}

/** The errors of exactly this path, or (`deep`) of it and everything below it. */
function errorsAt(errors: PathErrors | undefined, path: string, deep: boolean): string[] {
  if (!errors) return [];
  const found: string[] = [];
  for (const [where, messages] of errors) {
    if (where === path || (deep && (where.startsWith(`${path}.`) || where.startsWith(`${path}[`)))) {
      found.push(...messages);
    }
  }
  return found;
}

/** A stable element id for a JSON path, so each label points at its input. */
export function pathId(path: string): string {
  return `fw-${path.replace(/[^A-Za-z0-9_-]+/g, "-")}`;
}

/** Any other value as JSON text, parsed when the user leaves the box. */
function JsonInput({ id, value, onChange }: { id: string; value: unknown; onChange: (next: unknown) => void }) {
  const { t } = useI18n();
  const [text, setText] = useState(() => (value === undefined ? "" : JSON.stringify(value, null, 2)));
  const [bad, setBad] = useState(false);
  return (
    <Input.TextArea
      id={id}
      autoSize={{ minRows: 2, maxRows: 10 }}
      status={bad ? "error" : undefined}
      placeholder={t("jsonValue")}
      value={text}
      onChange={(event) => setText(event.target.value)}
      onBlur={() => {
        if (!text.trim()) {
          setBad(false);
          onChange(undefined);
          return;
        }
        try {
          onChange(JSON.parse(text));
          setBad(false);
        } catch {
          setBad(true);
        }
      }}
    />
  );
}

/** A value of any type as typed: an object or a list when it reads as JSON, else the text itself. */
function AnyInput({ id, value, onChange }: { id: string; value: unknown; onChange: (next: unknown) => void }) {
  const shown = value === undefined || value === null ? "" : typeof value === "string" ? value : JSON.stringify(value);
  return (
    <Input.TextArea
      id={id}
      autoSize={{ minRows: 1, maxRows: 10 }}
      value={shown}
      onChange={(event) => {
        const text = event.target.value;
        if (/^\s*[[{]/.test(text)) {
          try {
            onChange(JSON.parse(text));
            return;
          } catch {
            // Not JSON (yet): kept as the text typed.
          }
        }
        onChange(text);
      }}
    />
  );
}

/** The default input of a property, by its schema. */
function DefaultInput({ schema, value, onChange, id, path, widget, errors, name }: WidgetProps & SchemaFormExtras) {
  const plain = effectiveSchema(schema);
  switch (schemaKind(schema)) {
    case "enum":
      return (
        <Select
          id={id}
          allowClear
          placeholder={plain.default !== undefined && plain.default !== null ? String(plain.default) : undefined}
          value={value ?? undefined}
          onChange={(next) => onChange(next ?? undefined)}
          options={(plain.enum ?? []).map((option) => ({
            value: option as string,
            label: String(option),
            "data-testid": `${id}-option-${String(option)}`,
          }))}
        />
      );
    case "string":
      // A password format never shows what is stored: the server does not send it anyway.
      if (plain.format === "password") {
        return <Input.Password id={id} value={(value as string) ?? ""} onChange={(event) => onChange(event.target.value)} />;
      }
      if (plain.format === "textarea" || plain.format === "template" || name === "body" || name.endsWith("template")) {
        return (
          <Input.TextArea
            id={id}
            autoSize={{ minRows: 3, maxRows: 12 }}
            placeholder={typeof plain.default === "string" ? plain.default : undefined}
            value={(value as string) ?? ""}
            onChange={(event) => onChange(event.target.value)}
          />
        );
      }
      return (
        <Input
          id={id}
          placeholder={typeof plain.default === "string" ? plain.default : undefined}
          value={(value as string) ?? ""}
          onChange={(event) => onChange(event.target.value)}
        />
      );
    case "number":
    case "integer":
      return (
        <InputNumber
          id={id}
          className="fw-full-width"
          min={plain.minimum}
          max={plain.maximum}
          precision={plain.type === "integer" ? 0 : undefined}
          placeholder={typeof plain.default === "number" ? String(plain.default) : undefined}
          value={typeof value === "number" ? value : null}
          onChange={(next) => onChange(next ?? undefined)}
        />
      );
    case "boolean":
      return <Switch id={id} checked={value === true} onChange={(next) => onChange(next)} />;
    case "stringList": {
      const items = plain.items ? effectiveSchema(plain.items) : {};
      return (
        <Select
          id={id}
          mode={items.enum ? "multiple" : "tags"}
          value={Array.isArray(value) ? (value as string[]) : []}
          onChange={(next) => onChange(next)}
          options={(items.enum ?? []).map((option) => ({ value: option as string, label: String(option) }))}
        />
      );
    }
    case "object":
      return (
        <Card size="small">
          <SchemaForm
            schema={plain}
            value={(value as Values) ?? {}}
            onChange={(next) => onChange(Object.keys(next).length ? next : undefined)}
            path={path}
            widget={widget}
            errors={errors}
          />
        </Card>
      );
    case "any":
      return <AnyInput id={id} value={value} onChange={onChange} />;
    case "map":
      return <MapEditor id={id} value={(value as Record<string, string>) ?? {}} onChange={onChange} />;
    default:
      return <JsonInput id={id} value={value} onChange={onChange} />;
  }
}

interface SchemaFormExtras {
  widget?: WidgetResolver;
  errors?: PathErrors;
}

/**
 * A form drawn from a JSON schema: one input per property by its type, with
 * special widgets where the caller's resolver says so, and the server's
 * errors under the property their JSON path names. Controlled: `value` in,
 * `onChange` with the whole new object out (emptied properties left out).
 */
export function SchemaForm({ schema, value, onChange, path, omit = [], widget, errors }: SchemaFormProps) {
  const { label } = useI18n();
  const plain = useMemo(() => (schema ? effectiveSchema(inlineRefs(schema)) : null), [schema]);
  if (!plain) return null;
  const required = new Set(plain.required ?? []);
  return (
    <Form layout="vertical" component="div">
      {propertyNames(plain, omit).map((name) => {
        const property = plain.properties![name];
        const propertyPath = `${path}.${name}`;
        const id = pathId(propertyPath);
        const set = (next: unknown) => onChange(withoutEmpty({ ...value, [name]: next }));
        const props: WidgetProps = { name, schema: property, value: value[name], onChange: set, owner: value, path: propertyPath, id };
        const special = widget?.(props);
        const nested = special === undefined && schemaKind(property) === "object";
        // A nested form shows its own errors; any other input shows all of those below it.
        const messages = errorsAt(errors, propertyPath, !nested);
        const description = property.description;
        return (
          <Form.Item
            key={name}
            label={schemaTitle(property, name, label)}
            htmlFor={id}
            required={required.has(name)}
            tooltip={description || undefined}
            validateStatus={messages.length ? "error" : undefined}
            help={messages.length ? messages.join("; ") : undefined}
            data-testid={`schema-field-${name}`}
          >
            {special ?? <DefaultInput {...props} widget={widget} errors={errors} />}
          </Form.Item>
        );
      })}
    </Form>
  );
}
