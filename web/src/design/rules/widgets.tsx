/**
 * The rule designer's special widgets: where a catalogue schema's property
 * name says what it holds (`fields`, `entity`, `values`, `to`, a condition…),
 * it gets an input that knows the app instead of a plain text box.
 */
import { Card, Select } from "antd";
import { useEffect, useState } from "react";
import { api } from "../../api/client";
import type { TriggerDef } from "../../api/rules";
import type { AppDefinition, Department, EntityDef, User } from "../../api/types";
import { findEntity } from "../../definition";
import { useI18n } from "../../hooks/useI18n";
import { effectiveSchema, schemaKind } from "../../schemaForm/schema";
import { SchemaForm, type PathErrors, type WidgetProps, type WidgetResolver } from "../../schemaForm/SchemaForm";
import { ConditionEditor } from "./ConditionEditor";
import { ValuesEditor } from "./ValuesEditor";

/** Properties holding an expression over the record. */
const EXPRESSIONS = new Set(["when", "condition", "expression"]);

/** The people and departments of the tenant, loaded once per page: recipients pick from them. */
let peopleRequest: Promise<{ users: User[]; departments: Department[] }> | null = null;

function usePeople() {
  const [people, setPeople] = useState<{ users: User[]; departments: Department[] }>({ users: [], departments: [] });
  useEffect(() => {
    let active = true;
    peopleRequest ??= Promise.all([api.users(), api.departments()]).then(
      ([users, departments]) => ({ users, departments }),
      (error: unknown) => {
        peopleRequest = null;
        throw error;
      },
    );
    peopleRequest.then((loaded) => active && setPeople(loaded)).catch(() => undefined);
    return () => {
      active = false;
    };
  }, []);
  return people;
}

function asList(value: unknown): string[] {
  if (Array.isArray(value)) return value.map(String);
  return value === undefined || value === null || value === "" ? [] : [String(value)];
}

/** A select of the entity's fields; `multiple` when the schema holds a list. */
function FieldSelect({ props, entity, userFields }: { props: WidgetProps; entity: EntityDef | undefined; userFields?: boolean }) {
  const { label } = useI18n();
  const multiple = schemaKind(props.schema) === "stringList";
  const fields = (entity?.fields ?? []).filter((field) => !userFields || field.type === "user" || field.type === "users");
  return (
    <Select
      id={props.id}
      mode={multiple ? "multiple" : undefined}
      allowClear
      showSearch={{ optionFilterProp: "label" }}
      value={multiple ? asList(props.value) : ((props.value as string | undefined) ?? undefined)}
      onChange={(next) => props.onChange(next ?? undefined)}
      options={fields.map((field) => ({
        value: field.key,
        label: `${label(field.label, field.key)} (${field.key})`,
        "data-testid": `${props.id}-option-${field.key}`,
      }))}
    />
  );
}

/** A select of fixed choices (people, roles, departments, entities), one or many by the schema. */
function ChoiceSelect({ props, choices }: { props: WidgetProps; choices: { value: string; label: string }[] }) {
  const multiple = schemaKind(props.schema) === "stringList";
  return (
    <Select
      id={props.id}
      mode={multiple ? "multiple" : undefined}
      allowClear
      showSearch={{ optionFilterProp: "label" }}
      value={multiple ? asList(props.value) : ((props.value as string | undefined) ?? undefined)}
      onChange={(next) => props.onChange(next ?? undefined)}
      options={choices.map((choice) => ({ ...choice, "data-testid": `${props.id}-option-${choice.value}` }))}
    />
  );
}

function RolesSelect({ props, definition }: { props: WidgetProps; definition: AppDefinition }) {
  const { label } = useI18n();
  const choices = (definition.roles ?? []).map((role) => ({ value: role.key, label: label(role.label, role.key) }));
  return <ChoiceSelect props={props} choices={choices} />;
}

function UsersSelect({ props }: { props: WidgetProps }) {
  const { users } = usePeople();
  const choices = users.map((user) => ({ value: user.username, label: user.display_name || user.username }));
  return <ChoiceSelect props={props} choices={choices} />;
}

function DepartmentsSelect({ props }: { props: WidgetProps }) {
  const { departments } = usePeople();
  return <ChoiceSelect props={props} choices={departments.map((item) => ({ value: item.name, label: item.name }))} />;
}

function EntitySelect({ props, definition }: { props: WidgetProps; definition: AppDefinition }) {
  const { label } = useI18n();
  const choices = definition.entities.map((entity) => ({ value: entity.key, label: label(entity.label, entity.key) }));
  return <ChoiceSelect props={props} choices={choices} />;
}

/** Everything the widgets of one rule need to know. */
export interface RuleWidgetContext {
  app: string;
  definition: AppDefinition;
  /** The rule's entity: what its trigger, condition and recipients are about. */
  entity: string;
  trigger: TriggerDef;
  recipientsSchema: WidgetProps["schema"];
  errors: PathErrors;
}

/** The recipients of a message: users, user fields, roles, departments, managers of, addresses. */
function RecipientsEditor({ props, context }: { props: WidgetProps; context: RuleWidgetContext }) {
  const value = props.value && typeof props.value === "object" ? (props.value as Record<string, unknown>) : {};
  return (
    <Card size="small" data-testid={`${props.id}-recipients`}>
      <SchemaForm
        schema={context.recipientsSchema}
        value={value}
        onChange={(next) => props.onChange(Object.keys(next).length ? next : undefined)}
        path={props.path}
        errors={context.errors}
        widget={recipientWidgets(context)}
      />
    </Card>
  );
}

/** Inside a recipients object: people and organisation by name, fields holding users. */
function recipientWidgets(context: RuleWidgetContext): WidgetResolver {
  const entity = findEntity(context.definition, context.entity);
  return (props) => {
    switch (props.name) {
      case "users":
        return <UsersSelect props={props} />;
      case "fields":
      case "managers_of":
        return <FieldSelect props={props} entity={entity} userFields />;
      case "roles":
        return <RolesSelect props={props} definition={context.definition} />;
      case "departments":
        return <DepartmentsSelect props={props} />;
      default:
        return undefined;
    }
  };
}

/**
 * The widget resolver of a trigger's or an effect's settings. An effect that
 * names an `entity` (create_record, update_records) has its `fields` and
 * `values` taken from that entity; everything else is about the rule's entity.
 */
export function ruleWidgets(context: RuleWidgetContext): WidgetResolver {
  return (props) => {
    const own = typeof props.owner.entity === "string" && props.owner.entity ? props.owner.entity : context.entity;
    const entity = findEntity(context.definition, own);
    const expression = EXPRESSIONS.has(props.name) || effectiveSchema(props.schema).format === "expression";
    if (expression) {
      return (
        <ConditionEditor
          app={context.app}
          entity={context.entity}
          trigger={context.trigger}
          id={props.id}
          testId={props.id}
          value={(props.value as string | undefined) ?? ""}
          onChange={(next) => props.onChange(next || undefined)}
        />
      );
    }
    switch (props.name) {
      case "field":
      case "fields":
        return <FieldSelect props={props} entity={entity} />;
      case "entity":
        return <EntitySelect props={props} definition={context.definition} />;
      case "values":
        return (
          <ValuesEditor
            id={props.id}
            testId={props.id}
            entity={entity}
            value={(props.value as Record<string, unknown>) ?? {}}
            onChange={props.onChange}
          />
        );
      case "to":
        return <RecipientsEditor props={props} context={context} />;
      default:
        return undefined;
    }
  };
}
